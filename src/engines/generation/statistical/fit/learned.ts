/**
 * The statistical generator as a learned generator (`fit_model` with
 * generator "statistical"): each column is decomposed by MSTL into trend,
 * seasonal components and remainder, and each part gets a small model that
 * can be sampled:
 *
 * - trend: a least-squares line through the MSTL trend plus its deviation from
 *   that line as a mean-reverting AR(1). Chosen over a pure line (which would
 *   continue with no wander) and over a random walk (whose spread grows
 *   without bound over long samples): a path continuing after the data starts
 *   at the last trend level and relaxes towards the fitted line at the
 *   learned rate, so the level wanders with the learned size and time scale
 *   while the long-run slope is the data's;
 * - each seasonal component: its mean profile over the period (phase 0 = the
 *   first training row), optionally re-scaled per cycle with the learned
 *   amplitude variation;
 * - remainder: AR(p) chosen by AIC (Yule–Walker), with the marginal kept by a
 *   Gaussian copula over the empirical quantiles (or Gaussian / Student-t
 *   innovations); see residual.ts.
 *
 * Across columns, the AR innovations are correlated through the Cholesky
 * factor of their empirical correlation, as the arima learner does.
 *
 * Training sequences: the decomposition runs on the concatenated series
 * (`data.series`; STL needs one regular series, and a join only disturbs the
 * smooth trend locally), while the remainder's AR fit pools autocovariances
 * within each sequence and never across a join.
 */
import { z } from 'zod';
import { TsiotError } from '../../../../core/errors.js';
import type { Rng } from '../../../../core/rng.js';
import type {
  ColumnForecast,
  FitContext,
  FitResult,
  LearnedGenerator,
  LoadedModel,
  SampledPath,
  SampleRequest,
  TrainingData,
} from '../../learner.js';
import { trainingSequences } from '../../learner.js';
import { correlationCholesky, correlationFromCholesky } from '../../arima/linalg.js';
import { normalQuantile } from '../../arima/simulate.js';
import { detectPeriods, mstl, type DetectedPeriod } from './mstl.js';
import {
  fitAr,
  normalCdf,
  normalScores,
  psiWeights,
  quantileAt,
  quantileTable,
  shape,
  tDegreesOfFreedom,
  unitT,
} from './residual.js';

const Int = (min: number, max: number) => z.number().int().min(min).max(max);

export const StatisticalFitOptionsSchema = z
  .object({
    periods: z
      .array(Int(2, 1_000_000))
      .min(1)
      .max(6)
      .optional()
      .describe(
        'Seasonal periods in steps (rows), e.g. [24, 168] for hourly data with daily and weekly cycles; each must fit at least twice in the data. Omit to detect them from autocorrelation peaks',
      ),
    maxPeriods: Int(0, 5)
      .default(3)
      .describe(
        'Most seasonal periods detected automatically per column when `periods` is omitted (0: no seasonality)',
      ),
    robust: z
      .boolean()
      .default(false)
      .describe('Robust STL (down-weights outliers with bisquare weights; slower, 15 outer passes)'),
    iterations: Int(1, 5).default(2).describe('MSTL rounds over all periods (the paper uses 2)'),
    arOrderMax: Int(0, 20)
      .default(5)
      .describe('Largest AR order (in steps) tried for the remainder; the order is chosen by AIC'),
    residual: z
      .enum(['empirical', 'gaussian', 't'])
      .default('empirical')
      .describe(
        'Remainder distribution: "empirical" keeps the observed skew and tails (Gaussian copula over the empirical quantiles), "gaussian" normal innovations, "t" Student-t innovations fitted to their kurtosis',
      ),
    amplitudeVariation: z
      .boolean()
      .default(false)
      .describe(
        'Re-scale each sampled seasonal cycle by a random factor with the learned cycle-to-cycle amplitude variation',
      ),
    historyRows: Int(100, 200_000)
      .default(20_000)
      .describe('Rows of training history kept in the model for context "random" (rows)'),
  })
  .strict();
export type StatisticalFitOptionsInput = z.input<typeof StatisticalFitOptionsSchema>;
export type StatisticalFitOptions = z.output<typeof StatisticalFitOptionsSchema>;

interface SeasonalState {
  period: number;
  /** Mean seasonal value per phase (phase 0 = first training row), centred. */
  profile: number[];
  /** Standard deviation of the per-cycle amplitude factor (mean 1). */
  amplitudeStd: number;
}

