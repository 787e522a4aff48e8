/**
 * Exact samplers over the integers (Canonne, Kamath & Steinke, "The Discrete
 * Gaussian for Differential Privacy", NeurIPS 2020, Algorithms 1–3): a
 * Bernoulli(exp(−γ)) trial, the discrete Laplace (two-sided geometric) and
 * the discrete Gaussian. Parameters are exact rationals and every coin is an
 * exact rational Bernoulli, so the output distribution is the one the privacy
 * proofs are about — no floating-point arithmetic touches a sample.
 */
import { type Rational, floor, reduce } from './rational.js';
import type { SecureRandom } from './random.js';

/** True with probability exp(−num/den), num/den ≥ 0 (CKS Algorithm 1). */
export function bernoulliExp(rnd: SecureRandom, num: bigint, den: bigint): boolean {
  let n = num;
  // exp(−γ) = exp(−1)^⌊γ⌋ · exp(−(γ − ⌊γ⌋))
  while (n > den) {
    if (!bernoulliExpUnit(rnd, 1n, 1n)) return false;
    n -= den;
  }
  return bernoulliExpUnit(rnd, n, den);
}

/** exp(−γ) for γ = num/den in [0, 1]: count K until a Bernoulli(γ/K) fails; true when K is odd. */
function bernoulliExpUnit(rnd: SecureRandom, num: bigint, den: bigint): boolean {
  let k = 1n;
  while (rnd.bernoulli(num, den * k)) k++;
  return (k & 1n) === 1n;
}

/**
 * Discrete Laplace with scale t/s: P[Y = y] ∝ exp(−|y| · s/t) over the
 * integers (CKS Algorithm 2). s, t positive integers.
 */
export function discreteLaplace(rnd: SecureRandom, t: bigint, s: bigint): bigint {
  for (;;) {
    const u = rnd.below(t);
    if (!bernoulliExp(rnd, u, t)) continue;
    let v = 0n;
    while (bernoulliExp(rnd, 1n, 1n)) v++;
    const y = (u + t * v) / s;
    const negative = rnd.coin();
    if (negative && y === 0n) continue;
    return negative ? -y : y;
  }
}

/**
 * Discrete Gaussian with variance parameter σ² (a rational): P[Y = y] ∝
 * exp(−y²/(2σ²)) over the integers, by rejection from a discrete Laplace of
 * scale ⌊σ⌋ + 1 (CKS Algorithm 3).
 */
export function discreteGaussian(rnd: SecureRandom, sigma2: Rational): bigint {
  const s2 = reduce(sigma2);
  // t = ⌊σ⌋ + 1 = ⌊√σ²⌋ + 1
  const t = isqrt(floor(s2)) + 1n;
  for (;;) {
    const y = discreteLaplace(rnd, t, 1n);
    const a = y < 0n ? -y : y;
    // γ = (|y| − σ²/t)² / (2σ²) = (|y|·t·den − num)² / (2·t²·num·den)
    const d = a * t * s2.den - s2.num;
    if (bernoulliExp(rnd, d * d, 2n * t * t * s2.num * s2.den)) return y;
  }
}

/** ⌊√n⌋ for n ≥ 0 (Newton's method on big integers, from above). */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError('isqrt of a negative number');
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}
