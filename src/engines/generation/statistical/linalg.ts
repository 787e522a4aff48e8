/** Small dense linear algebra for parameter preparation (never in a per-point loop). */

export type Matrix = number[][];

/**
 * Lower-triangular Cholesky factor L with A = L Lᵀ, or null when A is not
 * positive definite. With `semidefinite`, pivots within a relative tolerance of
 * zero are accepted as zero (for covariance matrices that are singular by
 * construction).
 */
export function cholesky(a: Matrix, semidefinite = false): Matrix | null {
  const n = a.length;
  const l: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(a[i]![i]!));
  const tol = semidefinite ? 1e-12 * Math.max(scale, 1e-300) : 0;
  for (let j = 0; j < n; j++) {
    let diag = a[j]![j]!;
    for (let k = 0; k < j; k++) diag -= l[j]![k]! * l[j]![k]!;
    if (!(diag > tol)) {
      if (semidefinite && diag > -tol * 1e3) {
        // zero pivot: this coordinate is a combination of the previous ones
        for (let i = j; i < n; i++) l[i]![j] = 0;
        continue;
      }
      return null;
    }
    const ljj = Math.sqrt(diag);
    l[j]![j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      l[i]![j] = s / ljj;
    }
  }
  return l;
}

/** Solve A x = b by Gaussian elimination with partial pivoting; null when A is singular. */
export function solve(a: Matrix, b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) < 1e-300) return null;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]!;
    for (let r = col + 1; r < n; r++) {
      const row = m[r]!;
      const f = row[col]! / p[col]!;
      if (f === 0) continue;
      for (let c = col; c <= n; c++) row[c] = row[c]! - f * p[c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = m[r]!;
    let s = row[n]!;
    for (let c = r + 1; c < n; c++) s -= row[c]! * x[c]!;
    x[r] = s / row[r]!;
  }
  return x;
}
