import type { TimeSeries } from '../../core/types.js';
import { resolveRules } from './rules.js';
import type { Rules } from './schema.js';
import { finiteValues, moments, quantileOfSorted, quantilesOfSorted, robustSpread } from './stats/basic.js';
import { decompose, fillMissing } from './stats/seasonality.js';
import { profileColumn } from './validators/temporal.js';

/**
 * Analytics of one series for a person or a model: summary statistics,
 * trend, seasonality, stationarity and detected anomalies per column, and
 * how regularly it was sampled.
 */

const QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];
const MAD_SCALE = 1.4826;
const DAY_MS = 86_400_000;

export interface AnomalyItem {
  kind: 'spike' | 'dip' | 'flat_line';
  /** Epoch ms of the point (spike/dip) or of the run's first point (flat line). */
  start: number;
  end: number;
  value: number;
  /** Robust z-score of the point's deviation from trend and season; run length for flat lines. */
  score: number;
}

export interface ColumnAnalysis {
  name: string;
  unit?: string;
  count: number;
  missing: number;
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  skewness: number | null;
  kurtosis: number | null;
  quantiles: Record<string, number>;
  trend: { strength: number | null; slopePerDay: number | null; direction: 'up' | 'down' | 'flat' | 'unknown' };
  seasonality: {
    strength: number | null;
    periods: { samples: number; ms: number | null; duration: string | null; strength: number; acf: number }[];
  };
  stationarity: {
    adf: {
      statistic: number;
      pValue: number;
      lags: number;
      criticalValues: Record<string, number>;
      stationary: boolean;
    } | null;
    kpss: {
      statistic: number;
      pValue: number;
      lags: number;
      criticalValues: Record<string, number>;
      stationary: boolean;
    } | null;
    verdict: string;
  };
  anomalies: { total: number; method: string; items: AnomalyItem[] };
  /** Why parts are missing (too few values, constant column). */
  notes: string[];
}

export interface SeriesAnalysis {
  id: string;
  name: string;
  rows: number;
  start: number | null;
  end: number | null;
  sampling: {
    medianIntervalMs: number | null;
    gaps: number;
    largestGapMs: number;
    duplicates: number;
    outOfOrder: number;
  };
  columns: ColumnAnalysis[];
}

export interface AnalyzeOptions {
  /** Most anomalies listed per column (all are counted). Default 20. */
  maxAnomalies?: number;
  /** Robust z-score above which a point is a spike or dip. Default 3.5. */
  robustZ?: number;
  rules?: Rules;
}

/** Analyse a series; columns that cannot be analysed get notes instead of numbers. */
export function analyzeSeries(s: TimeSeries, options: AnalyzeOptions = {}): SeriesAnalysis {
  const rules = options.rules ?? resolveRules();
  const sampling = samplingOf(s.timestamps, rules.temporal.gapFactor);
  const n = s.timestamps.length;
  return {
    id: s.id,
    name: s.name,
    rows: n,
    start: n ? s.timestamps[0]! : null,
    end: n ? s.timestamps[n - 1]! : null,
    sampling,
    columns: s.columns.map((c) =>
      analyzeColumn(s.timestamps, c.name, c.values, c.unit, sampling.medianIntervalMs, rules, options),
    ),
  };
}

function samplingOf(t: Float64Array, gapFactor: number): SeriesAnalysis['sampling'] {
  const d: number[] = [];
  let duplicates = 0;
  let outOfOrder = 0;
  for (let i = 1; i < t.length; i++) {
    const dt = t[i]! - t[i - 1]!;
    if (dt > 0) d.push(dt);
    else if (dt === 0) duplicates++;
    else outOfOrder++;
  }
  if (d.length === 0) return { medianIntervalMs: null, gaps: 0, largestGapMs: 0, duplicates, outOfOrder };
  const med = quantileOfSorted(Float64Array.from(d).sort(), 0.5);
  let gaps = 0;
  let largestGapMs = 0;
  for (const dt of d) {
    if (dt > gapFactor * med) {
      gaps++;
      largestGapMs = Math.max(largestGapMs, dt);
    }
  }
  return { medianIntervalMs: med, gaps, largestGapMs, duplicates, outOfOrder };
}