interface TrendState {
  /** Line a + b·i through the trend component, i = training row index. */
  intercept: number;
  slope: number;
  /** AR(1) of the deviation from the line. */
  phi: number;
  sigma: number;
  /** Stationary standard deviation of the deviation. */
  std: number;
}

interface ResidualState {
  kind: 'empirical' | 'gaussian' | 't';
  /** AR(p) of the model-space residual (normal scores for `empirical`). */
  phi: number[];
  mean: number;
  /** Innovation standard deviation. */
  sigma: number;
  /** Stationary standard deviation of the model-space residual. */
  std: number;
  /** Empirical quantiles (for `empirical`) at probabilities j / (length − 1). */
  quantiles?: number[];
  /** Degrees of freedom of the innovations (for `t`). */
  nu?: number;
}

interface ColumnState {
  name: string;
  seasonal: SeasonalState[];
  trend: TrendState;
  residual: ResidualState;
  /** The most recent `deviation` (trend minus line) and model-space residual values. */
  deviation: number[];
  history: number[];
}

export interface StatisticalState {
  version: 1;
  /** Training rows. */
  rows: number;
  /** Row index of the first value kept in the column histories. */
  historyFrom: number;
  columns: ColumnState[];
  /** Row-major lower Cholesky factor of the innovation correlation across columns. */
  innovationCholesky: number[];
  /** Re-scale each sampled seasonal cycle by its learned amplitude variation. */
  amplitudeVariation?: boolean;
}

const invalid = (field: string, message: string, example: unknown, extra: Record<string, unknown> = {}) =>
  new TsiotError('invalid_input', `${field}: ${message} (example: ${JSON.stringify(example)})`, {
    details: { field, example, ...extra },
  });

function checkPeriods(periods: number[] | undefined, rows: number): void {
  if (!periods) return;
  const seen = new Set<number>();
  for (const p of periods) {
    if (!Number.isInteger(p) || p < 2)
      throw invalid('options.periods', `each period must be a whole number of steps ≥ 2, got ${p}`, [24, 168]);
    if (seen.has(p))
      throw invalid('options.periods', `period ${p} is listed twice; give each period once`, [...new Set(periods)]);
    seen.add(p);
    if (2 * p > rows) {
      throw invalid(
        'options.periods',
        `period ${p} is longer than half the data (${rows} rows); a seasonal profile needs at least two full cycles (${2 * p} rows)`,
        periods.filter((q) => 2 * q <= rows).length
          ? periods.filter((q) => 2 * q <= rows)
          : [Math.max(2, Math.floor(rows / 4))],
        { period: p, rows },
      );
    }
  }
}

const variance = (x: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i]!;
  m /= x.length;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - m) ** 2;
  return s / Math.max(1, x.length - 1);
};

/** Hyndman's strength max(0, 1 − Var(R) / Var(C + R)). */
function strength(component: Float64Array, remainder: Float64Array): number {
  const sum = Float64Array.from(component, (c, i) => c + remainder[i]!);
  const v = variance(sum);
  return v > 0 ? Math.max(0, 1 - variance(remainder) / v) : 0;
}

function seasonalState(s: Float64Array, period: number): SeasonalState {
  const sum = new Float64Array(period);
  const count = new Float64Array(period);
  for (let i = 0; i < s.length; i++) {
    sum[i % period]! += s[i]!;
    count[i % period]!++;
  }
  const profile = Array.from(sum, (v, j) => v / count[j]!);
  const mean = profile.reduce((a, b) => a + b, 0) / period;
  for (let j = 0; j < period; j++) profile[j]! -= mean;
  // per full cycle: the least-squares factor a_c with S_c ≈ a_c · profile
  let pp = 0;
  for (const v of profile) pp += v * v;
  const factors: number[] = [];
  for (let c = 0; (c + 1) * period <= s.length && pp > 0; c++) {
    let sp = 0;
    for (let j = 0; j < period; j++) sp += (s[c * period + j]! - mean) * profile[j]!;
    factors.push(sp / pp);
  }
  const amplitudeStd = factors.length > 1 ? Math.sqrt(variance(factors)) : 0;
  return { period, profile, amplitudeStd };
}

