import type { Rng } from '../../../core/rng.js';
import {
  BaselineCursor,
  dischargeBaseline,
  lineSegments,
  sumBaselines,
  trendBaseline,
  type Baseline,
  type LineSegment,
} from './baseline.js';
import { FastRandom } from './fast-random.js';
import { addLine, addRandomWalk, addSeasonal, arma11, armaGeneral, fusedArma11, scaleByCycle } from './kernels.js';
import { LI_ION_CURVE } from './presets.js';
import type { SensorModel } from './sensor-model.js';
import type { Timing } from './timing.js';

const TWO_PI = 2 * Math.PI;
const NO_ROTATION = [1, 0, 1, 0] as const;
const NO_HARMONICS = new Float64Array(0);
/** Largest reading a counter starts from (kWh or the sensor unit). */
const COUNTER_START_MAX = 20_000;

/** A seasonality on one device: Σ_k coeffs[k-1]·cos(k·x) with x = 2π·(t/P − turns). */
interface Seasonal {
  coeffs: Float64Array;
  periodMs: number;
  turns: number;
}

/**
 * One sensor on one device: the sensor model with this device's variation
 * drawn (level, amplitude, phase, noise), and the state that carries the
 * generation from one chunk to the next.
 */
export class DeviceSensor {
  readonly model: SensorModel;
  /** Per-device parameters worth reporting, keyed without the column prefix. */
  readonly attributes: Record<string, number> = {};
  /** Anomaly size unit on this device (noise scale × the device's noise factor). */
  readonly scale: number;
  /** counter: the reading before the first sample. */
  readonly initialReading: number;

  private readonly timing: Timing;
  private readonly times: Float64Array | null;
  private readonly stream: FastRandom;
  private readonly walk: FastRandom | null;
  private readonly walkStd: number;
  private readonly walkState = new Float64Array(1);
  private readonly sigma: number;
  private readonly phi: Float64Array;
  private readonly theta: Float64Array;
  private readonly arma11State = new Float64Array(2);
  private readonly yHist: Float64Array;
  private readonly eHist: Float64Array;
  private readonly heteroscedastic: number;
  /** ARMA(1,1) or simpler: the fused single-pass kernel applies. */
  private readonly lowOrder: boolean;
  private readonly segments: LineSegment[];
  private readonly cursor: BaselineCursor | null;
  private readonly seasonals: Seasonal[];
  /** Chunk-sized buffer for random walk steps or chain uniforms, allocated only when needed. */
  private readonly scratch: Float64Array | null;
  /** binary: switching intensity per sample and the current state (-1 before the first sample). */
  private readonly switchRate: number;
  private state = -1;

