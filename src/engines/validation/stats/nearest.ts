/** A set of equal-length vectors stored row after row. */
export interface VectorSet {
  count: number;
  dim: number;
  data: Float64Array;
}

export interface NearestTwo {
  /** Distance of each query to its nearest vector of the base set. */
  first: Float64Array;
  /** Distance to the second nearest (Infinity when the base has one vector). */
  second: Float64Array;
}

/**
 * Euclidean distance of every query to its nearest and second-nearest base
 * vector, by exhaustive search with early termination once a partial sum
 * exceeds the current second best.
 */
export function nearestTwo(queries: VectorSet, base: VectorSet): NearestTwo {
  if (queries.dim !== base.dim) throw new RangeError(`vector sizes differ: ${queries.dim} vs ${base.dim}`);
  const dim = queries.dim;
  const first = new Float64Array(queries.count);
  const second = new Float64Array(queries.count);
  const q = queries.data;
  const b = base.data;
  for (let i = 0; i < queries.count; i++) {
    const qo = i * dim;
    let d1 = Infinity;
    let d2 = Infinity;
    for (let j = 0; j < base.count; j++) {
      const bo = j * dim;
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const diff = q[qo + k]! - b[bo + k]!;
        s += diff * diff;
        if (s >= d2) break;
      }
      if (s < d1) {
        d2 = d1;
        d1 = s;
      } else if (s < d2) {
        d2 = s;
      }
    }
    first[i] = Math.sqrt(d1);
    second[i] = Math.sqrt(d2);
  }
  return { first, second };
}
