import { cholesky, solve, type Matrix } from './linalg.js';

/**
 * The coloured-noise model of a sensor, reduced to one ARMA(p, q) process
 * driven by a single Gaussian stream:
 *
 *   y_t = Σ φ_k y_{t-k} + e_t + Σ θ_k e_{t-k},   e_t ~ N(0, σ²)
 *
 * An AR(p) process observed through white measurement noise is exactly such an
 * ARMA(p, p) process; `armaFromArPlusWhite` finds its θ and σ, so the hot loop
 * draws one Gaussian per point instead of two.
 */
export interface Arma {
  phi: number[];
  theta: number[];
  /** Innovation standard deviation σ. */
  sigma: number;
}

const PSI_TOLERANCE = 1e-12;
const PSI_MAX_TERMS = 2_000_000;
const INNOVATIONS_MAX_ITERATIONS = 1_000_000;

/**
 * Whether AR coefficients describe a stationary process (every root of
 * 1 − Σ φ_k z^k outside the unit circle), by the step-down recursion: all
 * partial autocorrelations must lie strictly inside (−1, 1).
 */
export function isStationary(phi: readonly number[]): boolean {
  let a = phi.slice();
  for (let k = a.length; k >= 1; k--) {
    const kappa = a[k - 1]!;
    if (!(Math.abs(kappa) < 1)) return false;
    const d = 1 - kappa * kappa;
    const next = new Array<number>(k - 1);
    for (let j = 1; j <= k - 1; j++) next[j - 1] = (a[j - 1]! + kappa * a[k - j - 1]!) / d;
    a = next;
  }
  return true;
}

/** Stationary variance of an AR(p) process with unit-variance innovations (φ must be stationary). */
export function arUnitVariance(phi: readonly number[]): number {
  const p = phi.length;
  if (p === 0) return 1;
  // γ_k − Σ_j φ_j γ_|k−j| = δ_k0 for k = 0..p, unknowns γ_0..γ_p
  const a: Matrix = Array.from({ length: p + 1 }, () => new Array<number>(p + 1).fill(0));
  for (let k = 0; k <= p; k++) {
    a[k]![k]! += 1;
    for (let j = 1; j <= p; j++) a[k]![Math.abs(k - j)] = a[k]![Math.abs(k - j)]! - phi[j - 1]!;
  }
  const b = new Array<number>(p + 1).fill(0);
  b[0] = 1;
  const g = solve(a, b);
  return g ? g[0]! : Number.POSITIVE_INFINITY;
}

/**
 * The single-stream ARMA form of x + w, where x is AR(φ) with innovation
 * standard deviation `arStd` and w is white noise with standard deviation
 * `whiteStd` (φ must be stationary).
 */
export function armaFromArPlusWhite(phi: readonly number[], arStd: number, whiteStd: number): Arma {
  // AR(0) is white noise itself; an AR part without innovations vanishes
  if (phi.length === 0) return { phi: [], theta: [], sigma: Math.hypot(arStd, whiteStd) };
  if (arStd === 0) return { phi: [], theta: [], sigma: whiteStd };
  if (whiteStd === 0) return { phi: [...phi], theta: [], sigma: arStd };
  // autocovariances of the moving-average part a_t + φ(B) w_t
  const c = [1, ...phi.map((f) => -f)];
  const q = phi.length;
  const gamma = new Array<number>(q + 1).fill(0);
  for (let k = 0; k <= q; k++) {
    let s = 0;
    for (let j = 0; j + k <= q; j++) s += c[j]! * c[j + k]!;
    gamma[k] = whiteStd * whiteStd * s;
  }
  gamma[0] = gamma[0]! + arStd * arStd;
  const ma = q === 1 ? factorizeMa1(gamma[0]!, gamma[1]!) : factorizeMa(gamma);
  return { phi: [...phi], theta: ma.theta, sigma: Math.sqrt(ma.variance) };
}

/** Invertible MA(1) with autocovariances γ0, γ1 (closed form). */
function factorizeMa1(g0: number, g1: number): { theta: number[]; variance: number } {
  const rho = g1 / g0;
  if (rho === 0) return { theta: [0], variance: g0 };
  const theta = (1 - Math.sqrt(Math.max(0, 1 - 4 * rho * rho))) / (2 * rho);
  return { theta: [theta], variance: g1 / theta };
}

/**
 * Invertible MA(q) coefficients and innovation variance matching the
 * autocovariances γ_0..γ_q, by the innovations algorithm run to convergence
 * (the spectral density must be positive, which holds for AR + white noise
 * with both parts present).
 */