  /**
   * @param times actual sample times when sampling is irregular (the model is evaluated there); null on the regular grid
   * @param chunkRows the largest slice render() will be asked for
   */
  constructor(
    model: SensorModel,
    timing: Timing,
    variation: number,
    rng: Rng,
    times: Float64Array | null,
    chunkRows: number,
  ) {
    this.model = model;
    this.timing = timing;
    this.times = times;
    const v = variation;
    const vr = rng.fork('variation');
    // a fixed order of draws, whatever the sensor kind, so the streams stay comparable
    const levelOffset = v * model.levelSpread * vr.normal();
    const amplitudeFactor = Math.exp(0.4 * v * vr.normal());
    const phaseShifts = model.seasonalities.map(() => 0.03 * v * vr.normal());
    const noiseFactor = Math.exp(0.5 * v * vr.normal());
    const socDrop = 0.5 * v * Math.abs(vr.normal());
    const timeFactor = Math.exp(0.5 * v * vr.normal());
    const readingDraw = vr.next();

    this.stream = new FastRandom(rng.fork('noise'));
    this.sigma = model.noise.arma.sigma * noiseFactor;
    this.phi = Float64Array.from(model.noise.arma.phi);
    this.theta = Float64Array.from(model.noise.arma.theta);
    this.yHist = new Float64Array(this.phi.length);
    this.eHist = new Float64Array(this.theta.length);
    this.lowOrder = this.phi.length <= 1 && this.theta.length <= 1;
    this.startStationary(model, rng.fork('state'));
    this.walkStd = model.noise.walkStd * noiseFactor;
    this.walk = this.walkStd > 0 ? new FastRandom(rng.fork('walk')) : null;
    this.heteroscedastic = model.noise.heteroscedastic;
    this.scale = model.scale * (model.kind === 'counter' ? 1 : noiseFactor);
    this.scratch = this.walk || model.kind === 'binary' ? new Float64Array(chunkRows) : null;

    const level = model.level + levelOffset;
    const parts: Baseline[] = [trendBaseline(model.kind === 'battery' ? 0 : level, model.trend, timing.start)];
    if (model.kind === 'battery') {
      const soc0 = Math.max(0, socOf(model.level) - socDrop);
      const dischargeMs = model.dischargeMs * timeFactor;
      parts.push(dischargeBaseline(soc0, dischargeMs, timing.start));
      this.attributes.startSoc = round(soc0);
      this.attributes.dischargeDays = round(dischargeMs / 86_400_000);
    } else {
      this.attributes.level = round(level);
    }
    if (model.regimeShifts) parts.push(regimeShifts(model.regimeShifts, timing, rng.fork('shifts')));
    const baseline = sumBaselines(parts);
    if (model.kind === 'battery') this.attributes.startVoltage = round(baseline.value);
    this.segments = lineSegments(baseline, timing);
    this.cursor = times ? new BaselineCursor(baseline, timing.start) : null;

    this.seasonals = model.seasonalities.map((s, idx) => ({
      coeffs: Float64Array.from({ length: s.harmonics }, (_, k) => (s.amplitude * amplitudeFactor) / (k + 1)),
      periodMs: s.periodMs,
      turns: s.phase + phaseShifts[idx]! + 0.25,
    }));
    if (model.seasonalities.length) this.attributes.amplitudeFactor = round(amplitudeFactor);

    this.switchRate = Math.min(1, (2 * timing.intervalMs) / (model.switchMs * timeFactor));
    if (model.kind === 'binary') this.attributes.meanSwitchMinutes = round((model.switchMs * timeFactor) / 60_000);
    else this.attributes.noiseStd = round(model.noise.std * noiseFactor);
    this.initialReading = model.kind === 'counter' ? Math.round(readingDraw * COUNTER_START_MAX * 100) / 100 : 0;
    if (model.kind === 'counter') this.attributes.initialReading = this.initialReading;
  }

  /** Whether render() reads an innovation stream (continuous noise). */
  get usesInnovations(): boolean {
    return this.model.kind !== 'binary' && this.sigma > 0;
  }

  /** Draw this sensor's independent unit innovations for the next n rows. */
  drawInnovations(buf: Float64Array, n: number): void {
    if (this.usesInnovations) this.stream.fillNormal(buf, n);
  }

  /** Write rows [from, from + n) of the column, driven by the (possibly mixed) innovations z[0..n). */
  render(out: Float64Array, from: number, n: number, z: Float64Array): void {
    if (this.model.kind === 'binary') {
      out.fill(0, from, from + n);
      if (this.times) this.addDeterministicAt(out, from, n, this.times);
      else {
        this.addBaseline(out, from, n);
        this.addSeasonals(out, from, n, 0);
      }
      this.runChain(out, from, n);
      return;
    }
    if (this.times) {
      this.writeNoise(out, from, n, z);
      this.addDeterministicAt(out, from, n, this.times);
    } else if (this.lowOrder) {
      this.renderFused(out, from, n, z);
      this.addSeasonals(out, from, n, 1);
    } else {
      this.writeNoise(out, from, n, z);
      if (this.heteroscedastic > 0 && this.seasonals.length) {
        const [c0, s0, cw, sw] = this.rotation(this.seasonals[0]!, from);
        scaleByCycle(out, from, n, this.heteroscedastic, c0, s0, cw, sw);
      }
      this.addBaseline(out, from, n);
      this.addSeasonals(out, from, n, 0);
    }
    if (this.walk) {
      this.walk.fillNormal(this.scratch!, n);
      addRandomWalk(out, from, n, this.scratch!, this.walkStd, this.walkState);
    }
  }