function trendState(trend: Float64Array): TrendState {
  const n = trend.length;
  const mt = (n - 1) / 2;
  let my = 0;
  for (const v of trend) my += v;
  my /= n;
  let sty = 0;
  let stt = 0;
  for (let i = 0; i < n; i++) {
    sty += (i - mt) * (trend[i]! - my);
    stt += (i - mt) ** 2;
  }
  const slope = stt > 0 ? sty / stt : 0;
  const intercept = my - slope * mt;
  const dev = Float64Array.from(trend, (v, i) => v - intercept - slope * i);
  let c0 = 0;
  let c1 = 0;
  for (let i = 0; i < n; i++) c0 += dev[i]! ** 2;
  for (let i = 1; i < n; i++) c1 += dev[i]! * dev[i - 1]!;
  c0 /= n;
  c1 /= n;
  const phi = c0 > 0 ? Math.min(0.9999, Math.max(0, c1 / c0)) : 0;
  const std = Math.sqrt(c0);
  return { intercept, slope, phi, sigma: std * Math.sqrt(1 - phi * phi), std };
}

/** Split a series of the concatenated rows back into its sequences. */
function splitByLengths(x: Float64Array, lengths: number[]): Float64Array[] {
  const out: Float64Array[] = [];
  let from = 0;
  for (const len of lengths) {
    out.push(x.subarray(from, from + len));
    from += len;
  }
  return out;
}

/** AR innovations per row; NaN where the recursion would reach across a join or before the start. */
function innovations(x: Float64Array, lengths: number[], phi: readonly number[], mean: number): Float64Array {
  const e = new Float64Array(x.length).fill(NaN);
  const p = phi.length;
  let from = 0;
  for (const len of lengths) {
    for (let t = from + p; t < from + len; t++) {
      let v = x[t]! - mean;
      for (let j = 1; j <= p; j++) v -= phi[j - 1]! * (x[t - j]! - mean);
      e[t] = v;
    }
    from += len;
  }
  return e;
}

function innovationCorrelation(es: Float64Array[]): Float64Array {
  const k = es.length;
  const rows = es[0]!.length;
  const cov = new Float64Array(k * k);
  const mean = new Float64Array(k);
  let count = 0;
  const ok = (t: number) => es.every((e) => Number.isFinite(e[t]!));
  for (let t = 0; t < rows; t++) {
    if (!ok(t)) continue;
    count++;
    for (let a = 0; a < k; a++) mean[a]! += es[a]![t]!;
  }
  for (let a = 0; a < k; a++) mean[a]! /= Math.max(1, count);
  for (let t = 0; t < rows; t++) {
    if (!ok(t)) continue;
    for (let a = 0; a < k; a++)
      for (let b = 0; b <= a; b++) cov[a * k + b]! += (es[a]![t]! - mean[a]!) * (es[b]![t]! - mean[b]!);
  }
  return correlationCholesky(cov, k);
}

interface ColumnFit {
  state: ColumnState;
  innovations: Float64Array;
  details: Record<string, unknown>;
}

