/**
 * `statistical-dp`: a differentially private variant of the `statistical`
 * learner. It fits the same kind of model — a trend line, a mean profile per
 * seasonal period, an AR(p) remainder with correlated innovations across
 * columns — from noisy sufficient statistics only, and samples through the
 * statistical learner's own loader.
 *
 * Privacy unit and neighbouring: series that differ in the values of one
 * unit (one row, one window of `windowRows` consecutive rows, or all rows of
 * one device, at most `maxRowsPerDevice` of them); the row count, the
 * timestamps and the declared options are public. A unit touches at most
 * `u` rows (1, windowRows or maxRowsPerDevice), and every sensitivity below
 * is u times the bound for one row (triangle inequality over its rows).
 *
 * Every column is clipped to its declared bounds and mapped to y ∈ [−1, 1].
 * Three releases, each a discrete Gaussian on one vector, compose by zCDP:
 *
 * 1. level (35 % of ρ) — per column Σ y, Σ t·y with t = (i − mid)/n ∈ [−½, ½]
 *    and, per declared period P and phase j, Σ_{i ≡ j mod P} y. One row moves
 *    them by at most 2, 1 and 2 per period: L2 sensitivity √(k(5 + 4·periods)).
 *    The trend line (least squares in t) and the centred seasonal profiles
 *    are post-processing of these sums. Alongside (5 %): the count of clipped
 *    values per column (sensitivity √k), so even that is reported privately.
 * 2. scale (10 %) — per column Σ r² of the remainder r = y − fitted, with
 *    fitted taken from release 1 and kept in [−1, 1] (|r| ≤ 2, so one row
 *    moves it by at most 4): its noisy value sets the remainder's clipping
 *    bound c = 3σ̂ (a privately estimated clip, within [0.01, 2]).
 * 3. dynamics (50 %) — on q = clip(r / c, ±1): per column the lag sums
 *    Σ q_t q_{t−ℓ} for ℓ = 0 … arOrderMax within each sequence (one row moves
 *    lag 0 by 1 and lag ℓ by 4), and across columns Σ q_a q_b (moved by 2):
 *    L2 sensitivity √(k(1 + 16p) + 2k(k − 1)). Yule–Walker (the first
 *    reflection coefficient clamped to ±0.99, so noise cannot reduce the AR
 *    to white noise) with AIC order choice and the cross-column correlation of the innovations (approximated
 *    by that of the remainders) are post-processing.
 *
 * Periods are declared (detecting them from the data would cost budget), the
 * trend has no wander (its AR(1) would need the smoothed trend, whose
 * sensitivity MSTL does not bound), the remainder's innovations are Gaussian
 * (the empirical quantiles of the non-private learner would need their own
 * release), and the model keeps no training rows. The noise comes from
 * node:crypto, so a private fit is not reproducible by seed; sampling the
 * fitted model is.
 */
import { maxRowSpan } from '../../generation/row-influence.js';
import { z } from 'zod';
import { TsiotError } from '../../../core/errors.js';
import type { TimeSeries } from '../../../core/types.js';
import type {
  FitContext,
  FitResult,
  LearnedGenerator,
  LoadedModel,
  TrainingData,
  TrainingSummary,
} from '../../generation/learner.js';
import { trainingSequences } from '../../generation/learner.js';
import { correlationCholesky, correlationFromCholesky } from '../../generation/arima/linalg.js';
import { symmetricEigen } from '../../generation/mixture/eigen.js';
import { type StatisticalState, statisticalLearner } from '../../generation/statistical/fit/learned.js';
import type { ArFit } from '../../generation/statistical/fit/residual.js';
import { rhoFor, zcdpEpsilon } from '../calibration.js';
import { gaussianMechanism } from '../mechanisms.js';
import { SecureRandom } from '../random.js';
import { describeUnit, type PrivacyUnit } from '../units.js';
import { type FitPrivacy, FitPrivacySchema, type PrivateFitGuarantee } from './private-mixture.js';