  /** Noise, baseline and the first seasonality in one pass per baseline segment (ARMA(1,1) at most). */
  private renderFused(out: Float64Array, from: number, n: number, z: Float64Array): void {
    const first = this.seasonals[0];
    const coeffs = first ? first.coeffs : NO_HARMONICS;
    const h = first ? this.heteroscedastic : 0;
    const phi = this.phi[0] ?? 0;
    const theta = this.theta[0] ?? 0;
    this.forSegments(from, n, (lo, len, a, b) => {
      const [c0, s0, cw, sw] = first ? this.rotation(first, lo) : NO_ROTATION;
      fusedArma11(
        out,
        lo,
        len,
        z,
        lo - from,
        phi,
        theta,
        this.sigma,
        this.arma11State,
        a,
        b,
        coeffs,
        h,
        c0,
        s0,
        cw,
        sw,
      );
    });
  }

  /** ARMA noise alone (no deterministic part yet). */
  private writeNoise(out: Float64Array, from: number, n: number, z: Float64Array): void {
    if (this.sigma === 0) out.fill(0, from, from + n);
    else if (this.lowOrder) arma11(out, from, n, z, this.phi[0] ?? 0, this.theta[0] ?? 0, this.sigma, this.arma11State);
    else armaGeneral(out, from, n, z, this.phi, this.theta, this.sigma, this.yHist, this.eHist);
  }

  private addBaseline(out: Float64Array, from: number, n: number): void {
    this.forSegments(from, n, (lo, len, a, b) => addLine(out, lo, len, a, b));
  }

  /** Seasonalities from index `first` on, each resynchronised from its exact angle at every chunk. */
  private addSeasonals(out: Float64Array, from: number, n: number, first: number): void {
    for (let k = first; k < this.seasonals.length; k++) {
      const [c0, s0, cw, sw] = this.rotation(this.seasonals[k]!, from);
      addSeasonal(out, from, n, this.seasonals[k]!.coeffs, c0, s0, cw, sw);
    }
  }

  /** Calls fn for each piece of [from, from + n) on one baseline segment, with the line a + b·i from the piece's first row. */
  private forSegments(from: number, n: number, fn: (lo: number, len: number, a: number, b: number) => void): void {
    const segs = this.segments;
    const end = from + n;
    for (let k = 0; k < segs.length; k++) {
      const s = segs[k]!;
      const segEnd = k + 1 < segs.length ? segs[k + 1]!.fromRow : Number.POSITIVE_INFINITY;
      const lo = Math.max(from, s.fromRow);
      const hi = Math.min(end, segEnd);
      if (lo < hi) fn(lo, hi - lo, s.a + s.b * lo, s.b);
    }
  }

  /** Irregular sampling: heteroscedastic scaling, baseline and harmonics evaluated at the actual times. */
  private addDeterministicAt(out: Float64Array, from: number, n: number, times: Float64Array): void {
    const cursor = this.cursor!;
    const h = this.seasonals.length ? this.heteroscedastic : 0;
    for (let i = 0; i < n; i++) {
      const t = times[from + i]!;
      if (h > 0) out[from + i]! *= 1 + h * Math.cos(angleAt(this.seasonals[0]!, t));
      let v = cursor.at(t);
      for (const season of this.seasonals) v += cosineSeries(season.coeffs, Math.cos(angleAt(season, t)));
      out[from + i]! += v;
    }
  }

