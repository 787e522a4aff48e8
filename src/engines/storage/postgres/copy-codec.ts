/**
 * PostgreSQL COPY text format, both ways, for the points table
 * (series_id text, seq integer, ts timestamptz, vals double precision[]).
 *
 * Values are written with JavaScript's shortest round-trip formatting and read
 * back from PostgreSQL's shortest-exact float8 output, so doubles survive the
 * trip bit for bit; NaN (missing) travels as an array NULL.
 */
import type { Column } from '../../../core/types.js';

/** Escape a text value for COPY's text format (backslash, tab, newline, CR). */
export function copyText(s: string): string {
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** ISO 8601 UTC with microseconds when the epoch-ms value has a fraction (PostgreSQL keeps µs). */
export function isoTimestamp(ms: number): string {
  if (Number.isInteger(ms)) return new Date(ms).toISOString();
  const micros = Math.round(ms * 1000);
  const whole = Math.floor(micros / 1000);
  const frac = micros - whole * 1000;
  const iso = new Date(whole).toISOString();
  return `${iso.slice(0, -1)}${String(frac).padStart(3, '0')}Z`;
}

function float8(x: number): string {
  if (Number.isNaN(x)) return 'NULL';
  if (x === 0 && 1 / x < 0) return '-0';
  return String(x);
}

/**
 * COPY text rows for a series, yielded in chunks of roughly `chunkBytes`
 * characters so a large series streams with bounded memory. Each chunk is
 * built by appending to one string (faster than joining per-row strings).
 */
export function* copyRows(
  seriesId: string,
  timestamps: Float64Array,
  columns: Column[],
  chunkBytes = 1 << 20,
): Generator<string> {
  const prefix = `${copyText(seriesId)}\t`;
  const n = timestamps.length;
  const k = columns.length;
  const cols = columns.map((c) => c.values);
  let text = '';
  for (let i = 0; i < n; i++) {
    let vals = '';
    for (let j = 0; j < k; j++) vals += (j ? ',' : '') + float8(cols[j]![i]!);
    text += `${prefix}${i}\t${isoTimestamp(timestamps[i]!)}\t{${vals}}\n`;
    if (text.length >= chunkBytes) {
      yield text;
      text = '';
    }
  }
  if (text) yield text;
}

/**
 * Parses COPY text output of `SELECT <ms float8>, <float8[]>` rows into
 * columnar arrays. Feed chunks with `push`, then `finish`.
 */
export class CopyRowsParser {
  private rest = '';
  private readonly ts: number[] = [];
  private readonly cols: number[][];

  constructor(private readonly width: number) {
    this.cols = Array.from({ length: width }, () => []);
  }

  push(chunk: string): void {
    const text = this.rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      this.line(text.slice(start, nl));
      start = nl + 1;
    }
    this.rest = text.slice(start);
  }

  finish(): { timestamps: Float64Array; values: Float64Array[] } {
    if (this.rest) this.line(this.rest);
    this.rest = '';
    return { timestamps: Float64Array.from(this.ts), values: this.cols.map((c) => Float64Array.from(c)) };
  }

  private line(line: string): void {
    const tab = line.indexOf('\t');
    this.ts.push(Number(line.slice(0, tab)));
    if (this.width === 0) return;
    // "{v1,v2,...}": NULL parses to NaN through Number(), as do NaN and the infinities' names.
    const body = line.slice(tab + 2, -1);
    let from = 0;
    for (let j = 0; j < this.width; j++) {
      const comma = j === this.width - 1 ? body.length : body.indexOf(',', from);
      this.cols[j]!.push(Number(body.slice(from, comma)));
      from = comma + 1;
    }
  }
}
