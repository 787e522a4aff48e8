import { mean, quantileSorted, sampleKurtosis, sampleSkewness, sampleStandardDeviation } from 'simple-statistics';

/**
 * simple-statistics only reads `length` and indexed elements of its inputs, so
 * a Float64Array can be handed over without copying into a number[].
 */
function view(x: Float64Array): readonly number[] {
  return x as unknown as readonly number[];
}

/** The finite values of x (NaN = missing and ±Infinity dropped), in order. */
export function finiteValues(x: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]!)) n++;
  if (n === x.length) return x;
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (Number.isFinite(v)) out[j++] = v;
  }
  return out;
}

/** At most `max` elements of x, evenly spaced (deterministic), or x itself when it is small enough. */
export function evenSample(x: Float64Array, max: number): Float64Array {
  if (x.length <= max) return x;
  const out = new Float64Array(max);
  const step = x.length / max;
  for (let i = 0; i < max; i++) out[i] = x[Math.floor(i * step)]!;
  return out;
}

/** A sorted copy of the finite values of x. */
export function sortedFinite(x: Float64Array): Float64Array {
  const f = finiteValues(x);
  const out = f === x ? Float64Array.from(x) : f;
  return out.sort();
}

export interface Moments {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1); 0 for a single value. */
  std: number;
  /** Adjusted Fisher–Pearson skewness; null with fewer than 3 values or zero variance. */
  skewness: number | null;
  /** Excess kurtosis (unbiased, as SAS/Excel/SciPy bias=False); null with fewer than 4 values or zero variance. */
  kurtosis: number | null;
}

/** Moments of the finite values of x; throws RangeError for an empty sample. */
export function moments(x: Float64Array): Moments {
  const f = finiteValues(x);
  if (f.length === 0) throw new RangeError('moments of an empty sample');
  const v = view(f);
  const m = mean(v);
  const std = f.length > 1 ? sampleStandardDeviation(v) : 0;
  const varies = std > 0;
  return {
    n: f.length,
    mean: m,
    std,
    skewness: varies && f.length >= 3 ? sampleSkewness(v) : null,
    kurtosis: varies && f.length >= 4 ? sampleKurtosis(v) : null,
  };
}

/** Quantiles (linear interpolation, R type 7) of an ascending, non-empty sample. */
export function quantilesOfSorted(sorted: Float64Array, ps: readonly number[]): number[] {
  return ps.map((p) => quantileSorted(view(sorted), p));
}

export function quantileOfSorted(sorted: Float64Array, p: number): number {
  return quantileSorted(view(sorted), p);
}

export interface RobustSpread {
  median: number;
  /** Median absolute deviation (unscaled). */
  mad: number;
  q1: number;
  q3: number;
}

/** Median, MAD and quartiles of an ascending, non-empty sample. */
export function robustSpread(sorted: Float64Array): RobustSpread {
  const median = quantileOfSorted(sorted, 0.5);
  const dev = new Float64Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) dev[i] = Math.abs(sorted[i]! - median);
  dev.sort();
  return {
    median,
    mad: quantileOfSorted(dev, 0.5),
    q1: quantileOfSorted(sorted, 0.25),
    q3: quantileOfSorted(sorted, 0.75),
  };
}

/** Mean of the finite values of x, NaN when there are none. */
export function finiteMean(x: Float64Array): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  return n ? s / n : NaN;
}

/** Element-wise weighted mean of equal-length vectors; null for none. */
export function averageVectors(vectors: readonly Float64Array[], weights: readonly number[]): Float64Array | null {
  if (vectors.length === 0) return null;
  const out = new Float64Array(vectors[0]!.length);
  let w = 0;
  vectors.forEach((v, i) => {
    const wi = weights[i] ?? 1;
    for (let k = 0; k < out.length; k++) out[k]! += wi * v[k]!;
    w += wi;
  });
  for (let k = 0; k < out.length; k++) out[k]! /= w;
  return out;
}