function analyzeColumn(
  t: Float64Array,
  name: string,
  values: Float64Array,
  unit: string | undefined,
  intervalMs: number | null,
  rules: Rules,
  options: AnalyzeOptions,
): ColumnAnalysis {
  const notes: string[] = [];
  const finite = finiteValues(values);
  const base: ColumnAnalysis = {
    name,
    ...(unit !== undefined ? { unit } : {}),
    count: finite.length,
    missing: values.length - finite.length,
    mean: null,
    std: null,
    min: null,
    max: null,
    skewness: null,
    kurtosis: null,
    quantiles: {},
    trend: { strength: null, slopePerDay: null, direction: 'unknown' },
    seasonality: { strength: null, periods: [] },
    stationarity: { adf: null, kpss: null, verdict: 'not tested' },
    anomalies: { total: 0, method: 'none', items: [] },
    notes,
  };
  if (finite.length === 0) {
    notes.push('no finite values');
    return base;
  }
  const m = moments(finite);
  const sorted = Float64Array.from(finite).sort();
  const q = quantilesOfSorted(sorted, QUANTILES);
  Object.assign(base, {
    mean: m.mean,
    std: m.std,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    skewness: m.skewness,
    kurtosis: m.kurtosis,
    quantiles: Object.fromEntries(QUANTILES.map((p, i) => [String(p), q[i]!])),
  });
  if (m.std === 0) notes.push('the column is constant');

  const profile = profileColumn(values, rules);
  if (!profile) {
    notes.push('trend, seasonality and stationarity need at least 20 values with at most half missing');
  } else {
    base.trend = { strength: profile.trendStrength, ...slopeOf(t, values) };
    base.seasonality = {
      strength: profile.seasonalStrength,
      periods: profile.periods.map((p) => {
        const ms = intervalMs ? p.period * intervalMs : null;
        return {
          samples: p.period,
          ms,
          duration: ms === null ? null : formatDuration(ms),
          strength: p.strength,
          acf: p.acf,
        };
      }),
    };
    base.stationarity = {
      adf: profile.adf,
      kpss: profile.kpss,
      verdict: stationarityVerdict(profile.adf?.stationary, profile.kpss?.stationary),
    };
    if (values.length > rules.temporal.maxPoints)
      notes.push(
        `trend, seasonality and stationarity use the first ${rules.temporal.maxPoints.toLocaleString('en-US')} values`,
      );
  }
  base.anomalies = anomaliesOf(t, values, profile?.periods[0]?.period ?? null, rules, options);
  return base;
}

/** Least-squares slope against time, per day, and its direction relative to the spread. */
function slopeOf(
  t: Float64Array,
  v: Float64Array,
): { slopePerDay: number | null; direction: ColumnAnalysis['trend']['direction'] } {
  let n = 0;
  let st = 0;
  let sv = 0;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!)) continue;
    n++;
    st += t[i]!;
    sv += v[i]!;
  }
  if (n < 3) return { slopePerDay: null, direction: 'unknown' };
  const tm = st / n;
  const vm = sv / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!)) continue;
    sxy += (t[i]! - tm) * (v[i]! - vm);
    sxx += (t[i]! - tm) ** 2;
    syy += (v[i]! - vm) ** 2;
  }
  if (!(sxx > 0)) return { slopePerDay: null, direction: 'unknown' };
  const slope = sxy / sxx;
  const r2 = syy > 0 ? (sxy * sxy) / (sxx * syy) : 0;
  return { slopePerDay: slope * DAY_MS, direction: r2 < 0.1 ? 'flat' : slope > 0 ? 'up' : 'down' };
}

