/**
 * How a column's values are mapped to the scale the mixture models, and back.
 *
 * - `standardize`: (x − mean) / std — keeps the data's own shape, so the
 *   mixture's Gaussian tails and any skew it cannot express show in the samples.
 * - `copula`: Φ⁻¹(F̂(x)) with F̂ the column's empirical distribution (a table
 *   of quantiles, linearly interpolated) — a Gaussian copula: every column is
 *   normal on the model's scale, and samples mapped back through F̂⁻¹ have the
 *   column's own marginal distribution (skew, bounds, heavy tails), never
 *   leaving the range seen in training.
 */
import { normalQuantile } from '../arima/simulate.js';
import { normalCdf, quantileTable } from '../statistical/fit/residual.js';

export type MarginalKind = 'standardize' | 'copula';

export interface ColumnMarginal {
  name: string;
  mean: number;
  std: number;
  /** Quantiles at evenly spaced probabilities, smallest first (copula only). */
  quantiles?: number[];
  /** Values the quantiles were taken from (bounds the probabilities used). */
  count?: number;
}

/** Quantiles kept per column. */
const QUANTILES = 1001;

export function fitMarginal(
  name: string,
  values: Float64Array,
  mean: number,
  std: number,
  kind: MarginalKind,
): ColumnMarginal {
  const base = { name, mean, std: std > 0 ? std : 1 };
  if (kind === 'standardize') return base;
  return { ...base, quantiles: quantileTable(values, QUANTILES), count: values.length };
}

/** The value on the model's scale. */
export function toModel(m: ColumnMarginal, x: number): number {
  const q = m.quantiles;
  if (!q) return (x - m.mean) / m.std;
  const last = q.length - 1;
  let u: number;
  if (x <= q[0]!) u = 0;
  else if (x >= q[last]!) u = 1;
  else {
    // The run of table entries equal to x (ties) is searched for its middle.
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (q[mid]! < x) lo = mid;
      else hi = mid;
    }
    let end = hi;
    while (end < last && q[end + 1]! === x) end++;
    if (q[hi]! === x) u = (hi + end) / 2 / last;
    else u = (lo + (x - q[lo]!) / (q[hi]! - q[lo]!)) / last;
  }
  const eps = 0.5 / Math.max(2, m.count ?? q.length);
  return normalQuantile(Math.min(1 - eps, Math.max(eps, u)));
}

/** The value on the data's scale. */
export function fromModel(m: ColumnMarginal, y: number): number {
  const q = m.quantiles;
  if (!q) return y * m.std + m.mean;
  const pos = normalCdf(y) * (q.length - 1);
  const lo = Math.min(q.length - 2, Math.max(0, Math.floor(pos)));
  return q[lo]! + (q[lo + 1]! - q[lo]!) * Math.min(1, Math.max(0, pos - lo));
}
