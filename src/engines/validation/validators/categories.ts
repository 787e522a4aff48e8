/** Counting the levels of a categorical column (values index `levels`; NaN is missing) over several series. */
import type { TimeSeries } from '../../../core/types.js';

/** Counts per level text (null: missing) of one column over every series that has it. */
export function categoryShares(
  series: readonly TimeSeries[],
  column: string,
): {
  counts: Map<string | null, number>;
  total: number;
} {
  const counts = new Map<string | null, number>();
  let total = 0;
  for (const s of series) {
    const c = s.columns.find((x) => x.name === column);
    if (!c) continue;
    const levels = c.levels ?? [];
    for (const v of c.values) {
      const level = Number.isInteger(v) && v >= 0 && v < levels.length ? levels[v]! : Number.isNaN(v) ? null : `#${v}`;
      counts.set(level, (counts.get(level) ?? 0) + 1);
      total++;
    }
  }
  return { counts, total };
}
