import { finiteMean } from './basic.js';
import { nextPow2 } from './fft.js';
import { fft } from './fft.js';

/** Above this many multiply-adds the ACF is computed through the FFT. */
const DIRECT_LIMIT = 20_000_000;

/**
 * Sample autocorrelation r_0..r_maxLag (r_0 = 1) with the usual biased
 * estimator r_k = Σ (x_t - x̄)(x_{t+k} - x̄) / Σ (x_t - x̄)². Missing values
 * (NaN) count as the mean. Returns null when the series has fewer than
 * maxLag + 2 values or no variance.
 */
export function acf(x: Float64Array, maxLag: number): Float64Array | null {
  const n = x.length;
  if (n < maxLag + 2) return null;
  const m = finiteMean(x);
  if (Number.isNaN(m)) return null;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    d[i] = Number.isFinite(v) ? v - m : 0;
  }
  let c0 = 0;
  for (let i = 0; i < n; i++) c0 += d[i]! * d[i]!;
  if (!(c0 > 0) || c0 < 1e-24 * n * (m * m + 1)) return null;
  const out = new Float64Array(maxLag + 1);
  out[0] = 1;
  if (n * maxLag <= DIRECT_LIMIT) {
    for (let k = 1; k <= maxLag; k++) {
      let s = 0;
      for (let t = 0; t + k < n; t++) s += d[t]! * d[t + k]!;
      out[k] = s / c0;
    }
    return out;
  }
  // Wiener–Khinchin: autocovariance = inverse FFT of |FFT(x)|², zero-padded to avoid wrap-around.
  const size = nextPow2(2 * n);
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  re.set(d);
  fft(re, im);
  for (let k = 0; k < size; k++) {
    re[k] = re[k]! * re[k]! + im[k]! * im[k]!;
    im[k] = 0;
  }
  // inverse FFT of a real, even spectrum = forward FFT divided by size
  fft(re, im);
  const r0 = re[0]!;
  for (let k = 1; k <= maxLag; k++) out[k] = re[k]! / r0;
  return out;
}

/**
 * Partial autocorrelation φ_kk for k = 1..maxLag from autocorrelations
 * r_0..r_maxLag (Durbin–Levinson recursion). Index 0 of the result holds 1.
 */
export function pacfFromAcf(r: Float64Array): Float64Array {
  const maxLag = r.length - 1;
  const out = new Float64Array(maxLag + 1);
  out[0] = 1;
  let phi = new Float64Array(maxLag + 1);
  let prev = new Float64Array(maxLag + 1);
  let v = 1;
  for (let k = 1; k <= maxLag; k++) {
    let num = r[k]!;
    for (let j = 1; j < k; j++) num -= prev[j]! * r[k - j]!;
    const a = v > 1e-12 ? num / v : 0;
    phi[k] = a;
    for (let j = 1; j < k; j++) phi[j] = prev[j]! - a * prev[k - j]!;
    v *= 1 - a * a;
    out[k] = a;
    const t = prev;
    prev = phi;
    phi = t;
  }
  return out;
}

/** Mean absolute difference of two correlation sequences over lags 1..maxLag. */
export function lagDistance(a: Float64Array, b: Float64Array): number {
  const L = Math.min(a.length, b.length) - 1;
  let s = 0;
  for (let k = 1; k <= L; k++) s += Math.abs(a[k]! - b[k]!);
  return L > 0 ? s / L : 0;
}
