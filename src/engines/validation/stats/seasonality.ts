import { acf } from './acf.js';
import { nextPow2, powerOfReal } from './fft.js';

export interface Decomposition {
  trend: Float64Array;
  seasonal: Float64Array;
  remainder: Float64Array;
  /** First and last index (inclusive) where the moving-average trend is defined. */
  from: number;
  to: number;
  /** The seasonal period used, or null. */
  period: number | null;
}

/**
 * Centred moving average. For an even window w it is the 2×w average (as in
 * classical decomposition), so it stays centred. Entries within half a window
 * of either end are NaN.
 */
export function centredMovingAverage(x: Float64Array, w: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n).fill(NaN);
  const cum = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) cum[i + 1] = cum[i]! + x[i]!;
  if (w % 2 === 1) {
    const h = (w - 1) / 2;
    for (let i = h; i + h < n; i++) out[i] = (cum[i + h + 1]! - cum[i - h]!) / w;
  } else {
    const h = w / 2;
    // average of the two length-w windows [i-h, i+h-1] and [i-h+1, i+h]
    for (let i = h; i + h < n; i++) out[i] = (cum[i + h]! - cum[i - h]! + cum[i + h + 1]! - cum[i - h + 1]!) / (2 * w);
  }
  return out;
}

/**
 * Classical additive decomposition x = trend + seasonal + remainder. The trend
 * is a centred moving average over one period (or over `trendWindow` samples
 * without a period); the seasonal part is the mean detrended value at each
 * phase, centred to mean 0. Input must be finite.
 */
export function decompose(x: Float64Array, period: number | null, trendWindow?: number): Decomposition {
  const n = x.length;
  const w = period ?? trendWindow ?? defaultTrendWindow(n);
  const trend = centredMovingAverage(x, Math.max(2, Math.min(w, n - 1)));
  const seasonal = new Float64Array(n);
  if (period) {
    const sum = new Float64Array(period);
    const cnt = new Float64Array(period);
    for (let i = 0; i < n; i++) {
      const t = trend[i]!;
      if (Number.isNaN(t)) continue;
      sum[i % period]! += x[i]! - t;
      cnt[i % period]!++;
    }
    let m = 0;
    let k = 0;
    for (let j = 0; j < period; j++) {
      sum[j] = cnt[j]! > 0 ? sum[j]! / cnt[j]! : 0;
      m += sum[j]!;
      k++;
    }
    m /= k;
    for (let i = 0; i < n; i++) seasonal[i] = sum[i % period]! - m;
  }
  const remainder = new Float64Array(n);
  let from = -1;
  let to = -1;
  for (let i = 0; i < n; i++) {
    remainder[i] = x[i]! - trend[i]! - seasonal[i]!;
    if (!Number.isNaN(trend[i]!)) {
      if (from < 0) from = i;
      to = i;
    }
  }
  return { trend, seasonal, remainder, from, to, period };
}

/** An odd moving-average window of about a tenth of the series, between 3 and 1,001. */
export function defaultTrendWindow(n: number): number {
  const w = Math.max(3, Math.min(1001, Math.round(n / 10)));
  return w % 2 === 1 ? w : w + 1;
}

function variance(a: Float64Array, b: Float64Array | null, from: number, to: number): number {
  let s = 0;
  let ss = 0;
  const n = to - from + 1;
  for (let i = from; i <= to; i++) {
    const v = a[i]! + (b ? b[i]! : 0);
    s += v;
    ss += v * v;
  }
  return n > 1 ? (ss - (s * s) / n) / (n - 1) : 0;
}

/**
 * Strengths in 0..1 (Wang, Smith & Hyndman): trend = max(0, 1 - Var(R)/Var(T+R)),
 * seasonal = max(0, 1 - Var(R)/Var(S+R)). The remainder variance is corrected
 * for the P seasonal means estimated from the data, so long periods (few
 * cycles) do not look strong merely by fitting noise. Null when the
 * decomposition has no defined span or the denominator vanishes.
 */
export function strengths(d: Decomposition): { trend: number | null; seasonal: number | null } {
  const m = d.to - d.from + 1;
  if (d.from < 0 || m < 3) return { trend: null, seasonal: null };
  const dof = d.period && m > 2 * d.period ? m / (m - d.period) : 1;
  const vr = variance(d.remainder, null, d.from, d.to) * dof;
  const vtr = variance(d.trend, d.remainder, d.from, d.to);
  const vsr = variance(d.seasonal, d.remainder, d.from, d.to);
  const f = (den: number) => (den > 0 ? Math.max(0, Math.min(1, 1 - vr / den)) : null);
  return { trend: f(vtr), seasonal: f(vsr) };
}

/** How much stronger a multiple of a period must be to count as a period of its own. */
const HARMONIC_MARGIN = 0.1;

