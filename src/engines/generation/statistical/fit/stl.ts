/**
 * STL: seasonal-trend decomposition by LOESS (Cleveland, Cleveland, McRae &
 * Terpenning 1990, J. Official Statistics 6(1)). Written from the paper:
 *
 * inner loop (repeated `inner` times), starting from trend T = 0:
 *   1. detrend: y − T;
 *   2. cycle-subseries smoothing: each phase's subseries is smoothed by LOESS
 *      (span `seasonalSpan`, local linear) and extended by one point at each
 *      end, giving C of length n + 2·period;
 *   3. low-pass filter of C: moving averages of length period, period, 3, then
 *      LOESS with span `lowPassSpan`, giving L of length n;
 *   4. seasonal S = C[period .. period + n) − L;
 *   5. deseasonalise: y − S;
 *   6. trend T = LOESS of y − S with span `trendSpan`.
 * outer loop (robust only): robustness weights ρ = B(|R| / (6·median|R|)) with
 * the bisquare B(u) = (1 − u²)² for u < 1, else 0, passed to every LOESS fit.
 *
 * Series positions are 0 … n − 1 (equally spaced). LOESS fits are local
 * linear with tricube neighbourhood weights; fits of long spans are evaluated
 * every `jump` points and linearly interpolated between them, as the paper's
 * Fortran does, which keeps the cost at O(n · span / jump).
 */

export interface StlOptions {
  /** Season length in steps (≥ 2). */
  period: number;
  /** Span of the cycle-subseries smoother, in cycles (odd, ≥ 7 recommended). */
  seasonalSpan?: number;
  /** Span of the trend smoother, in steps (odd). Default: the smallest odd ≥ 1.5·period / (1 − 1.5 / seasonalSpan). */
  trendSpan?: number;
  /** Span of the low-pass smoother, in steps (odd). Default: the smallest odd ≥ period. */
  lowPassSpan?: number;
  /** Inner-loop passes. Default 2 (1 when robust, as the paper advises). */
  inner?: number;
  /** Outer robustness passes. Default 0, or 15 when robust. */
  outer?: number;
  /** Use robustness weights (down-weights outliers). */
  robust?: boolean;
}

export interface StlResult {
  trend: Float64Array;
  seasonal: Float64Array;
  remainder: Float64Array;
  /** The robustness weights of the last outer pass (all 1 when not robust). */
  weights: Float64Array;
  /** The spans actually used. */
  spans: { seasonal: number; trend: number; lowPass: number };
}

const nextOdd = (x: number): number => {
  const c = Math.ceil(x);
  return c % 2 === 1 ? c : c + 1;
};

/** Span defaults from the paper (section 3.4 / 3.6). */
export function stlSpans(period: number, seasonalSpan = 7): { seasonal: number; trend: number; lowPass: number } {
  const seasonal = Math.max(3, nextOdd(seasonalSpan));
  return {
    seasonal,
    trend: Math.max(3, nextOdd((1.5 * period) / (1 - 1.5 / seasonal))),
    lowPass: Math.max(3, nextOdd(period)),
  };
}

export function stl(y: Float64Array, options: StlOptions): StlResult {
  const n = y.length;
  const np = options.period;
  if (!Number.isInteger(np) || np < 2) throw new Error(`stl: period must be an integer ≥ 2, got ${np}`);
  if (n < 2 * np) throw new Error(`stl: needs at least two full periods (${2 * np} points), got ${n}`);
  const d = stlSpans(np, options.seasonalSpan);
  const spans = {
    seasonal: d.seasonal,
    trend: options.trendSpan !== undefined ? Math.max(3, nextOdd(options.trendSpan)) : d.trend,
    lowPass: options.lowPassSpan !== undefined ? Math.max(3, nextOdd(options.lowPassSpan)) : d.lowPass,
  };
  const robust = options.robust ?? false;
  const inner = options.inner ?? (robust ? 1 : 2);
  const outer = options.outer ?? (robust ? 15 : 0);

  const trend = new Float64Array(n);
  const seasonal = new Float64Array(n);
  const weights = new Float64Array(n).fill(1);
  const work = new Float64Array(n);
  const cycle = new Float64Array(n + 2 * np);
  for (let o = 0; o <= outer; o++) {
    for (let k = 0; k < inner; k++) {
      for (let i = 0; i < n; i++) work[i] = y[i]! - trend[i]!;
      cycleSubseries(work, np, spans.seasonal, weights, cycle);
      const low = lowPass(cycle, np, spans.lowPass);
      for (let i = 0; i < n; i++) seasonal[i] = cycle[np + i]! - low[i]!;
      for (let i = 0; i < n; i++) work[i] = y[i]! - seasonal[i]!;
      loessSmooth(work, spans.trend, weights, jumpOf(spans.trend), trend);
    }
    if (o < outer) robustnessWeights(y, trend, seasonal, weights);
  }
  const remainder = new Float64Array(n);
  for (let i = 0; i < n; i++) remainder[i] = y[i]! - trend[i]! - seasonal[i]!;
  return { trend, seasonal, remainder, weights, spans };
}

const jumpOf = (span: number): number => Math.max(1, Math.ceil(span / 10));

/**
 * Local-linear LOESS estimate at position x of the points (i, y[i]),
 * i = 0 … n − 1, with `span` nearest neighbours and extra weights w.
 * Returns undefined when every weight in the neighbourhood is zero.
 */