const Int = (min: number, max: number) => z.number().int().min(min).max(max);

export const PrivateStatisticalOptionsSchema = z
  .object({
    periods: z
      .array(Int(2, 1_000_000))
      .max(6)
      .default([])
      .describe(
        'Seasonal periods in steps (rows), e.g. [24, 168]; declared, not detected (detection from the data would cost budget); [] for none. Each must fit at least twice in the data',
      ),
    arOrderMax: Int(0, 10)
      .default(3)
      .describe('Largest AR order of the remainder; the order is chosen by AIC on the noisy autocovariances'),
    privacy: FitPrivacySchema.describe(
      'Set by fit_model / synthesize_like from their privacy argument, and charged there',
    ),
  })
  .strict();
export type PrivateStatisticalOptions = z.output<typeof PrivateStatisticalOptionsSchema>;

/** Shares of ρ per release. */
export const STATISTICAL_SHARES = { level: 0.35, clipped: 0.05, scale: 0.1, dynamics: 0.5 } as const;
/** The remainder's clip is this many noisy standard deviations, within [MIN_CLIP, 2]. */
const CLIP_SDS = 3;
const MIN_CLIP = 0.01;

/** The L2 sensitivities of the three releases for one row (multiply by the rows per unit). */
export function rowSensitivities(columns: number, periods: number, arOrderMax: number) {
  const k = columns;
  return {
    level: Math.sqrt(k * (4 + 1 + 4 * periods)),
    clipped: Math.sqrt(k),
    scale: 4 * Math.sqrt(k),
    dynamics: Math.sqrt(k * (1 + 16 * arOrderMax) + 2 * k * (k - 1)),
  };
}

/** Rows one privacy unit touches: a refusal naming the field when the unit lacks its bound. */
export function rowsPerUnit(unit: PrivacyUnit, sequences: boolean): number {
  if (unit.kind === 'event') return 1;
  if (unit.kind === 'window') {
    if (!unit.windowRows)
      throw new TsiotError('invalid_input', 'privacy.unit.windowRows: unit "window" needs the rows in one window', {
        details: { field: 'privacy.unit.windowRows', example: { kind: 'window', windowRows: 24 } },
      });
    return unit.windowRows;
  }
  if (!sequences)
    throw new TsiotError('invalid_input', 'privacy.unit: unit "device" needs several series, one per device', {
      details: { field: 'privacy.unit', example: { kind: 'event' } },
    });
  if (!unit.maxRowsPerDevice)
    throw new TsiotError(
      'invalid_input',
      'privacy.unit.maxRowsPerDevice: unit "device" needs the most rows a device contributes',
      { details: { field: 'privacy.unit.maxRowsPerDevice', example: { kind: 'device', maxRowsPerDevice: 1000 } } },
    );
  return unit.maxRowsPerDevice;
}

function unitPhrase(unit: PrivacyUnit): string {
  return unit.kind === 'device'
    ? `device-level: all rows of one device (at most ${unit.maxRowsPerDevice ?? '?'} rows kept per device, the rest dropped before noise)`
    : describeUnit(unit);
}

/** The guarantee a private statistical fit will have, computed before anything runs (for the ledger). */
export function plannedStatisticalGuarantee(privacy: FitPrivacy): PrivateFitGuarantee {
  const rho = rhoFor(privacy.epsilon, privacy.delta);
  const s = STATISTICAL_SHARES;
  return {
    mechanism: 'discrete Gaussian (noisy sufficient statistics of the trend, seasonal profiles and AR fit)',
    epsilon: privacy.epsilon,
    delta: privacy.delta,
    rho,
    unit: unitPhrase(privacy.unit),
    randomness: 'noise from node:crypto; the fit is not reproducible by seed (sampling the fitted model is)',
    accounting: `ρ-zCDP with ρ = ${rho.toPrecision(4)}: ${s.level * 100} % level, slope and seasonal sums, ${s.clipped * 100} % clipped counts, ${s.scale * 100} % remainder scale, ${s.dynamics * 100} % autocovariances and cross-column products; (ε, δ) by the Canonne–Kamath–Steinke conversion`,
  };
}