export interface PeriodCandidate {
  /** Period in samples. */
  period: number;
  /** Autocorrelation at that lag. */
  acf: number;
  /** Seasonal strength of a decomposition with this period, 0..1. */
  strength: number;
}

export interface PeriodOptions {
  /** Longest period searched (samples); default a third of the series, at most 10,000. */
  maxPeriod?: number;
  /** Shortest period searched; default 2. */
  minPeriod?: number;
  /** A candidate needs at least this autocorrelation at its lag; default 0.2. */
  minAcf?: number;
  /** Most periods returned; default 3. */
  top?: number;
}

/**
 * Detect seasonal periods: peaks of the periodogram of the linearly detrended
 * series propose periods, the autocorrelation around each proposal refines it
 * to the best lag and must exceed `minAcf`, and each survivor is scored by
 * the seasonal strength of a decomposition with that period. Sorted by
 * strength, strongest first. Input must be finite.
 */
export function detectPeriods(x: Float64Array, options: PeriodOptions = {}): PeriodCandidate[] {
  const n = x.length;
  const minPeriod = Math.max(2, options.minPeriod ?? 2);
  const maxPeriod = Math.min(options.maxPeriod ?? Math.min(10_000, Math.floor(n / 3)), Math.floor(n / 2));
  const minAcf = options.minAcf ?? 0.2;
  if (maxPeriod < minPeriod || n < 8) return [];
  const detrended = detrendLinear(x);
  const size = nextPow2(n);
  const power = powerOfReal(detrended, size);
  // local maxima of the periodogram within the period band
  const peaks: { k: number; p: number }[] = [];
  for (let k = 1; k < power.length - 1; k++) {
    const period = size / k;
    if (period > maxPeriod * 1.2 || period < minPeriod) continue;
    if (power[k]! > power[k - 1]! && power[k]! >= power[k + 1]!) peaks.push({ k, p: power[k]! });
  }
  peaks.sort((a, b) => b.p - a.p);
  const maxLag = Math.min(n - 2, Math.ceil(maxPeriod * 1.2) + 1);
  const r = acf(detrended, maxLag);
  if (!r) return [];
  const found: PeriodCandidate[] = [];
  for (const { k } of peaks.slice(0, 8)) {
    const guess = size / k;
    const lo = Math.max(minPeriod, Math.floor(guess * 0.8));
    const hi = Math.min(maxPeriod, Math.ceil(guess * 1.2), maxLag - 1);
    let best = -1;
    let bestAcf = -Infinity;
    for (let lag = lo; lag <= hi; lag++) {
      const v = r[lag]!;
      if (v > bestAcf && v >= r[lag - 1]! && v >= r[lag + 1]!) {
        bestAcf = v;
        best = lag;
      }
    }
    if (best < 0 || bestAcf < minAcf) continue;
    if (found.some((f) => Math.abs(f.period - best) <= Math.max(1, 0.1 * best))) continue;
    const s = strengths(decompose(x, best));
    found.push({ period: best, acf: bestAcf, strength: s.seasonal ?? 0 });
  }
  // a multiple of a kept period is only a period of its own when clearly stronger
  found.sort((a, b) => a.period - b.period);
  const kept: PeriodCandidate[] = [];
  for (const c of found) {
    const base = kept.find((k) => {
      const ratio = c.period / k.period;
      const m = Math.round(ratio);
      return m >= 2 && Math.abs(ratio - m) <= 0.05 * m;
    });
    if (base && c.strength < base.strength + HARMONIC_MARGIN) continue;
    kept.push(c);
  }
  kept.sort((a, b) => b.strength - a.strength);
  return kept.slice(0, options.top ?? 3);
}

/** x minus its least-squares line. */
export function detrendLinear(x: Float64Array): Float64Array {
  const n = x.length;
  const tm = (n - 1) / 2;
  let xm = 0;
  for (let i = 0; i < n; i++) xm += x[i]!;
  xm /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (i - tm) * (x[i]! - xm);
    sxx += (i - tm) * (i - tm);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = x[i]! - xm - slope * (i - tm);
  return out;
}

/** Linear interpolation over NaN gaps (ends take the nearest value); null when nothing is finite. */
export function fillMissing(x: Float64Array): Float64Array | null {
  const n = x.length;
  let first = -1;
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(x[i]!)) {
      first = i;
      break;
    }
  }
  if (first < 0) return null;
  const out = Float64Array.from(x);
  for (let i = 0; i < first; i++) out[i] = x[first]!;
  let last = first;
  for (let i = first + 1; i < n; i++) {
    if (!Number.isFinite(x[i]!)) continue;
    if (i - last > 1) {
      const a = x[last]!;
      const b = x[i]!;
      for (let j = last + 1; j < i; j++) out[j] = a + ((b - a) * (j - last)) / (i - last);
    }
    last = i;
  }
  for (let i = last + 1; i < n; i++) out[i] = x[last]!;
  return out;
}
