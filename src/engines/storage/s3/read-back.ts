/**
 * Reading a stored series back from the text objects the export module wrote
 * for it (one series per object, timestamps as epoch ms):
 *   CSV:    timestamp,series,<columns…>   then `<ms>,<csv-quoted name>,<v>,…`
 *   NDJSON: {"timestamp":<ms>,"series":"<name>","<column>":<v|null>,…}
 * Numbers are the shortest round-trip text of each double, so they read back
 * exactly; an empty CSV field or JSON null is a missing value (NaN).
 */
import { csvField } from '../../export/csv.js';

export interface ParsedRows {
  timestamps: Float64Array;
  values: Float64Array[];
}

/** Parse a single-series CSV export of a series named `name` with `width` value columns. */
export function parseSeriesCsv(text: string, name: string, width: number): ParsedRows {
  const ts: number[] = [];
  const cols: number[][] = Array.from({ length: width }, () => []);
  // The name field may hold quoted commas and line breaks: skip it by its known encoded length.
  const nameField = csvField(name).length;
  let pos = text.indexOf('\n') + 1;
  // The header itself may contain a quoted line break when a column name has one.
  if (pos > 0 && countQuotes(text, 0, pos) % 2 === 1) pos = headerEnd(text);
  while (pos < text.length) {
    const comma = text.indexOf(',', pos);
    ts.push(Number(text.slice(pos, comma)));
    pos = comma + 1 + nameField;
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl;
    let from = pos + 1;
    for (let j = 0; j < width; j++) {
      const next = j === width - 1 ? end : text.indexOf(',', from);
      const field = text.slice(from, next);
      cols[j]!.push(field === '' ? NaN : Number(field));
      from = next + 1;
    }
    pos = end + 1;
  }
  return { timestamps: Float64Array.from(ts), values: cols.map((c) => Float64Array.from(c)) };
}

function countQuotes(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 34) n++;
  return n;
}

/** Index just past the header line, honouring quoted line breaks. */
function headerEnd(text: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\n' && !quoted) return i + 1;
  }
  return text.length;
}

/** Parse a single-series NDJSON export with the given column names. */
export function parseSeriesNdjson(text: string, columns: string[]): ParsedRows {
  const ts: number[] = [];
  const cols: number[][] = columns.map(() => []);
  for (const line of text.split('\n')) {
    if (!line) continue;
    const row = JSON.parse(line) as Record<string, number | null>;
    ts.push(row.timestamp as number);
    columns.forEach((c, j) => {
      cols[j]!.push(row[c] ?? NaN);
    });
  }
  return { timestamps: Float64Array.from(ts), values: cols.map((c) => Float64Array.from(c)) };
}
