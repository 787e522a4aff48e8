/**
 * Binary forms of series data for Redis values: a chunk of rows is its
 * timestamps then each column's values, all little-endian float64, so values
 * (NaN included) and timestamps survive bit for bit; a whole series adds a
 * JSON header (everything but the numbers) in front.
 */
import type { Column, TimeSeries } from '../../core/types.js';

/**
 * Rows [from, to) of a series as one buffer: timestamps, then each column.
 * With `scratch` (large enough) the bytes are written into it and the buffer
 * is a view of it, valid until the next call that writes there: for callers
 * that copy the bytes at once (a DuckDB appender does), so a bulk store does
 * not allocate a buffer per block.
 */
export function encodeChunk(
  timestamps: Float64Array,
  columns: Column[],
  from: number,
  to: number,
  scratch?: Float64Array,
): Buffer {
  const rows = to - from;
  const size = rows * (1 + columns.length);
  const out = scratch && scratch.length >= size ? scratch.subarray(0, size) : new Float64Array(size);
  out.set(timestamps.subarray(from, to), 0);
  columns.forEach((c, j) => {
    out.set(c.values.subarray(from, to), rows * (1 + j));
  });
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** The inverse of encodeChunk for a chunk of `width` columns. */
export function decodeChunk(buf: Buffer, width: number): { timestamps: Float64Array; values: Float64Array[] } {
  // Copy into an aligned buffer: a Redis reply may start at any byte offset.
  const all = new Float64Array(buf.byteLength / 8);
  new Uint8Array(all.buffer).set(buf);
  const rows = all.length / (1 + width);
  return {
    timestamps: all.subarray(0, rows),
    values: Array.from({ length: width }, (_, j) => all.subarray(rows * (1 + j), rows * (2 + j))),
  };
}

/** A whole series: uint32 header length, JSON header, then encodeChunk of every row. */
export function encodeSeries(s: TimeSeries): Buffer {
  const header = Buffer.from(
    JSON.stringify({
      id: s.id,
      name: s.name,
      metadata: s.metadata,
      labels: s.labels,
      columns: s.columns.map(({ values: _values, ...info }) => info),
    }),
    'utf8',
  );
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  return Buffer.concat([len, header, encodeChunk(s.timestamps, s.columns, 0, s.timestamps.length)]);
}

export function decodeSeries(buf: Buffer): TimeSeries {
  const len = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as Omit<TimeSeries, 'timestamps' | 'columns'> & {
    columns: Omit<Column, 'values'>[];
  };
  const data = decodeChunk(buf.subarray(4 + len), header.columns.length);
  return {
    ...header,
    timestamps: data.timestamps.slice(),
    columns: header.columns.map((c, j) => ({ ...c, values: data.values[j]!.slice() })),
  };
}
