/**
 * The residual model: an AR(p) chosen by AIC from Yule–Walker estimates
 * (Levinson–Durbin recursion), and the residual's marginal distribution:
 *
 * - `empirical`: a Gaussian copula — the residual is mapped to normal scores
 *   z = Φ⁻¹(rank / N), the AR is fitted to z, and simulated z are mapped
 *   back through the empirical quantile function, so simulated residuals
 *   keep the observed skew and tails (within the observed range) and,
 *   approximately, the autocorrelation;
 * - `gaussian`: the AR is fitted to the residual itself with normal innovations;
 * - `t`: as `gaussian`, with Student-t innovations whose degrees of freedom
 *   match the innovations' excess kurtosis (6 / (ν − 4)).
 */
import type { Rng } from '../../../../core/rng.js';
import { normalQuantile } from '../../arima/simulate.js';

export interface ArFit {
  /** φ₁ … φ_p of x_t − μ = Σ φ_j (x_{t−j} − μ) + e_t. */
  phi: number[];
  mean: number;
  /** Innovation variance. */
  sigma2: number;
  /** AIC for each order 0 … maxOrder (N·ln σ²_p + 2p). */
  aic: number[];
}

/**
 * Autocovariances at lags 0 … maxLag pooled over independent segments: the
 * mean is common, products never pair points of different segments, and the
 * sums are divided by the total length (the biased estimator, whose
 * Toeplitz matrix is positive definite).
 */
export function pooledAutocovariance(
  segments: Float64Array[],
  maxLag: number,
): { mean: number; acov: Float64Array; count: number } {
  let count = 0;
  let sum = 0;
  for (const s of segments) {
    count += s.length;
    for (const v of s) sum += v;
  }
  const mean = count > 0 ? sum / count : 0;
  const acov = new Float64Array(maxLag + 1);
  for (const s of segments) {
    for (let k = 0; k <= maxLag && k < s.length; k++) {
      let c = 0;
      for (let t = k; t < s.length; t++) c += (s[t]! - mean) * (s[t - k]! - mean);
      acov[k]! += c;
    }
  }
  for (let k = 0; k <= maxLag; k++) acov[k]! /= Math.max(1, count);
  return { mean, acov, count };
}

/** The AR fit of independent segments: their pooled autocovariances through {@link yuleWalker}. */
export function fitAr(segments: Float64Array[], maxOrder: number): ArFit {
  const { mean, acov, count } = pooledAutocovariance(segments, maxOrder);
  return yuleWalker(acov, count, maxOrder, mean);
}

/**
 * Yule–Walker AR fits of orders 0 … maxOrder from autocovariances (lags 0 …
 * maxOrder, over `count` values) by Levinson–Durbin, stopping at the first
 * order whose reflection coefficient leaves (−1, 1); the lowest AIC wins.
 */
export function yuleWalker(acov: ArrayLike<number>, count: number, maxOrder: number, mean: number): ArFit {
  const aic: number[] = [];
  const c0 = acov[0]!;
  if (!(c0 > 0)) return { phi: [], mean, sigma2: 0, aic: [0] };
  let phi: number[] = [];
  let sigma2 = c0;
  const fits: { phi: number[]; sigma2: number }[] = [{ phi: [], sigma2 }];
  aic.push(count * Math.log(sigma2));
  for (let p = 1; p <= maxOrder; p++) {
    let num = acov[p]!;
    for (let j = 1; j < p; j++) num -= phi[j - 1]! * acov[p - j]!;
    const k = num / sigma2;
    if (!(Math.abs(k) < 1)) break;
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
  return { phi: fits[best]!.phi, mean, sigma2: fits[best]!.sigma2, aic };
}

/** Standard normal CDF: erfc by its Chebyshev-fitted exponential form (relative error < 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}

/** Quantiles at probabilities j / (q − 1), j = 0 … q − 1, of the data (linear interpolation between order statistics). */
export function quantileTable(values: Float64Array, q: number): number[] {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const size = Math.max(2, Math.min(q, n));
  return Array.from({ length: size }, (_, j) => {
    const pos = (j * (n - 1)) / (size - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
  });
}

/** The value at probability u of a quantile table (linear interpolation). */
export function quantileAt(table: readonly number[], u: number): number {
  const pos = Math.min(1, Math.max(0, u)) * (table.length - 1);
  const lo = Math.min(table.length - 2, Math.floor(pos));
  return table[lo]! + (table[lo + 1]! - table[lo]!) * (pos - lo);
}

/** Normal scores Φ⁻¹((rank + ½) / N) of the values (ties broken by position). */
export function normalScores(values: Float64Array): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) out[order[r]!] = normalQuantile((r + 0.5) / n);
  return out;
}

/** Degrees of freedom of a Student-t matching an excess kurtosis (ν = 4 + 6 / κ), clamped to [4.5, 200]. */
export function tDegreesOfFreedom(excessKurtosis: number): number {
  if (!(excessKurtosis > 0.03)) return 200;
  return Math.min(200, Math.max(4.5, 4 + 6 / excessKurtosis));
}

/** A unit-variance Student-t draw with ν > 2 degrees of freedom, from one normal and one gamma. */
export function unitT(rng: Rng, nu: number, z: number): number {
  const chi2 = 2 * gamma(rng, nu / 2);
  return z / Math.sqrt(chi2 / nu) / Math.sqrt(nu / (nu - 2));
}

/** Gamma(shape, 1) by Marsaglia–Tsang (shape ≥ 1 here). */
function gamma(rng: Rng, shape: number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    const v0 = 1 + c * x;
    if (v0 <= 0) continue;
    const v = v0 * v0 * v0;
    const u = rng.nextDouble();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(Math.max(u, 1e-300)) < 0.5 * x * x + d * (1 - v + Math.log(v)))
      return d * v;
  }
}

/** Skewness and excess kurtosis. */
export function shape(values: Float64Array): { mean: number; std: number; skewness: number; excessKurtosis: number } {
  const n = values.length;
  let m = 0;
  for (const v of values) m += v;
  m /= n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const v of values) {
    const d = v - m;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return {
    mean: m,
    std: Math.sqrt(m2),
    skewness: m2 > 0 ? m3 / m2 ** 1.5 : 0,
    excessKurtosis: m2 > 0 ? m4 / (m2 * m2) - 3 : 0,
  };
}

/** ψ-weights ψ₀ … ψ_{h−1} of an AR(p) (for forecast variances). */
export function psiWeights(phi: readonly number[], h: number): Float64Array {
  const psi = new Float64Array(h);
  if (h > 0) psi[0] = 1;
  for (let j = 1; j < h; j++) {
    let s = 0;
    for (let i = 1; i <= phi.length && i <= j; i++) s += phi[i - 1]! * psi[j - i]!;
    psi[j] = s;
  }
  return psi;
}
