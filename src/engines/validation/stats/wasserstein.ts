/**
 * Wasserstein-1 (earth mover's) distance between the empirical distributions
 * of two ascending samples: the area between their distribution functions,
 * ∫ |F_a(x) - F_b(x)| dx. Throws RangeError for an empty sample.
 */
export function wasserstein1Sorted(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) throw new RangeError('Wasserstein distance of an empty sample');
  let i = 0;
  let j = 0;
  let prev = Math.min(a[0]!, b[0]!);
  let total = 0;
  while (i < n || j < m) {
    const next = j >= m || (i < n && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    total += Math.abs(i / n - j / m) * (next - prev);
    while (i < n && a[i]! <= next) i++;
    while (j < m && b[j]! <= next) j++;
    prev = next;
  }
  return total;
}
