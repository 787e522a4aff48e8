/**
 * Pick the rows of a line to draw when it has more than `maxPoints`: split it
 * into equal buckets and keep, in time order, each bucket's first and last
 * row and its smallest and largest value, so spikes and dips stay visible
 * (the M4 idea). Missing values (NaN) are kept where a bucket has one, so a
 * gap still breaks the line. Returns row indices, ascending.
 */
export function downsampleMinMax(values: Float64Array, maxPoints: number): { index: number[]; reduced: boolean } {
  const n = values.length;
  if (n <= maxPoints) return { index: Array.from({ length: n }, (_, i) => i), reduced: false };
  const buckets = Math.max(1, Math.floor(maxPoints / 4));
  const index: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * n) / buckets);
    const hi = Math.floor(((b + 1) * n) / buckets);
    if (hi <= lo) continue;
    let min = -1;
    let max = -1;
    let gap = -1;
    for (let i = lo; i < hi; i++) {
      const v = values[i]!;
      if (Number.isNaN(v)) {
        if (gap < 0) gap = i;
        continue;
      }
      if (min < 0 || v < values[min]!) min = i;
      if (max < 0 || v > values[max]!) max = i;
    }
    const picked = new Set([lo, hi - 1, ...(min >= 0 ? [min, max] : []), ...(gap >= 0 ? [gap] : [])]);
    index.push(...[...picked].sort((a, b) => a - b));
  }
  return { index, reduced: true };
}
