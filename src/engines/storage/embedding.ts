/**
 * Shape embeddings: a fixed-length feature vector of a series' shape, so
 * "find stored series similar to this one" becomes a nearest-neighbour search
 * by cosine distance (Weaviate's nearVector, DuckDB's array_cosine_distance).
 *
 * The vector is invariant to the series' offset, scale and length, and blind
 * to its timestamps (rows are taken as evenly spaced). It has three blocks,
 * each scaled to unit length and weighted, then the whole is scaled to unit
 * length (so cosine distance = 1 − dot product):
 *
 * 1. shape (weight 1): the z-normalised values (missing ones linearly
 *    interpolated) averaged into `shapeDims` equal segments (PAA);
 * 2. spectrum (weight 0.7): magnitudes of DFT bins 1…spectralDims of the
 *    z-normalised values resampled to 128 points — which periodicities carry
 *    the variance, independent of phase;
 * 3. statistics (weight 0.7): up to 12 features squashed into [−1, 1], in
 *    this order: lag-1 autocorrelation, trend (correlation with time),
 *    skewness, excess kurtosis, mean-crossing rate, roughness (mean |Δz|),
 *    lag-(n/10) autocorrelation, share above the mean, position of the
 *    maximum, position of the minimum, missing share, longest run above the
 *    mean.
 *
 * Sizes for `dims` (default 64, from 8 to 4096): statistics
 * min(12, round(dims·12/64)), spectrum the same, shape the rest (40 of 64).
 * A series with no value, or a constant one (no shape), gives the zero vector.
 */
import { TsiotError } from '../../core/errors.js';
import type { TimeSeries } from '../../core/types.js';

const SPECTRUM_POINTS = 128;
const WEIGHTS = { shape: 1, spectrum: 0.7, stats: 0.7 };

/** How `dims` splits into the three blocks. */
export function embeddingLayout(dims: number): { shape: number; spectrum: number; stats: number } {
  if (!Number.isInteger(dims) || dims < 8 || dims > 4096) {
    throw new TsiotError('invalid_input', `embedding dims must be a whole number from 8 to 4096 (got ${dims})`, {
      details: { field: 'dims', example: 64 },
    });
  }
  const stats = Math.min(12, Math.round((dims * 12) / 64));
  return { shape: dims - 2 * stats, spectrum: stats, stats };
}

/** The shape embedding of one column's values (NaN = missing); see the module comment. */
export function shapeEmbedding(values: ArrayLike<number>, dims = 64): Float32Array {
  const layout = embeddingLayout(dims);
  const out = new Float32Array(dims);
  const filled = interpolateMissing(values);
  if (!filled || filled.constant) return out;
  const { z, missingShare } = filled;
  const blocks = [
    { data: paa(z, layout.shape), weight: WEIGHTS.shape },
    { data: spectrum(paa(z, SPECTRUM_POINTS), layout.spectrum), weight: WEIGHTS.spectrum },
    { data: statistics(z, missingShare).slice(0, layout.stats), weight: WEIGHTS.stats },
  ];
  let at = 0;
  for (const { data, weight } of blocks) {
    const norm = Math.hypot(...data) || 1;
    for (const v of data) out[at++] = (v / norm) * weight;
  }
  const total = Math.hypot(...out) || 1;
  for (let i = 0; i < dims; i++) out[i] = out[i]! / total;
  return out;
}

/**
 * One vector for a whole series: the embedding of the named column, or the
 * normalised mean of every column's embedding.
 */
export function seriesEmbedding(series: TimeSeries, options: { column?: string; dims?: number } = {}): Float32Array {
  const dims = options.dims ?? 64;
  const columns =
    options.column === undefined ? series.columns : series.columns.filter((c) => c.name === options.column);
  if (options.column !== undefined && columns.length === 0) {
    throw new TsiotError('invalid_input', `series "${series.id}" has no column "${options.column}"`, {
      details: { field: 'column', expected: series.columns.map((c) => c.name) },
    });
  }
  const sum = new Float32Array(dims);
  for (const c of columns)
    shapeEmbedding(c.values, dims).forEach((v, i) => {
      sum[i] = sum[i]! + v;
    });
  const norm = Math.hypot(...sum) || 1;
  return sum.map((v) => v / norm);
}