type Bounds = { lower: number; upper: number };

function declaredBounds(cols: { name: string }[], privacy: FitPrivacy): Bounds[] {
  for (const name of Object.keys(privacy.bounds))
    if (!cols.some((c) => c.name === name))
      throw new TsiotError(
        'invalid_input',
        `privacy.bounds.${name}: no such column (columns: ${cols.map((c) => c.name).join(', ')})`,
        { details: { field: `privacy.bounds.${name}` } },
      );
  return cols.map((c) => {
    const b = privacy.bounds[c.name];
    if (!b)
      throw new TsiotError(
        'invalid_input',
        `privacy.bounds.${c.name}: every column needs declared bounds; none for "${c.name}"`,
        { details: { field: `privacy.bounds.${c.name}`, example: { lower: 0, upper: 100 } } },
      );
    if (!Number.isFinite(b.lower) || !Number.isFinite(b.upper) || !(b.lower < b.upper))
      throw new TsiotError(
        'invalid_input',
        `privacy.bounds.${c.name}: expected finite lower < upper, got ${b.lower}, ${b.upper}`,
        { details: { field: `privacy.bounds.${c.name}` } },
      );
    return b;
  });
}

/** The clipped, scaled training values: per column one array over the concatenated (bounded) sequences. */
export interface ScaledData {
  /** y ∈ [−1, 1] per column, concatenated over the sequences. */
  y: Float64Array[];
  /** Length of each sequence (lags never cross a join). */
  lengths: number[];
  /** Values clipped per column (exact; released only with noise). */
  clipped: number[];
}

export function scaleData(seqs: TimeSeries[], bounds: Bounds[], maxRows = Number.POSITIVE_INFINITY): ScaledData {
  const lengths = seqs.map((s) => Math.min(s.timestamps.length, maxRows));
  const n = lengths.reduce((a, b) => a + b, 0);
  const y = bounds.map(() => new Float64Array(n));
  const clipped = bounds.map(() => 0);
  let from = 0;
  seqs.forEach((s, q) => {
    bounds.forEach(({ lower, upper }, d) => {
      const mid = (lower + upper) / 2;
      const half = (upper - lower) / 2;
      const col = s.columns[d]!.values;
      for (let t = 0; t < lengths[q]!; t++) {
        const raw = col[t]!;
        const v = Math.min(upper, Math.max(lower, raw));
        if (v !== raw) clipped[d]!++;
        y[d]![from + t] = (v - mid) / half;
      }
    });
    from += lengths[q]!;
  });
  return { y, lengths, clipped };
}

const position = (i: number, n: number) => (i - (n - 1) / 2) / n;

/** Release 1's exact statistics: per column [Σ y, Σ t·y, then Σ y per phase of each period]. */
export function levelStatistics(y: Float64Array[], periods: number[]): Float64Array {
  const n = y[0]!.length;
  const per = 2 + periods.reduce((a, p) => a + p, 0);
  const out = new Float64Array(y.length * per);
  y.forEach((col, d) => {
    const o = d * per;
    for (let i = 0; i < n; i++) {
      const v = col[i]!;
      out[o]! += v;
      out[o + 1]! += position(i, n) * v;
      let at = o + 2;
      for (const p of periods) {
        out[at + (i % p)]! += v;
        at += p;
      }
    }
  });
  return out;
}

interface Level {
  a: number;
  b: number;
  profiles: Float64Array[];
}

