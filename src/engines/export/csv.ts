import type { TimeSeries } from '../../core/types.js';
import { formatTimestamp, unionColumns, type ResolvedOptions } from './options.js';

/** RFC 4180 quoting: a field with a comma, quote, CR or LF is quoted, inner quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A value as the shortest text that reads back to the same double; empty for missing (NaN). */
export function csvNumber(v: number): string {
  return Number.isNaN(v) ? '' : String(v);
}

/**
 * Wide CSV, one line per row, LF line ends:
 *   timestamp,series,<every column of every series, in first-seen order>
 * `series` is the series name (not its storage id); a column a series lacks,
 * or a missing value, is an empty field. Series follow one another in the
 * order given.
 */
export function* csvPieces(series: readonly TimeSeries[], options: ResolvedOptions): Generator<string> {
  const columns = unionColumns(series);
  yield `${['timestamp', 'series', ...columns].map(csvField).join(',')}\n`;
  for (const s of series) {
    const id = csvField(s.name);
    const byName = new Map(s.columns.map((c) => [c.name, c]));
    const picked = columns.map((name) => byName.get(name));
    const values = picked.map((c) => c?.values);
    // Categorical columns are written as their level text (quoted when needed).
    const levels = picked.map((c) => c?.levels?.map(csvField));
    for (let i = 0; i < s.timestamps.length; i++) {
      let line = `${formatTimestamp(s.timestamps[i]!, options.timestamps)},${id}`;
      for (let j = 0; j < values.length; j++) {
        const v = values[j];
        const lv = levels[j];
        line += v ? `,${lv ? (lv[v[i]!] ?? '') : csvNumber(v[i]!)}` : ',';
      }
      yield `${line}\n`;
    }
  }
}
