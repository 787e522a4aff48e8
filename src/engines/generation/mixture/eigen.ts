/**
 * Eigen-decomposition of a symmetric matrix, by ml-matrix's symmetric EVD
 * (Householder tridiagonalisation and implicit QL, as in JAMA / EISPACK
 * tred2 + tql2): n³ work once instead of per sweep, several times faster than
 * cyclic Jacobi on the few hundred dimensions of a flattened window.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  values: Float64Array;
  /** Eigenvectors as rows (row k belongs to values[k]), each of length n, unit length, largest entry positive. */
  vectors: Float64Array;
}

/** Eigenvalues and eigenvectors of the symmetric n×n row-major matrix `a` (not modified). */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, a[i * n + j]!);
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const raw = evd.realEigenvalues;
  const v = evd.eigenvectorMatrix;
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => raw[y]! - raw[x]! || x - y);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((k, r) => {
    values[r] = raw[k]!;
    // The sign of an eigenvector is arbitrary: fix it so the model does not depend on the solver's choice.
    let big = 0;
    for (let i = 0; i < n; i++) if (Math.abs(v.get(i, k)) > Math.abs(big)) big = v.get(i, k);
    const s = big < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) vectors[r * n + i] = s * v.get(i, k);
  });
  return { values, vectors };
}
