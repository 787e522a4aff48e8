/**
 * MSTL: several seasonalities by iterated STL (Bandara, Hyndman & Bergmeir
 * 2021, "MSTL: a seasonal-trend decomposition algorithm for time series with
 * multiple seasonal patterns"). Periods are taken shortest first; each STL
 * pass extracts one seasonal component from the series with the other
 * components removed, and the whole round is repeated `iterations` times so
 * that each component is re-estimated once the others are known. The trend is
 * the one of the last STL pass; the remainder is what is left.
 *
 * Also here: automatic detection of seasonal periods from the autocorrelation
 * function (see detectPeriods).
 */
import { loessSmooth, stl } from './stl.js';

export interface MstlOptions {
  /** Season lengths in steps; each must fit twice in the series. */
  periods: number[];
  /** Rounds over all periods (the paper's default is 2). */
  iterations?: number;
  robust?: boolean;
}

export interface MstlResult {
  /** Sorted ascending. */
  periods: number[];
  trend: Float64Array;
  /** One component per period, in the order of `periods`. */
  seasonal: Float64Array[];
  remainder: Float64Array;
}

export function mstl(y: Float64Array, options: MstlOptions): MstlResult {
  const n = y.length;
  const periods = [...new Set(options.periods)].sort((a, b) => a - b);
  for (const p of periods) if (2 * p > n) throw new Error(`mstl: period ${p} needs at least ${2 * p} points, got ${n}`);
  if (periods.length === 0) {
    const t = trendOnly(y);
    const remainder = new Float64Array(n);
    for (let i = 0; i < n; i++) remainder[i] = y[i]! - t[i]!;
    return { periods, trend: t, seasonal: [], remainder };
  }
  const iterations = options.iterations ?? 2;
  const seasonal: Float64Array[] = periods.map(() => new Float64Array(n));
  const deseason = Float64Array.from(y);
  let trend: Float64Array = new Float64Array(n);
  for (let it = 0; it < iterations; it++) {
    for (const [k, p] of periods.entries()) {
      const s = seasonal[k]!;
      for (let i = 0; i < n; i++) deseason[i]! += s[i]!;
      // Seasonal span grows with the component's index (7 + 4k), as in the MSTL paper's implementation.
      const r = stl(deseason, {
        period: p,
        seasonalSpan: 7 + 4 * (k + 1),
        ...(options.robust ? { robust: true } : {}),
      });
      seasonal[k] = r.seasonal;
      for (let i = 0; i < n; i++) deseason[i]! -= r.seasonal[i]!;
      trend = r.trend;
    }
  }
  const remainder = new Float64Array(n);
  for (let i = 0; i < n; i++) remainder[i] = deseason[i]! - trend[i]!;
  return { periods, trend, seasonal, remainder };
}

/** Without seasonality the trend is STL's trend smoother alone: LOESS over about a tenth of the series. */
function trendOnly(y: Float64Array): Float64Array {
  const span = Math.max(3, 2 * Math.floor(y.length / 20) + 1);
  return loessSmooth(y, span, undefined, Math.max(1, Math.ceil(span / 10)), new Float64Array(y.length));
}

/** Sample autocorrelation (biased estimator, divides by n) at lags 0 … maxLag, by FFT. */
export function autocorrelation(x: Float64Array, maxLag: number): Float64Array {
  const n = x.length;
  let mean = 0;
  for (const v of x) mean += v;
  mean /= n;
  let size = 1;
  while (size < 2 * n) size <<= 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let i = 0; i < n; i++) re[i] = x[i]! - mean;
  fft(re, im, false);
  for (let i = 0; i < size; i++) {
    re[i] = re[i]! * re[i]! + im[i]! * im[i]!;
    im[i] = 0;
  }
  fft(re, im, true);
  const out = new Float64Array(Math.min(maxLag, n - 1) + 1);
  const c0 = re[0]!;
  for (let k = 0; k < out.length; k++) out[k] = c0 > 0 ? re[k]! / c0 : 0;
  return out;
}

/** In-place iterative radix-2 FFT (size a power of two); the inverse is scaled by 1/size. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const tr = re[b]! * cr - im[b]! * ci;
        const ti = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a]! += tr;
        im[a]! += ti;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
  if (inverse)
    for (let i = 0; i < n; i++) {
      re[i]! /= n;
      im[i]! /= n;
    }
}

export interface DetectedPeriod {
  period: number;
  /** Autocorrelation at the period lag, of the series with the linear trend and earlier periods removed. */
  acf: number;
  /** Height of the peak above the lowest autocorrelation at shorter lags. */
  prominence: number;
  reason: string;
}

export interface DetectOptions {
  maxPeriods: number;
  /** Smallest autocorrelation at a peak for it to count. Default 0.2. */
  minAcf?: number;
  /** Smallest rise of a peak above the lowest autocorrelation before it. Default 0.1. */
  minProminence?: number;
}

/**
 * Seasonal periods from autocorrelation peaks, strongest first, one at a time:
 *  1. remove the least-squares line (so a trend does not swamp the ACF);
 *  2. find the ACF's local maxima at lags 2 … n/2 (two full cycles at least)
 *     that reach `minAcf` and rise `minProminence` above the lowest ACF at
 *     shorter lags (an AR process's smoothly decaying ACF has no such peak);
 *  3. take the highest peak, but prefer its shortest divisor that is itself a
 *     qualifying peak (a daily cycle also peaks at 48, 72, … steps);
 *  4. subtract that period's mean profile (per phase) and repeat on what is
 *     left, so a weekly cycle is found after the daily one is removed, and
 *     multiples of a found period show no peak unless they carry a pattern of
 *     their own.
 */