/** Trend line and centred seasonal profiles from the (noisy) level sums: post-processing only. */
function levelFrom(stats: ArrayLike<number>, d: number, n: number, periods: number[]): Level {
  const per = 2 + periods.reduce((a, p) => a + p, 0);
  const o = d * per;
  let stt = 0;
  for (let i = 0; i < n; i++) stt += position(i, n) ** 2;
  const a = Math.min(1, Math.max(-1, stats[o]! / n));
  const b = stt > 0 ? stats[o + 1]! / stt : 0;
  const profiles: Float64Array[] = [];
  let at = o + 2;
  for (const p of periods) {
    // what the line and the earlier profiles already explain in each phase of this period
    const explained = new Float64Array(p);
    const count = new Float64Array(p);
    const earlier = periods.slice(0, profiles.length);
    for (let i = 0; i < n; i++) {
      let e = b * position(i, n);
      for (let k = 0; k < earlier.length; k++) e += profiles[k]![i % earlier[k]!]!;
      explained[i % p]! += e;
      count[i % p]!++;
    }
    const prof = Float64Array.from({ length: p }, (_, j) => (stats[at + j]! - explained[j]!) / count[j]! - a);
    const mean = prof.reduce((s, v) => s + v, 0) / p;
    for (let j = 0; j < p; j++) prof[j]! -= mean;
    profiles.push(prof);
    at += p;
  }
  return { a, b, profiles };
}

function fittedValues(level: Level, n: number, periods: number[]): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => {
    let v = level.a + level.b * position(i, n);
    periods.forEach((p, k) => {
      v += level.profiles[k]![i % p]!;
    });
    return v;
  });
}

/** Release 2's exact statistic: Σ r² per column, r = y − clamp(fitted, ±1) (|r| ≤ 2). */
export function scaleStatistics(y: Float64Array[], fitted: Float64Array[]): Float64Array {
  return Float64Array.from(y, (col, d) => {
    let s = 0;
    for (let i = 0; i < col.length; i++) s += (col[i]! - Math.min(1, Math.max(-1, fitted[d]![i]!))) ** 2;
    return s;
  });
}

/** The clipped remainders q = clip(r / c, ±1). */
export function clippedRemainders(y: Float64Array[], fitted: Float64Array[], clip: number[]): Float64Array[] {
  return y.map((col, d) =>
    Float64Array.from(col, (v, i) =>
      Math.min(1, Math.max(-1, (v - Math.min(1, Math.max(-1, fitted[d]![i]!))) / clip[d]!)),
    ),
  );
}

/** Release 3's exact statistics: per column the lag sums 0 … p within sequences, then Σ q_a q_b for a < b. */
export function dynamicsStatistics(q: Float64Array[], lengths: number[], p: number): Float64Array {
  const k = q.length;
  const out = new Float64Array(k * (p + 1) + (k * (k - 1)) / 2);
  q.forEach((col, d) => {
    let from = 0;
    for (const len of lengths) {
      for (let lag = 0; lag <= p; lag++)
        for (let t = from + lag; t < from + len; t++) out[d * (p + 1) + lag]! += col[t]! * col[t - lag]!;
      from += len;
    }
  });
  let at = k * (p + 1);
  for (let a = 0; a < k; a++)
    for (let b = a + 1; b < k; b++) {
      let s = 0;
      for (let t = 0; t < q[a]!.length; t++) s += q[a]![t]! * q[b]![t]!;
      out[at++] = s;
    }
  return out;
}

/** Largest reflection coefficient kept: noise can push one past ±1, which would end the recursion. */
const MAX_REFLECTION = 0.99;

/**
 * Yule–Walker from noisy autocovariances: Levinson–Durbin with the first
 * reflection coefficient clamped to ±0.99 (post-processing that keeps the AR
 * stationary), so noise that puts γ₁ above γ₀ leaves an AR(1) rather than
 * white noise; later orders stop at ±0.99; the order by AIC.
 */