  /** Two-state Markov chain whose probability of being 1 follows the values already in out. */
  private runChain(out: Float64Array, from: number, n: number): void {
    const u = this.scratch!;
    this.stream.fillUniform(u, n);
    const r = this.switchRate;
    let s = this.state;
    for (let i = 0; i < n; i++) {
      const p = Math.min(1, Math.max(0, out[from + i]!));
      if (s < 0) s = u[i]! < p ? 1 : 0;
      else if (s === 0) s = u[i]! < r * p ? 1 : 0;
      else s = u[i]! < r * (1 - p) ? 0 : 1;
      out[from + i] = s;
    }
    this.state = s;
  }

  /** (cos x, sin x) of a seasonality's fundamental at grid row `row` and (cos Δx, sin Δx) per row, from angles computed without losing precision to large epoch times. */
  private rotation(season: Seasonal, row: number): readonly [number, number, number, number] {
    const p = season.periodMs;
    const cycle = (mod(this.timing.start, p) + mod(row * this.timing.intervalMs, p)) / p;
    const x = TWO_PI * frac(cycle - season.turns);
    const dx = (TWO_PI * mod(this.timing.intervalMs, p)) / p;
    return [Math.cos(x), Math.sin(x), Math.cos(dx), Math.sin(dx)];
  }

  /** Start the ARMA recursion in its stationary distribution. */
  private startStationary(model: SensorModel, rng: Rng): void {
    const f = model.noise.stateFactor;
    if (!f.length || this.sigma === 0) return;
    const g = f.map(() => rng.normal());
    const x = f.map((row) => this.sigma * row.reduce((s, v, j) => s + v * g[j]!, 0));
    const p = this.phi.length;
    if (p <= 1 && this.theta.length <= 1) {
      // state = [y_{-1}, e_{-1}]
      this.arma11State[0] = p === 1 ? x[0]! : 0;
      this.arma11State[1] = this.theta.length === 1 ? x[p]! : 0;
      return;
    }
    for (let k = 0; k < p; k++) this.yHist[k] = x[k]!;
    for (let k = 0; k < this.theta.length; k++) this.eHist[k] = x[p + k]!;
  }
}

/** Regime shifts: jumps of N(0, magnitude²) at uniform times inside the span. */
function regimeShifts(spec: { count: number; magnitude: number }, timing: Timing, rng: Rng): Baseline {
  const span = timing.rows * timing.intervalMs;
  const events = [];
  for (let i = 0; i < spec.count; i++) {
    events.push({
      t: timing.start + timing.intervalMs / 2 + rng.next() * (span - timing.intervalMs),
      jump: spec.magnitude * rng.normal(),
      dslope: 0,
    });
  }
  return { value: 0, slope: 0, events: events.sort((a, b) => a.t - b.t) };
}

/** State of charge (0..1) at an open-circuit voltage, on the preset's discharge curve. */
function socOf(volts: number): number {
  const c = LI_ION_CURVE;
  if (volts <= c[0]![1]) return 0;
  for (let k = 1; k < c.length; k++) {
    if (volts <= c[k]![1])
      return c[k - 1]![0] + ((volts - c[k - 1]![1]) / (c[k]![1] - c[k - 1]![1])) * (c[k]![0] - c[k - 1]![0]);
  }
  return 1;
}

function angleAt(season: Seasonal, t: number): number {
  return TWO_PI * frac(mod(t, season.periodMs) / season.periodMs - season.turns);
}

/** Σ_k coeffs[k-1]·cos(k·x) from c = cos x (Clenshaw's recurrence). */
function cosineSeries(coeffs: Float64Array, c: number): number {
  let b1 = 0;
  let b2 = 0;
  for (let k = coeffs.length - 1; k >= 0; k--) {
    const t = coeffs[k]! + 2 * c * b1 - b2;
    b2 = b1;
    b1 = t;
  }
  return c * b1 - b2;
}

function mod(x: number, m: number): number {
  const r = x % m;
  return r < 0 ? r + m : r;
}

function frac(x: number): number {
  return x - Math.floor(x);
}

function round(x: number): number {
  return Number(x.toPrecision(6));
}