function factorizeMa(gamma: readonly number[]): { theta: number[]; variance: number } {
  const q = gamma.length - 1;
  const size = q + 1;
  // ring buffers over n: rows[n % size][j] = θ_{n,j} (j = 1..q), v[n % size] = v_n
  const rows = Array.from({ length: size }, () => new Float64Array(q + 1));
  const v = new Float64Array(size);
  v[0] = gamma[0]!;
  const theta = new Float64Array(q + 1);
  let variance = gamma[0]!;
  for (let n = 1; n <= INNOVATIONS_MAX_ITERATIONS; n++) {
    const row = rows[n % size]!;
    row.fill(0);
    const lo = Math.max(0, n - q);
    for (let k = lo; k < n; k++) {
      let s = gamma[n - k]!;
      const rowK = rows[k % size]!;
      for (let j = lo; j < k; j++) s -= rowK[k - j]! * row[n - j]! * v[j % size]!;
      row[n - k] = s / v[k % size]!;
    }
    let vn = gamma[0]!;
    for (let j = lo; j < n; j++) vn -= row[n - j]! * row[n - j]! * v[j % size]!;
    v[n % size] = vn;
    let change = Math.abs(vn - variance) / vn;
    for (let j = 1; j <= q; j++) change = Math.max(change, Math.abs(row[j]! - theta[j]!));
    theta.set(row);
    variance = vn;
    if (n > q && change < 1e-14) break;
  }
  return { theta: Array.from(theta.subarray(1)), variance };
}

/** Whether the closed forms for at most one AR and one MA coefficient apply. */
function isLowOrder(m: Arma): boolean {
  return m.phi.length <= 1 && m.theta.length <= 1;
}

/** ψ-weights (impulse response, ψ_0 = 1) of the ARMA model, truncated where they become negligible. */
export function psiWeights(m: Arma): Float64Array {
  const p = m.phi.length;
  const q = m.theta.length;
  let buf = new Float64Array(Math.max(64, p + q + 1));
  buf[0] = 1;
  let peak = 1;
  let quiet = 0;
  let k = 1;
  for (; k < PSI_MAX_TERMS; k++) {
    if (k >= buf.length) {
      const grown = new Float64Array(Math.min(PSI_MAX_TERMS, buf.length * 2));
      grown.set(buf);
      buf = grown;
    }
    let s = k <= q ? m.theta[k - 1]! : 0;
    for (let j = 1; j <= Math.min(k, p); j++) s += m.phi[j - 1]! * buf[k - j]!;
    buf[k] = s;
    const a = Math.abs(s);
    if (a > peak) peak = a;
    quiet = a < PSI_TOLERANCE * peak ? quiet + 1 : 0;
    if (k > q && quiet > Math.max(p, 1)) break;
  }
  return buf.subarray(0, Math.min(k + 1, buf.length));
}

/** Autocovariances γ_0..γ_maxLag of the model with unit innovation variance. */
export function unitAutocovariance(m: Arma, maxLag: number): number[] {
  const out = new Array<number>(maxLag + 1).fill(0);
  if (isLowOrder(m)) {
    const phi = m.phi[0] ?? 0;
    const a = phi + (m.theta[0] ?? 0);
    const tail = (a * a) / (1 - phi * phi);
    out[0] = 1 + tail;
    for (let h = 1; h <= maxLag; h++) out[h] = a * phi ** (h - 1) + tail * phi ** h;
    return out;
  }
  const psi = psiWeights(m);
  for (let h = 0; h <= maxLag; h++) {
    let s = 0;
    for (let k = 0; k + h < psi.length; k++) s += psi[k]! * psi[k + h]!;
    out[h] = s;
  }
  return out;
}

/** Σ_k ψa_k ψb_k: the lag-0 covariance of two models driven by perfectly correlated unit innovations. */
export function crossPsiSum(a: Arma, b: Arma): number {
  if (isLowOrder(a) && isLowOrder(b)) {
    const pa = a.phi[0] ?? 0;
    const pb = b.phi[0] ?? 0;
    return 1 + ((pa + (a.theta[0] ?? 0)) * (pb + (b.theta[0] ?? 0))) / (1 - pa * pb);
  }
  const x = psiWeights(a);
  const y = psiWeights(b);
  let s = 0;
  for (let k = 0; k < Math.min(x.length, y.length); k++) s += x[k]! * y[k]!;
  return s;
}

/**
 * Cholesky factor of the stationary joint covariance (unit innovation
 * variance) of the state (y_{-1}..y_{-p}, e_{-1}..e_{-q}), used to start the
 * recursion in its stationary distribution instead of burning in.
 */
export function stationaryStateFactor(m: Arma): Matrix {
  const p = m.phi.length;
  const q = m.theta.length;
  const size = p + q;
  if (size === 0) return [];
  const gamma = unitAutocovariance(m, Math.max(p - 1, 0));
  const psi = isLowOrder(m) ? [1, (m.phi[0] ?? 0) + (m.theta[0] ?? 0)] : Array.from(psiWeights(m).subarray(0, q + 1));
  const cov: Matrix = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) cov[i]![j] = gamma[Math.abs(i - j)]!;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < q; j++) {
      // y_{-(i+1)} contains e_{-(j+1)} with weight ψ_{j-i} when j ≥ i
      const c = j >= i ? (psi[j - i] ?? 0) : 0;
      cov[i]![p + j] = c;
      cov[p + j]![i] = c;
    }
  }
  for (let j = 0; j < q; j++) cov[p + j]![p + j] = 1;
  return cholesky(cov, true) ?? diagonalFactor(cov);
}

function diagonalFactor(cov: Matrix): Matrix {
  return cov.map((row, i) => row.map((_, j) => (i === j ? Math.sqrt(Math.max(0, cov[i]![i]!)) : 0)));
}