export function noisyYuleWalker(acov: readonly number[], count: number, maxOrder: number): ArFit {
  if (!(acov[0]! > 0)) return { phi: [], mean: 0, sigma2: 0, aic: [0] };
  const clamped = [acov[0]!];
  // the clamp is applied through the recursion: rebuild γ_p from the clamped reflection
  let phi: number[] = [];
  let sigma2 = acov[0]!;
  const fits: { phi: number[]; sigma2: number }[] = [{ phi: [], sigma2 }];
  const aic = [count * Math.log(sigma2)];
  for (let p = 1; p <= maxOrder; p++) {
    let num = acov[p]!;
    for (let j = 1; j < p; j++) num -= phi[j - 1]! * clamped[p - j]!;
    const raw = num / sigma2;
    // past order 1 a coefficient at the clamp ends the recursion, as in the exact one (clamping there would
    // shrink σ² by 1 − 0.99² and win the AIC on noise alone)
    if (p > 1 && !(Math.abs(raw) < MAX_REFLECTION)) break;
    const k = Math.min(MAX_REFLECTION, Math.max(-MAX_REFLECTION, raw));
    let gp = k * sigma2;
    for (let j = 1; j < p; j++) gp += phi[j - 1]! * clamped[p - j]!;
    clamped.push(gp);
    const next = new Array<number>(p);
    for (let j = 1; j < p; j++) next[j - 1] = phi[j - 1]! - k * phi[p - j - 1]!;
    next[p - 1] = k;
    phi = next;
    sigma2 *= 1 - k * k;
    fits.push({ phi, sigma2 });
    aic.push(count * Math.log(Math.max(sigma2, 1e-300)) + 2 * p);
  }
  let best = 0;
  for (let p = 1; p < aic.length; p++) if (aic[p]! < aic[best]!) best = p;
  return { phi: fits[best]!.phi, mean: 0, sigma2: fits[best]!.sigma2, aic };
}

/** A correlation matrix from noisy cross products: clamped, projected to positive definite, unit diagonal. */
function correlationFrom(cross: (a: number, b: number) => number, variance: number[]): Float64Array {
  const k = variance.length;
  const c = new Float64Array(k * k);
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) {
      if (a === b) c[a * k + b] = 1;
      else {
        const den = Math.sqrt(variance[a]! * variance[b]!);
        const r = den > 0 ? cross(Math.min(a, b), Math.max(a, b)) / den : 0;
        c[a * k + b] = Math.min(0.999, Math.max(-0.999, r));
      }
    }
  if (k === 1) return c;
  const e = symmetricEigen(c, k);
  const out = new Float64Array(k * k);
  for (let m = 0; m < k; m++) {
    const lam = Math.max(e.values[m]!, 1e-3);
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) out[i * k + j]! += lam * e.vectors[m * k + i]! * e.vectors[m * k + j]!;
  }
  const diag = Array.from({ length: k }, (_, i) => Math.sqrt(out[i * k + i]!));
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) out[i * k + j] = out[i * k + j]! / (diag[i]! * diag[j]!);
  return out;
}

/**
 * Fit `statistical-dp`. `rnd` is the noise source: node:crypto unless a test
 * passes a seeded one (then the whole fit, noise included, is repeatable).
 */