export function detectPeriods(y: Float64Array, options: DetectOptions): DetectedPeriod[] {
  const n = y.length;
  const minAcf = options.minAcf ?? 0.2;
  const minProminence = options.minProminence ?? 0.1;
  const found: DetectedPeriod[] = [];
  const maxLag = Math.floor(n / 2);
  if (maxLag < 2) return found;
  for (let round = 0; round < options.maxPeriods; round++) {
    const x = withoutLineAndProfiles(
      y,
      found.map((f) => f.period),
    );
    const acf = autocorrelation(x, maxLag);
    const peaks: { lag: number; acf: number; prominence: number }[] = [];
    let lowest = acf[1] ?? 0;
    for (let lag = 2; lag < acf.length; lag++) {
      const v = acf[lag]!;
      const left = acf[lag - 1]!;
      const right = lag + 1 < acf.length ? acf[lag + 1]! : -Infinity;
      // a peak within 10 % of a period already found is the same cycle seen again
      if (
        v > left &&
        v >= right &&
        v >= minAcf &&
        v - lowest >= minProminence &&
        !found.some((f) => Math.abs(f.period - lag) <= 0.1 * f.period)
      ) {
        peaks.push({ lag, acf: v, prominence: v - lowest });
      }
      lowest = Math.min(lowest, v);
    }
    if (peaks.length === 0) break;
    const best = peaks.reduce((a, b) => (b.acf > a.acf ? b : a));
    let chosen = best;
    let why = 'highest autocorrelation peak';
    for (const p of peaks) {
      if (p.lag >= chosen.lag) break;
      const ratio = best.lag / p.lag;
      if (Math.abs(ratio - Math.round(ratio)) * p.lag <= 1 && p.acf >= 0.5 * best.acf) {
        chosen = p;
        why = `shortest peak dividing the highest one (lag ${best.lag}, ACF ${best.acf.toFixed(3)})`;
        break;
      }
    }
    // A broad ACF peak is located to a step or two only: refine by epoch folding, taking the lag near the
    // peak whose mean profile explains the most variance (less the share noise alone would explain).
    const refined = refineByFolding(x, chosen.lag, maxLag);
    if (refined !== chosen.lag) {
      why += `, refined from lag ${chosen.lag} by the profile's explained variance`;
      chosen = { lag: refined, acf: acf[refined]!, prominence: chosen.prominence };
    }
    found.push({
      period: chosen.lag,
      acf: chosen.acf,
      prominence: chosen.prominence,
      reason: `${why}: ACF ${chosen.acf.toFixed(3)} at lag ${chosen.lag}${round > 0 ? ` after removing period(s) ${found.map((f) => f.period).join(', ')}` : ''}, ${Math.floor(n / chosen.lag)} full cycles in the data`,
    });
  }
  return found;
}

function refineByFolding(x: Float64Array, lag: number, maxLag: number): number {
  const n = x.length;
  let total = 0;
  for (const v of x) total += v * v;
  const reach = Math.max(1, Math.round(0.03 * lag));
  let best = lag;
  let bestScore = -Infinity;
  for (let l = Math.max(2, lag - reach); l <= Math.min(maxLag, lag + reach); l++) {
    const prof = meanProfile(x, l);
    let explained = 0;
    for (let i = 0; i < n; i++) explained += prof[i % l]! ** 2;
    const score = explained / n - (l / n) * (total / n);
    if (score > bestScore + 1e-12) {
      bestScore = score;
      best = l;
    }
  }
  return best;
}

/**
 * y minus a least-squares line and the mean profiles of the given periods,
 * fitted jointly by backfitting (alternately re-estimating each part on what
 * the others leave). Fitting the line alone first would leave a ramp whenever
 * the seasonal pattern correlates with time over the record, and a ramp's
 * autocorrelation is high at every lag.
 */
function withoutLineAndProfiles(y: Float64Array, periods: number[]): Float64Array {
  let x = detrendLinear(y);
  if (periods.length === 0) return x;
  const profiles = periods.map((p) => new Float64Array(p));
  const sweeps = 10;
  for (let s = 0; s < sweeps; s++) {
    for (const [k, p] of periods.entries()) {
      const prof = profiles[k]!;
      // add this period's profile back, re-estimate it, remove it again
      for (let i = 0; i < x.length; i++) x[i]! += prof[i % p]!;
      prof.set(meanProfile(x, p));
      for (let i = 0; i < x.length; i++) x[i]! -= prof[i % p]!;
    }
    x = detrendLinear(x);
  }
  return x;
}

function meanProfile(x: Float64Array, period: number): Float64Array {
  const sum = new Float64Array(period);
  const count = new Float64Array(period);
  for (let i = 0; i < x.length; i++) {
    sum[i % period]! += x[i]!;
    count[i % period]!++;
  }
  for (let j = 0; j < period; j++) sum[j]! /= count[j]!;
  return sum;
}

function detrendLinear(y: Float64Array): Float64Array {
  const n = y.length;
  const mt = (n - 1) / 2;
  let my = 0;
  for (const v of y) my += v;
  my /= n;
  let sty = 0;
  let stt = 0;
  for (let i = 0; i < n; i++) {
    sty += (i - mt) * (y[i]! - my);
    stt += (i - mt) ** 2;
  }
  const b = stt > 0 ? sty / stt : 0;
  return Float64Array.from(y, (v, i) => v - my - b * (i - mt));
}