export function loessAt(
  y: ArrayLike<number>,
  n: number,
  x: number,
  span: number,
  w: ArrayLike<number> | undefined,
): number | undefined {
  const q = Math.min(span, n);
  let left = Math.round(x - (q - 1) / 2);
  left = Math.max(0, Math.min(n - q, left));
  const right = left + q - 1;
  let h = Math.max(x - left, right - x);
  // A span longer than the series widens the neighbourhood (paper, section 3.3).
  if (span > n) h += Math.floor((span - n) / 2);
  const hInner = 0.001 * h;
  const hOuter = 0.999 * h;
  let sw = 0;
  let sx = 0;
  // first pass: weights, their sum and the weighted mean position
  const ws = new Float64Array(q);
  for (let i = left; i <= right; i++) {
    const r = Math.abs(i - x);
    let wi: number;
    if (r <= hInner) wi = 1;
    else if (r > hOuter) wi = 0;
    else {
      const u = r / h;
      const c = 1 - u * u * u;
      wi = c * c * c;
    }
    if (w) wi *= w[i]!;
    ws[i - left] = wi;
    sw += wi;
    sx += wi * i;
  }
  if (!(sw > 0)) return undefined;
  const mx = sx / sw;
  let sxx = 0;
  for (let i = left; i <= right; i++) sxx += ws[i - left]! * (i - mx) ** 2;
  let est = 0;
  // Fall back to a local constant when the positions are too concentrated for a slope.
  const slope = Math.sqrt(sxx / sw) > 0.001 * (n - 1);
  for (let i = left; i <= right; i++) {
    let a = ws[i - left]! / sw;
    if (slope) a *= 1 + ((x - mx) * (i - mx) * sw) / sxx;
    est += a * y[i]!;
  }
  return est;
}

/** LOESS of a whole series at every position, evaluated every `jump` points and interpolated. */
export function loessSmooth(
  y: ArrayLike<number>,
  span: number,
  w: ArrayLike<number> | undefined,
  jump: number,
  out: Float64Array,
): Float64Array {
  const n = out.length;
  if (n === 1) {
    out[0] = y[0]!;
    return out;
  }
  let prev = -1;
  const at = (i: number) => loessAt(y, n, i, span, w) ?? y[i]!;
  for (let i = 0; ; i = Math.min(n - 1, i + jump)) {
    out[i] = at(i);
    if (prev >= 0 && i - prev > 1) {
      for (let k = prev + 1; k < i; k++) out[k] = out[prev]! + ((out[i]! - out[prev]!) * (k - prev)) / (i - prev);
    }
    prev = i;
    if (i === n - 1) break;
  }
  return out;
}

/** Step 2: smooth each phase's subseries and extend it by one cycle at each end. */
function cycleSubseries(work: Float64Array, np: number, span: number, weights: Float64Array, out: Float64Array): void {
  const n = work.length;
  const maxLen = Math.ceil(n / np);
  const sub = new Float64Array(maxLen);
  const subW = new Float64Array(maxLen);
  for (let j = 0; j < np; j++) {
    let m = 0;
    for (let i = j; i < n; i += np) {
      sub[m] = work[i]!;
      subW[m] = weights[i]!;
      m++;
    }
    // positions −1 … m of the subseries land at out[j], out[j + np], … out[j + (m + 1)·np]
    for (let s = -1; s <= m; s++) {
      const idx = j + (s + 1) * np;
      if (idx >= out.length) break;
      const v = loessAt(sub, m, s, span, subW);
      out[idx] = v ?? (s < 0 ? sub[0]! : s >= m ? sub[m - 1]! : sub[s]!);
    }
  }
}

/** Step 3: moving averages of length np, np, 3 over C (length n + 2np), then LOESS. */
function lowPass(c: Float64Array, np: number, span: number): Float64Array {
  const a = movingAverage(c, np);
  const b = movingAverage(a, np);
  const d = movingAverage(b, 3);
  return loessSmooth(d, span, undefined, jumpOf(span), new Float64Array(d.length));
}

function movingAverage(x: Float64Array, len: number): Float64Array {
  const out = new Float64Array(x.length - len + 1);
  let s = 0;
  for (let i = 0; i < len; i++) s += x[i]!;
  out[0] = s / len;
  for (let i = 1; i < out.length; i++) {
    s += x[i + len - 1]! - x[i - 1]!;
    out[i] = s / len;
  }
  return out;
}

function robustnessWeights(y: Float64Array, trend: Float64Array, seasonal: Float64Array, out: Float64Array): void {
  const n = y.length;
  const abs = new Float64Array(n);
  for (let i = 0; i < n; i++) abs[i] = Math.abs(y[i]! - trend[i]! - seasonal[i]!);
  const sorted = Float64Array.from(abs).sort();
  const mid = n >> 1;
  const median = n % 2 ? sorted[mid]! : 0.5 * (sorted[mid - 1]! + sorted[mid]!);
  const h = 6 * median;
  for (let i = 0; i < n; i++) {
    if (!(h > 0)) {
      out[i] = 1;
      continue;
    }
    const u = abs[i]! / h;
    out[i] = u < 1 ? (1 - u * u) ** 2 : 0;
  }
}
