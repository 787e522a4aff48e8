/**
 * Noise calibration and conversions between privacy notions.
 *
 * - The analytic Gaussian mechanism (Balle & Wang, "Improving the Gaussian
 *   Mechanism for Differential Privacy", ICML 2018, Theorem 8): the smallest σ
 *   for which N(0, σ²) noise on an L2-sensitivity-Δ query is (ε, δ)-DP.
 * - zero-concentrated DP (Bun & Steinke 2016): the Gaussian (continuous or
 *   discrete, Canonne–Kamath–Steinke 2020) with σ is ρ = Δ²/(2σ²)-zCDP, and
 *   ρ-zCDP implies (ε, δ)-DP for δ = inf_{α>1} e^{(α−1)(αρ−ε)}/(α−1) ·
 *   (1 − 1/α)^α (CKS 2020, Corollary 13) — tighter than ρ + 2√(ρ ln 1/δ).
 */

/** erfc(x) to about 1e-15 relative: a Taylor series of erf near 0, a continued fraction in the tails. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (x > 27) return 0;
  // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))) by the modified Lentz method
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** Standard normal CDF. */
export const normalCdf = (x: number): number => 0.5 * erfc(-x / Math.SQRT2);

/** δ of the Gaussian mechanism with noise σ on an L2-sensitivity-Δ query at ε (Balle & Wang, Theorem 8). */
export function gaussianDelta(sigma: number, sensitivity: number, epsilon: number): number {
  const a = sensitivity / (2 * sigma);
  const b = (epsilon * sigma) / sensitivity;
  return normalCdf(a - b) - Math.exp(epsilon) * normalCdf(-a - b);
}

/** The smallest σ making the Gaussian mechanism (ε, δ)-DP for L2 sensitivity Δ (the analytic Gaussian mechanism). */
export function analyticGaussianSigma(epsilon: number, delta: number, sensitivity = 1): number {
  checkEpsilonDelta(epsilon, delta, false);
  // δ(σ) decreases in σ: bracket, then bisect to the last bit
  let lo = 0;
  let hi = sensitivity;
  while (gaussianDelta(hi, sensitivity, epsilon) > delta) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > hi * 1e-15; i++) {
    const mid = (lo + hi) / 2;
    if (mid > 0 && gaussianDelta(mid, sensitivity, epsilon) > delta) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** log δ of ρ-zCDP at ε, at one order α > 1. */
function logDeltaAt(rho: number, epsilon: number, alpha: number): number {
  return (alpha - 1) * (alpha * rho - epsilon) - Math.log(alpha - 1) + alpha * Math.log1p(-1 / alpha);
}

/** The δ for which ρ-zCDP implies (ε, δ)-DP (CKS 2020, Corollary 13), minimised over α. */
export function zcdpDelta(rho: number, epsilon: number): number {
  if (rho <= 0) return 0;
  // log δ(α) is convex in α on (1, ∞); golden-section search on a bracket around the optimum ε/(2ρ) + 1
  let lo = 1 + 1e-9;
  let hi = Math.max(2, (epsilon + 1) / rho + 2);
  const g = (Math.sqrt(5) - 1) / 2;
  let a = hi - g * (hi - lo);
  let b = lo + g * (hi - lo);
  let fa = logDeltaAt(rho, epsilon, a);
  let fb = logDeltaAt(rho, epsilon, b);
  for (let i = 0; i < 300 && hi - lo > 1e-12 * hi; i++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = logDeltaAt(rho, epsilon, a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = logDeltaAt(rho, epsilon, b);
    }
  }
  return Math.min(1, Math.exp(Math.min(fa, fb)));
}

const epsilonCache = new Map<string, number>();

/** The ε at which ρ-zCDP gives the target δ (smallest ε with zcdpDelta(ρ, ε) ≤ δ); remembered, as releases repeat their parameters. */
export function zcdpEpsilon(rho: number, delta: number): number {
  if (rho <= 0) return 0;
  const key = `${rho}|${delta}`;
  const known = epsilonCache.get(key);
  if (known !== undefined) return known;
  const eps = searchEpsilon(rho, delta);
  if (epsilonCache.size > 1000) epsilonCache.clear();
  epsilonCache.set(key, eps);
  return eps;
}

function searchEpsilon(rho: number, delta: number): number {
  let lo = 0;
  let hi = rho + 2 * Math.sqrt(rho * Math.log(1 / delta)) + 1e-12; // the Bun–Steinke bound is always enough
  for (let i = 0; i < 200 && hi - lo > hi * 1e-14; i++) {
    const mid = (lo + hi) / 2;
    if (zcdpDelta(rho, mid) > delta) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The largest ρ whose zCDP guarantee is (ε, δ)-DP. */
export function rhoFor(epsilon: number, delta: number): number {
  checkEpsilonDelta(epsilon, delta, false);
  // the Bun–Steinke bound gives a lower start: ρ = (√(ε + L) − √L)², L = ln(1/δ)
  const l = Math.log(1 / delta);
  let lo = (Math.sqrt(epsilon + l) - Math.sqrt(l)) ** 2;
  let hi = epsilon;
  for (let i = 0; i < 200 && hi - lo > hi * 1e-14; i++) {
    const mid = (lo + hi) / 2;
    if (zcdpDelta(mid, epsilon) <= delta) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** ε-DP (pure) implies ε²/2-zCDP (Bun & Steinke 2016, Proposition 1.4). */
export const pureToRho = (epsilon: number): number => (epsilon * epsilon) / 2;

function checkEpsilonDelta(epsilon: number, delta: number, allowZeroDelta: boolean): void {
  if (!(Number.isFinite(epsilon) && epsilon > 0))
    throw new RangeError(`epsilon must be > 0 and finite, got ${epsilon}`);
  if (!(delta < 1 && (allowZeroDelta ? delta >= 0 : delta > 0)))
    throw new RangeError(`delta must be in (0, 1), got ${delta}`);
}
