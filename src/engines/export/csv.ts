import type { TimeSeries } from '../../core/types.js';
import { ByteChunks, NUMBER_BYTES, TIMESTAMP_BYTES, utf8 } from './bytes.js';
import { unionColumns, type ResolvedOptions } from './options.js';

const COMMA = 44;
const LF = 10;

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
 * order given. Yields chunks of about options.chunkBytes.
 */
export function* csvChunks(series: readonly TimeSeries[], options: ResolvedOptions): Generator<Uint8Array> {
  const columns = unionColumns(series);
  const out = new ByteChunks(options.chunkBytes);
  const header = utf8(csvHeader(columns));
  out.reserve(header.length); // the first bytes: nothing to cut yet
  out.bytes(header);
  for (const s of series) yield* csvRowsUnder(columns, s, options, out);
  const last = out.take();
  if (last) yield last;
}

/** The header line over the value columns. */
export function csvHeader(columns: readonly string[]): string {
  return `${['timestamp', 'series', ...columns].map(csvField).join(',')}\n`;
}

/**
 * The rows of one series under a header of `columns` (which may hold columns
 * the series lacks), written into `out`; yields the chunks that fill up.
 */
export function* csvRowsUnder(
  columns: readonly string[],
  s: TimeSeries,
  options: ResolvedOptions,
  out: ByteChunks,
): Generator<Uint8Array> {
  const id = utf8(`,${csvField(s.name)}`);
  const byName = new Map(s.columns.map((c) => [c.name, c]));
  const picked = columns.map((name) => byName.get(name));
  const values = picked.map((c) => c?.values);
  // Categorical columns are written as their level text (quoted when needed).
  const levels = picked.map((c) => c?.levels?.map((l) => utf8(csvField(l))));
  let rowBytes = TIMESTAMP_BYTES + id.length + 1;
  for (const lv of levels) rowBytes += 1 + (lv ? lv.reduce((m, b) => Math.max(m, b.length), 0) : NUMBER_BYTES);
  const { timestamps: format } = options;
  const ts = s.timestamps;
  for (let i = 0; i < ts.length; i++) {
    const cut = out.reserve(rowBytes);
    if (cut) yield cut;
    out.timestamp(ts[i]!, format);
    out.bytes(id);
    for (let j = 0; j < values.length; j++) {
      out.byte(COMMA);
      const v = values[j];
      if (!v) continue;
      const x = v[i]!;
      const lv = levels[j];
      if (lv) {
        const text = lv[x];
        if (text) out.bytes(text);
      } else if (!Number.isNaN(x)) out.number(x);
    }
    out.byte(LF);
  }
}