/** Cosine distance (1 − cosine similarity) of two equal-length vectors; 1 when either is zero. */
export function cosineDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length)
    throw new TsiotError('invalid_input', `vectors differ in length (${a.length} vs ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? 1 - dot / Math.sqrt(na * nb) : 1;
}

/** Z-normalised values with missing ones interpolated (edges held); undefined when nothing is present. */
function interpolateMissing(
  values: ArrayLike<number>,
): { z: Float64Array; missingShare: number; constant: boolean } | undefined {
  const n = values.length;
  const x = new Float64Array(n);
  let last = -1;
  let missing = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      missing++;
      continue;
    }
    x[i] = v;
    const gapStart = last + 1;
    for (let k = gapStart; k < i; k++) x[k] = last < 0 ? v : x[last]! + ((v - x[last]!) * (k - last)) / (i - last);
    last = i;
  }
  if (last < 0) return undefined;
  for (let k = last + 1; k < n; k++) x[k] = x[last]!;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (x[i]! - mean) ** 2;
  const sd = Math.sqrt(variance / n);
  // normalised in place: one array per column, not two
  if (sd > 0) for (let i = 0; i < n; i++) x[i] = (x[i]! - mean) / sd;
  else x.fill(0);
  return { z: x, missingShare: missing / n, constant: sd === 0 };
}

/** Piecewise aggregate approximation: the means of `m` equal segments (fractional edges weighted). */
function paa(z: Float64Array, m: number): number[] {
  const n = z.length;
  const out = new Array<number>(m).fill(0);
  for (let s = 0; s < m; s++) {
    const from = (s * n) / m;
    const to = ((s + 1) * n) / m;
    let sum = 0;
    for (let i = Math.floor(from); i < Math.ceil(to); i++) {
      const w = Math.min(i + 1, to) - Math.max(i, from);
      sum += z[Math.min(i, n - 1)]! * w;
    }
    out[s] = sum / (to - from);
  }
  return out;
}

/** |DFT| of bins 1…k. */
function spectrum(x: number[], k: number): number[] {
  const n = x.length;
  const out: number[] = [];
  for (let f = 1; f <= k; f++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      const angle = (2 * Math.PI * f * t) / n;
      re += x[t]! * Math.cos(angle);
      im -= x[t]! * Math.sin(angle);
    }
    out.push(Math.hypot(re, im) / n);
  }
  return out;
}

function autocorrelation(z: Float64Array, lag: number): number {
  const n = z.length;
  if (lag >= n) return 0;
  let s = 0;
  for (let i = lag; i < n; i++) s += z[i]! * z[i - lag]!;
  return s / n;
}

/** The statistics block, in the documented order, each in [−1, 1]. */
function statistics(z: Float64Array, missingShare: number): number[] {
  const n = z.length;
  let skew = 0;
  let kurt = 0;
  let crossings = 0;
  let rough = 0;
  let above = 0;
  let run = 0;
  let longest = 0;
  let iMax = 0;
  let iMin = 0;
  let trend = 0;
  const tMean = (n - 1) / 2;
  const tSd = Math.sqrt((n * n - 1) / 12) || 1;
  // one pass without data-dependent branches where the data is noisy (signs,
  // runs above the mean): this runs on every column of every stored series
  let vMax = z[0] ?? 0;
  let vMin = vMax;
  let prev = vMax;
  let prevSign = +(prev > 0) - +(prev < 0);
  for (let i = 0; i < n; i++) {
    const v = z[i]!;
    const v2 = v * v;
    skew += v2 * v;
    kurt += v2 * v2;
    trend += v * (i - tMean);
    const pos = +(v > 0);
    const sign = pos - +(v < 0);
    crossings += +(sign !== prevSign);
    rough += Math.abs(v - prev);
    above += pos;
    run = (run + 1) * pos;
    longest = Math.max(longest, run);
    if (v > vMax) {
      vMax = v;
      iMax = i;
    }
    if (v < vMin) {
      vMin = v;
      iMin = i;
    }
    prev = v;
    prevSign = sign;
  }
  trend /= tSd;
  const span = Math.max(1, n - 1);
  return [
    autocorrelation(z, 1),
    trend / n,
    Math.tanh(skew / n / 2),
    Math.tanh((kurt / n - 3) / 4),
    (2 * crossings) / span - 1,
    Math.tanh(rough / span) * 2 - 1,
    autocorrelation(z, Math.max(1, Math.round(n / 10))),
    (2 * above) / n - 1,
    (2 * iMax) / span - 1,
    (2 * iMin) / span - 1,
    2 * missingShare - 1,
    (2 * longest) / n - 1,
  ];
}
