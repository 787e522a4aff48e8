import { finiteMean } from './basic.js';
import { fft, prevPow2 } from './fft.js';

/**
 * Welch power spectrum of x: Hann-windowed segments of `segment` samples
 * (a power of two) with 50% overlap, each with its mean removed, |FFT|²
 * averaged. Returns the power at frequencies k/segment for k = 1..segment/2
 * (the DC term is dropped), or null when x is shorter than one segment.
 * Missing values (NaN) count as the mean.
 */
export function welchSpectrum(x: Float64Array, segment: number): Float64Array | null {
  if ((segment & (segment - 1)) !== 0) throw new RangeError(`segment must be a power of two, got ${segment}`);
  const n = x.length;
  if (n < segment) return null;
  const m = finiteMean(x);
  if (Number.isNaN(m)) return null;
  const hann = new Float64Array(segment);
  for (let i = 0; i < segment; i++) hann[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / segment);
  const half = segment / 2;
  const acc = new Float64Array(half);
  const re = new Float64Array(segment);
  const im = new Float64Array(segment);
  const step = half;
  let count = 0;
  for (let start = 0; start + segment <= n; start += step) {
    let sm = 0;
    for (let i = 0; i < segment; i++) {
      const v = x[start + i]!;
      sm += Number.isFinite(v) ? v : m;
    }
    sm /= segment;
    for (let i = 0; i < segment; i++) {
      const v = x[start + i]!;
      re[i] = ((Number.isFinite(v) ? v : m) - sm) * hann[i]!;
      im[i] = 0;
    }
    fft(re, im);
    for (let k = 1; k <= half; k++) acc[k - 1]! += re[k]! * re[k]! + im[k]! * im[k]!;
    count++;
  }
  for (let k = 0; k < half; k++) acc[k]! /= count;
  return acc;
}

/** The segment length used for series of these lengths: a power of two <= both the request and the shortest series. */
export function spectrumSegment(requested: number, shortest: number): number {
  return prevPow2(Math.max(1, Math.min(requested, shortest)));
}

/**
 * Distance of two power spectra on one frequency grid: each is normalised to
 * a distribution over frequency and the total-variation distance
 * ½ Σ |p_k - q_k| is returned (0 = same shape, 1 = disjoint). Null when a
 * spectrum has no power.
 */
export function spectrumDistance(a: Float64Array, b: Float64Array): number | null {
  if (a.length !== b.length) throw new RangeError('spectra on different frequency grids');
  let sa = 0;
  let sb = 0;
  for (let k = 0; k < a.length; k++) {
    sa += a[k]!;
    sb += b[k]!;
  }
  if (!(sa > 0) || !(sb > 0)) return null;
  let d = 0;
  for (let k = 0; k < a.length; k++) d += Math.abs(a[k]! / sa - b[k]! / sb);
  return d / 2;
}
