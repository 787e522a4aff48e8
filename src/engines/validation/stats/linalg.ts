/**
 * Cholesky factorisation of the leading k×k block of a symmetric positive
 * definite matrix stored row-major with row stride `stride`. Returns the lower
 * factor (k×k, row-major) or null when the block is not positive definite.
 */
export function cholesky(a: Float64Array, stride: number, k: number): Float64Array | null {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * stride + j]!;
      for (let p = 0; p < j; p++) s -= l[i * k + p]! * l[j * k + p]!;
      if (i === j) {
        if (!(s > 1e-12 * Math.abs(a[i * stride + i]!)) || !(s > 0)) return null;
        l[i * k + i] = Math.sqrt(s);
      } else {
        l[i * k + j] = s / l[j * k + j]!;
      }
    }
  }
  return l;
}

/** Solve L Lᵀ x = b for a Cholesky factor L (k×k). */
export function choleskySolve(l: Float64Array, k: number, b: ArrayLike<number>): Float64Array {
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = b[i]!;
    for (let p = 0; p < i; p++) s -= l[i * k + p]! * y[p]!;
    y[i] = s / l[i * k + i]!;
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let p = i + 1; p < k; p++) s -= l[p * k + i]! * x[p]!;
    x[i] = s / l[i * k + i]!;
  }
  return x;
}

/** Normal equations of a least-squares problem: XᵀX (k×k), Xᵀy and yᵀy. */
export interface NormalEquations {
  k: number;
  nobs: number;
  xtx: Float64Array;
  xty: Float64Array;
  yty: number;
}

/**
 * Accumulate the normal equations over rows produced by `row(t, out)`, which
 * fills the k regressors of observation t and returns its target.
 */
export function normalEquations(
  nobs: number,
  k: number,
  row: (t: number, out: Float64Array) => number,
): NormalEquations {
  const xtx = new Float64Array(k * k);
  const xty = new Float64Array(k);
  let yty = 0;
  const x = new Float64Array(k);
  for (let t = 0; t < nobs; t++) {
    const y = row(t, x);
    yty += y * y;
    for (let i = 0; i < k; i++) {
      const xi = x[i]!;
      xty[i]! += xi * y;
      for (let j = 0; j <= i; j++) xtx[i * k + j]! += xi * x[j]!;
    }
  }
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) xtx[j * k + i] = xtx[i * k + j]!;
  return { k, nobs, xtx, xty, yty };
}

export interface OlsFit {
  beta: Float64Array;
  /** Residual sum of squares. */
  rss: number;
  /** Standard error of the first coefficient. */
  se0: number;
  nobs: number;
  k: number;
}

/** OLS on the first `k` regressors of the normal equations; null when they are collinear. */
export function olsFromNormal(ne: NormalEquations, k = ne.k): OlsFit | null {
  const l = cholesky(ne.xtx, ne.k, k);
  if (!l) return null;
  const beta = choleskySolve(l, k, ne.xty);
  let fitted = 0;
  for (let i = 0; i < k; i++) fitted += beta[i]! * ne.xty[i]!;
  const rss = Math.max(0, ne.yty - fitted);
  const e0 = new Float64Array(k);
  e0[0] = 1;
  const inv00 = choleskySolve(l, k, e0)[0]!;
  const dof = ne.nobs - k;
  const se0 = dof > 0 ? Math.sqrt((rss / dof) * inv00) : NaN;
  return { beta, rss, se0, nobs: ne.nobs, k };
}