function fitColumn(
  name: string,
  values: Float64Array,
  lengths: number[],
  options: StatisticalFitOptions,
  keepFrom: number,
): ColumnFit {
  const n = values.length;
  let detected: DetectedPeriod[] | undefined;
  let periods: number[];
  if (options.periods) periods = [...options.periods].sort((a, b) => a - b);
  else {
    detected = detectPeriods(values, { maxPeriods: options.maxPeriods });
    periods = detected.map((d) => d.period).sort((a, b) => a - b);
  }
  const dec = mstl(values, { periods, iterations: options.iterations, robust: options.robust });
  const seasonal = dec.periods.map((p, k) => seasonalState(dec.seasonal[k]!, p));
  // The seasonal profiles are centred; their means stay with the trend.
  const trendPlus = Float64Array.from(dec.trend);
  for (const s of dec.seasonal) {
    let m = 0;
    for (const v of s) m += v;
    m /= n;
    for (let i = 0; i < n; i++) trendPlus[i]! += m;
  }
  const trend = trendState(trendPlus);

  // The remainder to model is everything the fixed profiles and the trend leave: MSTL's remainder plus each
  // seasonal component's drift from its mean profile (STL lets the seasonal shape evolve slowly and so takes
  // some of the noise; dropping that part would make sampled paths too smooth).
  const r = Float64Array.from(values, (v, i) => {
    let x = v - trendPlus[i]!;
    for (const s of seasonal) x -= s.profile[i % s.period]!;
    return x;
  });
  const kind = options.residual;
  const x = kind === 'empirical' ? normalScores(r) : Float64Array.from(r);
  const ar = fitAr(splitByLengths(x, lengths), options.arOrderMax);
  const e = innovations(x, lengths, ar.phi, ar.mean);
  const eFinite = e.filter((v) => Number.isFinite(v));
  const rShape = shape(r);
  const eShape = shape(eFinite.length > 3 ? eFinite : r);
  const residual: ResidualState = {
    kind,
    phi: ar.phi,
    mean: ar.mean,
    sigma: Math.sqrt(ar.sigma2),
    std: Math.sqrt(variance(x) * ((x.length - 1) / x.length)),
    ...(kind === 'empirical' ? { quantiles: quantileTable(r, 1001) } : {}),
    ...(kind === 't' ? { nu: tDegreesOfFreedom(eShape.excessKurtosis) } : {}),
  };
  const deviation = Array.from(
    trendPlus.subarray(keepFrom),
    (v, i) => v - trend.intercept - trend.slope * (keepFrom + i),
  );
  const state: ColumnState = { name, seasonal, trend, residual, deviation, history: Array.from(x.subarray(keepFrom)) };
  const q = quantileTable(r, 101);
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  const details = {
    column: name,
    periods: dec.periods,
    periodSource: options.periods ? 'options.periods' : 'detected',
    ...(detected
      ? {
          detectedPeriods: detected.map((d) => ({
            period: d.period,
            acf: round(d.acf),
            prominence: round(d.prominence),
            reason: d.reason,
          })),
        }
      : {}),
    seasonalStrength: dec.periods.map((p, k) => ({
      period: p,
      strength: round(strength(dec.seasonal[k]!, dec.remainder)),
      amplitude: round(Math.max(...seasonal[k]!.profile) - Math.min(...seasonal[k]!.profile)),
      amplitudeStd: round(seasonal[k]!.amplitudeStd),
    })),
    trendStrength: round(strength(dec.trend, dec.remainder)),
    trendSlopePerStep: trend.slope,
    trendWander: { phi: round(trend.phi), std: trend.std },
    ar: {
      order: ar.phi.length,
      phi: ar.phi.map(round),
      innovationStd: residual.sigma,
      on: kind === 'empirical' ? 'normal scores of the remainder' : 'remainder',
      aic: ar.aic.map(round),
    },
    residual: {
      distribution: kind,
      mean: rShape.mean,
      std: rShape.std,
      skewness: round(rShape.skewness),
      excessKurtosis: round(rShape.excessKurtosis),
      quantiles: { p01: q[1], p05: q[5], p50: q[50], p95: q[95], p99: q[99] },
      ...(residual.nu !== undefined ? { tDegreesOfFreedom: round(residual.nu) } : {}),
    },
  };
  return { state, innovations: e, details };
}

/** One column's sampler state along a path. */
class ColumnStepper {
  private readonly lags: Float64Array;
  private deviation: number;
  constructor(
    private readonly c: ColumnState,
    /** Model-space residuals before the path start (most recent last). */
    past: ArrayLike<number>,
    deviation: number,
  ) {
    const p = c.residual.phi.length;
    this.lags = new Float64Array(p);
    for (let j = 0; j < p; j++) this.lags[j] = j < past.length ? past[past.length - 1 - j]! - c.residual.mean : 0;
    this.deviation = deviation;
  }

  /** Advance the residual AR with a standard-normal (correlated) draw u; returns the residual in data units. */
  residual(u: number, rng: Rng): number {
    const r = this.c.residual;
    const e = r.kind === 't' ? r.sigma * unitT(rng, r.nu!, u) : r.sigma * u;
    let v = e;
    const p = this.lags.length;
    for (let j = 0; j < p; j++) v += r.phi[j]! * this.lags[j]!;
    for (let j = p - 1; j > 0; j--) this.lags[j] = this.lags[j - 1]!;
    if (p > 0) this.lags[0] = v;
    if (r.kind !== 'empirical') return r.mean + v;
    return quantileAt(r.quantiles!, normalCdf(r.std > 0 ? v / r.std : 0));
  }

  trendDeviation(rng: Rng): number {
    const t = this.c.trend;
    this.deviation = t.phi * this.deviation + t.sigma * rng.normal();
    return this.deviation;
  }
}

