/** Mean of a list of losses; null when empty. */
const meanOf = (v: number[]): number | null => (v.length ? v.reduce((s, x) => s + x, 0) / v.length : null);

/**
 * How a training loss moved: the mean of its first and last tenth (at least
 * one value each) and the number of iterations, as model details report it.
 */
export function lossTrend(v: number[]): { first: number | null; last: number | null; iterations: number } {
  const k = Math.max(1, Math.floor(v.length / 10));
  return { first: meanOf(v.slice(0, k)), last: meanOf(v.slice(-k)), iterations: v.length };
}
