import { sortedFinite } from './basic.js';

export interface KsResult {
  /** sup |F_a(x) - F_b(x)| of the two empirical distribution functions. */
  statistic: number;
  /** Two-sided p-value under H0 (both samples from one continuous distribution). */
  pValue: number;
  /** exact: lattice-path probability (small samples); asymptotic: Kolmogorov distribution. */
  method: 'exact' | 'asymptotic';
  n: number;
  m: number;
}

/** Largest n·m for which the exact p-value is computed (O(n·m) work). */
const EXACT_LIMIT = 10_000_000;

/** The KS statistic of two ascending samples; ties are stepped over together. */
export function ksStatisticSorted(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  const m = b.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const v = Math.min(a[i]!, b[j]!);
    while (i < n && a[i]! <= v) i++;
    while (j < m && b[j]! <= v) j++;
    const diff = Math.abs(i / n - j / m);
    if (diff > d) d = diff;
  }
  return d;
}

/**
 * Two-sample Kolmogorov–Smirnov test over the finite values of a and b.
 * Throws RangeError when either sample is empty.
 */
export function ksTwoSample(a: Float64Array, b: Float64Array): KsResult {
  const sa = sortedFinite(a);
  const sb = sortedFinite(b);
  return ksTwoSampleSorted(sa, sb);
}

/** As ksTwoSample, for samples already sorted ascending and free of NaN. */
export function ksTwoSampleSorted(sa: Float64Array, sb: Float64Array): KsResult {
  const n = sa.length;
  const m = sb.length;
  if (n === 0 || m === 0) throw new RangeError('KS test of an empty sample');
  const statistic = ksStatisticSorted(sa, sb);
  if (n * m <= EXACT_LIMIT) {
    return { statistic, pValue: ksExactPValue(statistic, n, m), method: 'exact', n, m };
  }
  const en = Math.sqrt((n * m) / (n + m));
  return { statistic, pValue: kolmogorovSurvival((en + 0.12 + 0.11 / en) * statistic), method: 'asymptotic', n, m };
}

/**
 * Exact two-sided p-value P(D >= d) for sample sizes n and m: the probability
 * that a uniformly random lattice path from (0,0) to (n,m) leaves the band
 * |i·m - j·n| < d·n·m. The path probabilities are propagated step by step, so
 * nothing overflows.
 */
export function ksExactPValue(d: number, n: number, m: number): number {
  const h = Math.round(d * n * m);
  if (h <= 0) return 1;
  // prob[j] = P(the path reaches (i, j) without leaving the band)
  const prob = new Float64Array(m + 1);
  prob[0] = 1;
  for (let j = 1; j <= m; j++) {
    // moves along j only: from (0, j-1) with probability (m-j+1)/(n+m-j+1)
    prob[j] = Math.abs(j * n) < h ? prob[j - 1]! * ((m - j + 1) / (n + m - j + 1)) : 0;
  }
  for (let i = 1; i <= n; i++) {
    // from (i-1, 0): step in i
    prob[0] = Math.abs(i * m) < h ? prob[0]! * ((n - i + 1) / (n + m - i + 1)) : 0;
    for (let j = 1; j <= m; j++) {
      if (Math.abs(i * m - j * n) >= h) {
        prob[j] = 0;
        continue;
      }
      const left = n + m - (i - 1) - j; // steps remaining at (i-1, j)
      const below = n + m - i - (j - 1); // steps remaining at (i, j-1)
      const fromLeft = prob[j]! * ((n - i + 1) / left);
      const fromBelow = prob[j - 1]! * ((m - j + 1) / below);
      prob[j] = fromLeft + fromBelow;
    }
  }
  const p = 1 - prob[m]!;
  return p < 0 ? 0 : Math.min(p, 1);
}

/**
 * Survival function of the Kolmogorov distribution, Q(λ) = P(K > λ) =
 * 2 Σ (-1)^(k-1) exp(-2 k² λ²), with the Jacobi-theta form for small λ where
 * that alternating series converges slowly.
 */
export function kolmogorovSurvival(lambda: number): number {
  if (!(lambda > 0)) return 1;
  if (lambda < 1.18) {
    // 1 - sqrt(2π)/λ · Σ exp(-(2k-1)² π² / (8 λ²))
    const c = (-Math.PI * Math.PI) / (8 * lambda * lambda);
    let s = 0;
    for (let k = 1; k <= 6; k++) s += Math.exp((2 * k - 1) * (2 * k - 1) * c);
    const q = 1 - (Math.sqrt(2 * Math.PI) / lambda) * s;
    return q < 0 ? 0 : Math.min(q, 1);
  }
  let s = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    s += k % 2 === 1 ? term : -term;
    if (term < 1e-16) break;
  }
  const q = 2 * s;
  return q < 0 ? 0 : Math.min(q, 1);
}