class LoadedStatistical implements LoadedModel {
  readonly bytes: number;
  constructor(private readonly state: StatisticalState) {
    this.bytes =
      state.columns.reduce(
        (s, c) =>
          s +
          16 * c.history.length +
          8 * (c.residual.quantiles?.length ?? 0) +
          8 * c.seasonal.reduce((a, x) => a + x.period, 0),
        0,
      ) +
      8 * state.innovationCholesky.length +
      1024;
  }

  async sample(req: SampleRequest, rng: Rng, signal?: AbortSignal): Promise<SampledPath[]> {
    const { columns, innovationCholesky: L, rows, historyFrom } = this.state;
    const k = columns.length;
    const kept = columns[0]!.history.length;
    const warm = Math.max(0, ...columns.map((c) => c.residual.phi.length));
    const z = new Float64Array(k);
    const u = new Float64Array(k);
    const paths: SampledPath[] = [];
    const correlated = () => {
      for (let a = 0; a < k; a++) z[a] = rng.normal();
      for (let a = 0; a < k; a++) {
        let s = 0;
        for (let b = 0; b <= a; b++) s += L[a * k + b]! * z[b]!;
        u[a] = s;
      }
    };
    for (let p = 0; p < req.count; p++) {
      signal?.throwIfAborted();
      // pos: index into the kept history where the path starts; row0: its training-row index (seasonal phase, trend line)
      let row0: number;
      let steppers: ColumnStepper[];
      if (req.context === 'none') {
        row0 = 0;
        steppers = columns.map((c) => new ColumnStepper(c, [], c.trend.std * rng.normal()));
        // burn-in so the remainder starts from its stationary behaviour
        const burn = 200 + 10 * warm;
        for (let t = 0; t < burn; t++) {
          correlated();
          for (let a = 0; a < k; a++) steppers[a]!.residual(u[a]!, rng);
        }
      } else {
        const first = Math.min(warm + 1, kept);
        const pos = req.context === 'end' ? kept : first + Math.floor(rng.nextDouble() * (kept - first + 1));
        row0 = historyFrom + pos;
        steppers = columns.map(
          (c) =>
            new ColumnStepper(c, c.history.slice(Math.max(0, pos - warm), pos), c.deviation[Math.max(0, pos - 1)]!),
        );
      }
      // 'none' puts the trend line at its level in the middle of the data, with phase 0.
      const lineOffset = req.context === 'none' ? (rows - 1) / 2 : row0;
      const out = columns.map(() => new Float64Array(req.length));
      const amplitude = columns.map((c) => c.seasonal.map(() => 1));
      for (let t = 0; t < req.length; t++) {
        const row = row0 + t;
        correlated();
        for (let a = 0; a < k; a++) {
          const c = columns[a]!;
          const st = steppers[a]!;
          let v = c.trend.intercept + c.trend.slope * (lineOffset + t) + st.trendDeviation(rng);
          for (const [i, s] of c.seasonal.entries()) {
            const phase = row % s.period;
            if (this.amplitudeVariation && s.amplitudeStd > 0 && (phase === 0 || t === 0))
              amplitude[a]![i] = Math.max(0, 1 + s.amplitudeStd * rng.normal());
            v += amplitude[a]![i]! * s.profile[phase]!;
          }
          out[a]![t] = v + st.residual(u[a]!, rng);
        }
      }
      paths.push(out);
    }
    return paths;
  }

  private get amplitudeVariation(): boolean {
    return this.state.amplitudeVariation === true;
  }