export async function fitPrivateStatistical(
  data: TrainingData,
  options: PrivateStatisticalOptions,
  ctx: FitContext,
  rnd: SecureRandom = new SecureRandom(),
): Promise<FitResult<StatisticalState> & { privacy: { guarantee: PrivateFitGuarantee; summary: TrainingSummary } }> {
  const cols = data.series.columns;
  const k = cols.length;
  const { privacy, periods: given, arOrderMax: p } = options;
  const periods = [...new Set(given)].sort((a, b) => a - b);
  const bounds = declaredBounds(cols, privacy);
  const declared = rowsPerUnit(privacy.unit, Boolean(data.sequences && data.sequences.length > 1));
  // a unit's rows also set the values interpolated from them (gaps filled, irregular sampling resampled)
  const u = privacy.unit.kind === 'device' ? declared : maxRowSpan(data.influence, declared);
  const scaled = scaleData(
    trainingSequences(data),
    bounds,
    privacy.unit.kind === 'device' ? u : Number.POSITIVE_INFINITY,
  );
  const n = scaled.y[0]!.length;
  for (const period of periods)
    if (2 * period > n)
      throw new TsiotError(
        'invalid_input',
        `options.periods: period ${period} needs at least two full cycles (${2 * period} rows); the data has ${n}`,
        { details: { field: 'options.periods', period, rows: n, example: [Math.max(2, Math.floor(n / 4))] } },
      );
  const guarantee = plannedStatisticalGuarantee(privacy);
  const rho = guarantee.rho;
  const sens = rowSensitivities(k, periods.length, p);
  const noisy = (values: ArrayLike<number>, sensitivity: number, share: number) =>
    gaussianMechanism(values, { sensitivity: u * sensitivity, rho: rho * share }, rnd).values;
  ctx.onProgress?.({ done: 0, total: 3, message: `private level and seasonal sums of ${n} rows × ${k} columns` });
  ctx.signal?.throwIfAborted();

  // 1. level, slope and seasonal sums; the clipped counts
  const level = noisy(levelStatistics(scaled.y, periods), sens.level, STATISTICAL_SHARES.level);
  const clippedNoisy = noisy(scaled.clipped, sens.clipped, STATISTICAL_SHARES.clipped);
  const levels = cols.map((_, d) => levelFrom(level, d, n, periods));
  const fitted = levels.map((l) => fittedValues(l, n, periods));
  await new Promise((r) => setImmediate(r));
  ctx.signal?.throwIfAborted();
  ctx.onProgress?.({ done: 1, total: 3, message: 'private remainder scale' });

  // 2. the remainder's scale, which sets its clipping bound
  const scale = noisy(scaleStatistics(scaled.y, fitted), sens.scale, STATISTICAL_SHARES.scale);
  const sdNoisy = Array.from(scale, (s) => Math.sqrt(Math.max(s, 0) / n));
  const clip = sdNoisy.map((s) => Math.min(2, Math.max(MIN_CLIP, CLIP_SDS * s)));
  ctx.onProgress?.({ done: 2, total: 3, message: 'private autocovariances' });

  // 3. autocovariances and cross-column products of the clipped remainders
  const q = clippedRemainders(scaled.y, fitted, clip);
  const dyn = noisy(dynamicsStatistics(q, scaled.lengths, p), sens.dynamics, STATISTICAL_SHARES.dynamics);
  const acov = cols.map((_, d) => Array.from({ length: p + 1 }, (_, lag) => dyn[d * (p + 1) + lag]! / n));
  const ars = acov.map((g) => noisyYuleWalker(g, n, p));
  const variances = acov.map((g) => Math.max(g[0]!, 0));
  const crossAt = (a: number, b: number) => {
    // index of (a, b), a < b, in the upper triangle after the lag sums
    let idx = k * (p + 1);
    for (let i = 0; i < a; i++) idx += k - i - 1;
    return dyn[idx + (b - a - 1)]! / n;
  };
  const corr = correlationFrom(crossAt, variances);
  const chol = correlationCholesky(corr, k);

  const halves = bounds.map((b) => (b.upper - b.lower) / 2);
  const mids = bounds.map((b) => (b.lower + b.upper) / 2);
  const state: StatisticalState = {
    version: 1,
    rows: n,
    historyFrom: n,
    columns: cols.map((c, d) => {
      const { a, b, profiles } = levels[d]!;
      const half = halves[d]!;
      const factor = half * clip[d]!;
      const ar = ars[d]!;
      return {
        name: c.name,
        seasonal: periods.map((period, j) => ({
          period,
          profile: Array.from(profiles[j]!, (v) => v * half),
          amplitudeStd: 0,
        })),
        trend: {
          intercept: mids[d]! + half * (a - (b * ((n - 1) / 2)) / n),
          slope: (half * b) / n,
          phi: 0,
          sigma: 0,
          std: 0,
        },
        residual: {
          kind: 'gaussian' as const,
          phi: ar.phi,
          mean: 0,
          sigma: Math.sqrt(Math.max(ar.sigma2, 0)) * factor,
          std: Math.sqrt(variances[d]!) * factor,
        },
        deviation: [0],
        history: [],
      };
    }),
    innovationCholesky: Array.from(chol),
  };
  // the training summary shows post-processed DP estimates and the declared bounds
  const summary: TrainingSummary = {
    ...data.summary,
    points: n,
    columns: data.summary.columns.map((c, d) => {
      const f = fitted[d]!;
      const a = levels[d]!.a;
      let v = 0;
      for (let i = 0; i < n; i++) v += (f[i]! - a) ** 2;
      const variance = v / n + variances[d]! * clip[d]! ** 2;
      return {
        name: c.name,
        ...(c.unit ? { unit: c.unit } : {}),
        mean: mids[d]! + halves[d]! * a,
        std: Math.sqrt(variance) * halves[d]!,
        min: bounds[d]!.lower,
        max: bounds[d]!.upper,
      };
    }),
    notes: [
      ...data.summary.notes,
      'column means and standard deviations are differentially private estimates; min and max are the declared bounds; the row count and time range are treated as public',
    ],
  };
  ctx.onProgress?.({ done: 3, total: 3, message: 'fitted' });
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return {
    state,
    hyperParameters: { ...options, periods },
    details: {
      method:
        'differentially private statistical model: columns clipped to declared bounds and scaled to [−1, 1]; trend line and seasonal mean profiles from noisy level, slope and per-phase sums; remainder clipped at a privately estimated scale; AR(p) by Yule–Walker and AIC on noisy autocovariances; innovation correlation from the noisy cross products of the remainders (discrete Gaussian noise)',
      privacy: { ...guarantee, epsilonCheck: round(zcdpEpsilon(rho, privacy.delta)) },
      rowsPerUnit: u,
      ...(u > declared
        ? {
            rowsPerUnitNote: `${declared} row(s) of the unit and up to ${u - declared} value row(s) filled from them by interpolation: the sensitivities count all ${u}`,
          }
        : {}),
      sensitivities: Object.fromEntries(Object.entries(sens).map(([key, v]) => [key, round(u * v)])),
      trainingRows: n,
      ...(privacy.unit.kind === 'device' ? { rowsDroppedByContributionBound: data.series.timestamps.length - n } : {}),
      columns: cols.map((c, d) => ({
        column: c.name,
        valuesClippedNoisy: Math.max(0, Math.round(clippedNoisy[d]!)),
        periods,
        trendSlopePerStep: state.columns[d]!.trend.slope,
        remainderClip: round(clip[d]! * halves[d]!),
        ar: {
          order: ars[d]!.phi.length,
          phi: ars[d]!.phi.map(round),
          innovationStd: state.columns[d]!.residual.sigma,
          aic: ars[d]!.aic.map(round),
        },
      })),
      innovationCorrelation: k > 1 ? correlationFromCholesky(chol, k) : undefined,
    },
    privacy: { guarantee, summary },
  };
}

/** The `statistical-dp` learner (sampling is the statistical learner's own). */
export const privateStatisticalLearner: LearnedGenerator<PrivateStatisticalOptions, StatisticalState> = {
  name: 'statistical-dp',
  private: true,
  fitOptionsSchema: PrivateStatisticalOptionsSchema,
  minimumRows(options) {
    return Math.max(16, options.arOrderMax + 10, options.periods.length ? 2 * Math.max(...options.periods) : 0);
  },
  fit: (data, options, ctx) => fitPrivateStatistical(data, options, ctx),
  async load(state: StatisticalState): Promise<LoadedModel> {
    return statisticalLearner.load(state);
  },
};