function stationarityVerdict(adf: boolean | undefined, kpss: boolean | undefined): string {
  if (adf === undefined || kpss === undefined) return 'not tested (too few values or constant)';
  if (adf && kpss) return 'stationary (ADF rejects a unit root, KPSS does not reject stationarity)';
  if (!adf && !kpss)
    return 'non-stationary (ADF keeps the unit root, KPSS rejects stationarity): a trend or random walk';
  if (adf && !kpss) return 'inconclusive (both tests reject): possibly trend-stationary or with level shifts';
  return 'inconclusive (neither test rejects): too little data to tell';
}

/**
 * Spikes and dips: points whose deviation from the trend and seasonal
 * pattern has a robust z-score (median / MAD of the remainder) above the
 * limit. Flat lines: runs of identical readings. Items sorted by score.
 */
function anomaliesOf(
  t: Float64Array,
  values: Float64Array,
  period: number | null,
  rules: Rules,
  options: AnalyzeOptions,
): ColumnAnalysis['anomalies'] {
  const limit = options.robustZ ?? rules.quality.robustZ;
  const max = options.maxAnomalies ?? 20;
  const items: AnomalyItem[] = [];
  const filled = fillMissing(values);
  let method = `robust z-score > ${limit} of the value`;
  if (filled && filled.length >= 8) {
    let resid: Float64Array = filled;
    if (filled.length >= 20) {
      const d = decompose(filled, period);
      resid = Float64Array.from(filled, (x, i) => x - d.seasonal[i]! - trendAt(d.trend, i));
      method = `robust z-score > ${limit} of the deviation from trend${period ? ` and a ${period}-sample season` : ''}`;
    }
    const spread = robustSpread(Float64Array.from(resid).sort());
    const scale = MAD_SCALE * spread.mad;
    if (scale > 0) {
      for (let i = 0; i < values.length; i++) {
        if (!Number.isFinite(values[i]!)) continue;
        const z = (resid[i]! - spread.median) / scale;
        if (Math.abs(z) > limit)
          items.push({
            kind: z > 0 ? 'spike' : 'dip',
            start: t[i]!,
            end: t[i]!,
            value: values[i]!,
            score: Math.abs(z),
          });
      }
    }
  }
  let run = 1;
  for (let i = 1; i <= values.length; i++) {
    if (i < values.length && values[i] === values[i - 1] && Number.isFinite(values[i]!)) {
      run++;
      continue;
    }
    if (run >= rules.quality.flatLineMinRun)
      items.push({ kind: 'flat_line', start: t[i - run]!, end: t[i - 1]!, value: values[i - 1]!, score: run });
    run = 1;
  }
  const total = items.length;
  items.sort((a, b) => b.score - a.score);
  return {
    total,
    method: `${method}; flat lines of ${rules.quality.flatLineMinRun}+ identical readings`,
    items: items.slice(0, max),
  };
}

/** The trend at i, extended flat beyond the ends where the moving average is undefined. */
function trendAt(trend: Float64Array, i: number): number {
  if (!Number.isNaN(trend[i]!)) return trend[i]!;
  let l = i;
  while (l >= 0 && Number.isNaN(trend[l]!)) l--;
  if (l >= 0) return trend[l]!;
  let r = i;
  while (r < trend.length && Number.isNaN(trend[r]!)) r++;
  return r < trend.length ? trend[r]! : 0;
}

/** "1d", "12h", "90m", "30s" or "250ms": the largest unit that divides the duration, else hours with decimals. */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [
    ['w', 604_800_000],
    ['d', DAY_MS],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  for (const [u, size] of units) if (ms >= size && ms % size === 0) return `${ms / size}${u}`;
  if (ms < 1000) return `${ms}ms`;
  return `${Number((ms / 3_600_000).toPrecision(4))}h`;
}