  forecast(horizon: number, level: number): ColumnForecast[] {
    const { rows } = this.state;
    const zq = normalQuantile(0.5 + level / 2);
    return this.state.columns.map((c) => {
      const mean: number[] = [];
      const lower: number[] = [];
      const upper: number[] = [];
      const r = c.residual;
      const p = r.phi.length;
      const lags = Array.from({ length: p }, (_, j) =>
        c.history.length - 1 - j >= 0 ? c.history[c.history.length - 1 - j]! - r.mean : 0,
      );
      const psi = psiWeights(r.phi, horizon);
      let psiSum = 0;
      let dev = c.deviation[c.deviation.length - 1]!;
      let devVar = 0;
      for (let h = 0; h < horizon; h++) {
        const row = rows + h;
        // remainder: AR point forecast and its variance in model space
        let xm = 0;
        for (let j = 0; j < p; j++) xm += r.phi[j]! * lags[j]!;
        lags.unshift(xm);
        lags.length = p;
        psiSum += psi[h]! ** 2;
        const xs = r.sigma * Math.sqrt(psiSum);
        dev *= c.trend.phi;
        devVar = c.trend.phi ** 2 * devVar + c.trend.sigma ** 2;
        let base = c.trend.intercept + c.trend.slope * row + dev;
        for (const s of c.seasonal) base += s.profile[row % s.period]!;
        let mid: number;
        let lo: number;
        let hi: number;
        if (r.kind === 'empirical') {
          // Through the monotone copula map, quantiles map to quantiles: the point forecast is the median.
          const at = (x: number) => quantileAt(r.quantiles!, normalCdf(r.std > 0 ? x / r.std : 0));
          mid = at(xm);
          lo = at(xm - zq * xs);
          hi = at(xm + zq * xs);
        } else {
          mid = r.mean + xm;
          lo = mid - zq * xs;
          hi = mid + zq * xs;
        }
        // the trend wander is independent of the remainder: add the half-widths in quadrature
        const tw = zq * Math.sqrt(devVar);
        mean.push(base + mid);
        lower.push(base + mid - Math.hypot(mid - lo, tw));
        upper.push(base + mid + Math.hypot(hi - mid, tw));
      }
      return { column: c.name, mean, lower, upper };
    });
  }

  dispose(): void {}
}

/** The `statistical` learned generator. */
export const statisticalLearner: LearnedGenerator<StatisticalFitOptions, StatisticalState> = {
  name: 'statistical',
  fitOptionsSchema: StatisticalFitOptionsSchema,
  minimumRows(options) {
    return Math.max(16, options.arOrderMax + 10, options.periods ? 2 * Math.max(...options.periods) : 0);
  },
  async fit(data: TrainingData, options: StatisticalFitOptions, ctx: FitContext): Promise<FitResult<StatisticalState>> {
    const cols = data.series.columns;
    const rows = data.series.timestamps.length;
    checkPeriods(options.periods, rows);
    const lengths = trainingSequences(data).map((s) => s.timestamps.length);
    if (lengths.reduce((a, b) => a + b, 0) !== rows)
      throw new Error('statistical fit: training sequences do not add up to the series');
    const keep = Math.min(rows, options.historyRows);
    const fits: ColumnFit[] = [];
    for (const [i, c] of cols.entries()) {
      ctx.signal?.throwIfAborted();
      ctx.onProgress?.({ done: i, total: cols.length, message: `decomposing column "${c.name}"` });
      fits.push(fitColumn(c.name, c.values, lengths, options, rows - keep));
      await new Promise((r) => setImmediate(r));
    }
    ctx.onProgress?.({ done: cols.length, total: cols.length, message: 'fitted' });
    const chol = innovationCorrelation(fits.map((f) => f.innovations));
    const state: StatisticalState = {
      version: 1,
      rows,
      historyFrom: rows - keep,
      columns: fits.map((f) => f.state),
      innovationCholesky: Array.from(chol),
      ...(options.amplitudeVariation ? { amplitudeVariation: true } : {}),
    };
    const periodsUsed = Object.fromEntries(fits.map((f) => [f.state.name, f.state.seasonal.map((s) => s.period)]));
    return {
      state,
      hyperParameters: { ...options, periodsUsed },
      details: {
        method:
          'MSTL (iterated STL with LOESS, Cleveland et al. 1990; Bandara et al. 2021) into trend + seasonal components + remainder; trend: line + AR(1) wander; seasonal: mean profile per period; remainder: AR(p) by AIC (Yule–Walker) with ' +
          (options.residual === 'empirical'
            ? 'a Gaussian copula over the empirical quantiles'
            : options.residual === 't'
              ? 'Student-t innovations'
              : 'Gaussian innovations'),
        ...(data.sequences && data.sequences.length > 1
          ? {
              sequences: `${data.sequences.length} sequences: decomposed as one concatenated series; the remainder's AR was fitted within sequences only`,
            }
          : {}),
        columns: fits.map((f) => f.details),
        innovationCorrelation: fits.length > 1 ? correlationFromCholesky(chol, fits.length) : undefined,
      },
    };
  },
  async load(state: StatisticalState): Promise<LoadedModel> {
    if (state?.version !== 1 || !Array.isArray(state.columns) || state.columns.length === 0) {
      throw new TsiotError(
        'invalid_input',
        'state: not a statistical model state (expected version 1 with at least one column)',
        { details: { field: 'state' } },
      );
    }
    return new LoadedStatistical(state);
  },
};
