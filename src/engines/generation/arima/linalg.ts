/** Small dense linear algebra for the ARIMA estimators (systems of a few dozen unknowns). */

/** Solve A x = b by Gaussian elimination with partial pivoting; undefined when A is singular. A is n×n row-major. */
export function solve(a: Float64Array, b: Float64Array, n: number): Float64Array | undefined {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]!) > Math.abs(m[piv * n + col]!)) piv = r;
    const pv = m[piv * n + col]!;
    if (!(Math.abs(pv) > 1e-300)) return undefined;
    if (piv !== col) {
      for (let c = 0; c < n; c++) {
        const t = m[col * n + c]!;
        m[col * n + c] = m[piv * n + c]!;
        m[piv * n + c] = t;
      }
      const t = x[col]!;
      x[col] = x[piv]!;
      x[piv] = t;
    }
    for (let r = col + 1; r < n; r++) {
      const f = m[r * n + col]! / pv;
      if (f === 0) continue;
      for (let c = col; c < n; c++) m[r * n + c]! -= f * m[col * n + c]!;
      x[r]! -= f * x[col]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let v = x[r]!;
    for (let c = r + 1; c < n; c++) v -= m[r * n + c]! * x[c]!;
    x[r] = v / m[r * n + r]!;
  }
  return x;
}

/**
 * Ordinary least squares: rows of the design given by `row(i, out)` filling
 * `k` regressors, targets y[i]. Returns the coefficients, or undefined when the
 * design is rank deficient. A tiny ridge keeps nearly collinear designs solvable.
 */
export function leastSquares(
  count: number,
  k: number,
  row: (i: number, out: Float64Array) => void,
  y: (i: number) => number,
): Float64Array | undefined {
  if (k === 0) return new Float64Array(0);
  const xtx = new Float64Array(k * k);
  const xty = new Float64Array(k);
  const r = new Float64Array(k);
  for (let i = 0; i < count; i++) {
    row(i, r);
    const yi = y(i);
    for (let a = 0; a < k; a++) {
      xty[a]! += r[a]! * yi;
      for (let b = a; b < k; b++) xtx[a * k + b]! += r[a]! * r[b]!;
    }
  }
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < a; b++) xtx[a * k + b] = xtx[b * k + a]!;
    xtx[a * k + a]! *= 1 + 1e-10;
  }
  return solve(xtx, xty, k);
}

/** Lower-triangular Cholesky factor of a symmetric positive semi-definite n×n matrix (row-major); tiny negative pivots are clamped to zero. */
export function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) l[i * n + i] = Math.sqrt(Math.max(0, s));
      else l[i * n + j] = l[j * n + j]! > 0 ? s / l[j * n + j]! : 0;
    }
  }
  return l;
}

/**
 * Lower Cholesky factor of the correlation matrix of a covariance given by
 * its lower triangle (k×k row-major); a variable with no variance gets
 * correlation 0 with the others.
 */
export function correlationCholesky(cov: Float64Array, k: number): Float64Array {
  const corr = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      const den = Math.sqrt(cov[a * k + a]! * cov[b * k + b]!);
      const r = a === b ? 1 : den > 0 ? cov[a * k + b]! / den : 0;
      corr[a * k + b] = r;
      corr[b * k + a] = r;
    }
  }
  return cholesky(corr, k);
}

/** The correlation matrix L·Lᵀ of a Cholesky factor, rounded to 6 decimals for display. */
export function correlationFromCholesky(l: Float64Array, k: number): number[][] {
  return Array.from({ length: k }, (_, a) =>
    Array.from({ length: k }, (_, b) => {
      let s = 0;
      for (let j = 0; j < k; j++) s += l[a * k + j]! * l[b * k + j]!;
      return Math.round(s * 1e6) / 1e6;
    }),
  );
}
