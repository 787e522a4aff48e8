import { TsiotError } from '../../../core/errors.js';
import { crossPsiSum, unitAutocovariance } from './arma.js';
import { cholesky, type Matrix } from './linalg.js';
import type { SensorModel } from './sensor-model.js';

/** How the sensors' innovation streams are mixed on every device. */
export interface CorrelationPlan {
  /** Lower-triangular factor applied to the independent unit streams each chunk. */
  factor: Matrix;
  /**
   * 1 when the target is reached; below 1 when the sensors' noise spectra
   * differ too much for the target, and every off-diagonal entry was scaled
   * by this factor to the nearest attainable matrix.
   */
  attainable: number;
}

const SYMMETRY_TOLERANCE = 1e-9;
const EXAMPLE = [
  [1, 0.8],
  [0.8, 1],
];

/**
 * Validate the target correlation of the sensors' noise and derive the
 * Cholesky mixing of their innovation streams.
 *
 * Mixing innovations with correlation r gives two ARMA outputs the correlation
 * r · c, where c = Σψa ψb / √(Σψa² Σψb²) ≤ 1 measures how alike their noise
 * spectra are; the innovations are therefore mixed with target / c so the
 * noise itself shows the target.
 */
export function resolveCorrelation(
  matrix: number[][] | undefined,
  sensors: readonly SensorModel[],
): CorrelationPlan | null {
  if (!matrix) return null;
  const m = sensors.length;
  const fail = (message: string, field = 'correlation') =>
    new TsiotError('invalid_input', `${field}: ${message}`, {
      details: { field: field.replace(/\[(\d+)\]/g, '.$1'), example: EXAMPLE },
      hint: `Give a ${m}×${m} matrix (one row and column per sensor, in the order of sensors), symmetric, with ones on the diagonal and positive definite.`,
    });
  if (matrix.length !== m || matrix.some((row) => row.length !== m)) {
    throw fail(
      `expected a ${m}×${m} matrix (one row and column per sensor), got ${matrix.length}×${matrix[0]?.length ?? 0}${matrix.some((r) => r.length !== matrix[0]?.length) ? ' with rows of different lengths' : ''}`,
    );
  }
  let offDiagonal = false;
  for (let i = 0; i < m; i++) {
    if (Math.abs(matrix[i]![i]! - 1) > SYMMETRY_TOLERANCE)
      throw fail(`the diagonal must be 1, got ${matrix[i]![i]}`, `correlation[${i}][${i}]`);
    for (let j = 0; j < i; j++) {
      const v = matrix[i]![j]!;
      if (Math.abs(v - matrix[j]![i]!) > SYMMETRY_TOLERANCE) {
        throw fail(
          `the matrix must be symmetric, but [${i}][${j}] = ${v} and [${j}][${i}] = ${matrix[j]![i]}`,
          `correlation[${i}][${j}]`,
        );
      }
      if (v !== 0) {
        offDiagonal = true;
        for (const k of [i, j]) {
          const s = sensors[k]!;
          if (s.kind === 'binary' || s.noise.std === 0) {
            throw fail(
              `sensor "${s.name}" has ${s.kind === 'binary' ? 'no continuous noise (it is a 0/1 state)' : 'no noise (noise.std and noise.arStd are 0)'}, so its correlation with "${sensors[k === i ? j : i]!.name}" must be 0`,
              `correlation[${i}][${j}]`,
            );
          }
        }
      }
    }
  }
  if (!cholesky(matrix))
    throw fail(
      'the matrix is not positive definite (no set of sensors can have these pairwise correlations together); weaken the off-diagonal entries',
    );
  if (!offDiagonal) return null;

  const target = innovationTarget(matrix, sensors);
  let attainable = 1;
  let factor = cholesky(target);
  if (!factor) {
    // bisect the largest scale of the off-diagonal entries that still gives a valid matrix
    let lo = 0;
    let hi = 1;
    for (let it = 0; it < 50; it++) {
      const mid = (lo + hi) / 2;
      if (cholesky(shrink(target, mid))) lo = mid;
      else hi = mid;
    }
    attainable = lo;
    factor = cholesky(shrink(target, lo)) ?? identity(m);
  }
  return { factor, attainable };
}

function innovationTarget(matrix: number[][], sensors: readonly SensorModel[]): Matrix {
  const m = sensors.length;
  const out: Matrix = Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => (i === j ? 1 : 0)));
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < i; j++) {
      const r = matrix[i]![j]!;
      if (r === 0) continue;
      const a = sensors[i]!.noise.arma;
      const b = sensors[j]!.noise.arma;
      const c = crossPsiSum(a, b) / Math.sqrt(unitAutocovariance(a, 0)[0]! * unitAutocovariance(b, 0)[0]!);
      // spectra that barely overlap cannot carry the target; the shrink step below scales it down
      const v = Math.max(-1e6, Math.min(1e6, r / c));
      out[i]![j] = v;
      out[j]![i] = v;
    }
  }
  return out;
}

function shrink(a: Matrix, s: number): Matrix {
  return a.map((row, i) => row.map((v, j) => (i === j ? 1 : v * s)));
}

function identity(m: number): Matrix {
  return Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => (i === j ? 1 : 0)));
}
