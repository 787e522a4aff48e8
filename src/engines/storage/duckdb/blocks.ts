import { BIGINT, INTEGER } from '@duckdb/node-api';
import type { DuckDBBlobValue, DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { Aggregation, Column, TimeSeries } from '../../../core/types.js';
import { decodeChunk, encodeChunk } from '../chunk-codec.js';
import { downsample, lowerBound, upperBound } from '../query-apply.js';

/**
 * Bytes of data per block at most: 16 KiB (2,048 float64 values, e.g. 409 rows
 * of a timestamp and four columns). Large enough that a store is a few
 * thousand appends of BLOBs rather than a row per value, and a short range
 * reads little; small enough that DuckDB keeps each BLOB in its string
 * segments. Far larger BLOBs (195 KB, as 8,192-row blocks of four columns
 * were) each take an overflow block, and a checkpoint then pins all of them:
 * appending 100 such BLOBs and checkpointing, again and again, failed with
 * "failed to pin block" once the table reached the 512 MB memory limit, while
 * 8 KB and 32 KB BLOBs of the same total went to 800 MB and on.
 */
export const BLOCK_BYTES = 16_384;

/** Rows per block of a series with `width` value columns (at least one row). */
export function blockRows(width: number): number {
  return Math.max(1, Math.floor(BLOCK_BYTES / (8 * (1 + width))));
}

/**
 * Append the rows of a series to `blocks`, one row per block of
 * blockRows(width) rows: the block's first row index, row count, first and last timestamp,
 * and its data as chunk-codec bytes (timestamps, then each column, float64).
 * Runs inside the caller's transaction.
 */
export async function appendBlocks(c: DuckDBConnection, sid: number, s: TimeSeries): Promise<void> {
  const n = s.timestamps.length;
  if (n === 0) return;
  const appender = await c.createAppender('blocks');
  // one block's bytes at a time; the appender copies them
  const rows = blockRows(s.columns.length);
  const scratch = new Float64Array(Math.min(n, rows) * (1 + s.columns.length));
  try {
    for (let b = 0, lo = 0; lo < n; b++, lo += rows) {
      const hi = Math.min(n, lo + rows);
      appender.appendInteger(sid);
      appender.appendInteger(b);
      appender.appendInteger(lo);
      appender.appendInteger(hi - lo);
      appender.appendBigInt(BigInt(s.timestamps[lo]!));
      appender.appendBigInt(BigInt(s.timestamps[hi - 1]!));
      appender.appendBlob(encodeChunk(s.timestamps, s.columns, lo, hi, scratch));
      appender.endRow();
    }
  } finally {
    appender.closeSync();
  }
}

/** What to read of one series: inclusive time bounds, the columns (indexes) and the first rows wanted. */
export interface BlockRead {
  sid: number;
  /** Columns the series has (the width of its blocks). */
  width: number;
  cols: readonly number[];
  start?: number;
  end?: number;
  /** Rows wanted (before downsampling); reading stops once it has them. */
  limit?: number;
}

/**
 * The rows of a series in [start, end] for the chosen columns. Only blocks
 * whose [ts_min, ts_max] meets the range are read, in order, and reading
 * stops at `limit` rows.
 */
export async function readBlocks(
  c: DuckDBConnection,
  read: BlockRead,
): Promise<{ timestamps: Float64Array; values: Float64Array[] }> {
  const start = read.start ?? Number.NEGATIVE_INFINITY;
  const end = read.end ?? Number.POSITIVE_INFINITY;
  const params: DuckDBValue[] = [read.sid];
  const types: DuckDBType[] = [INTEGER];
  let where = 'sid = $1';
  if (Number.isFinite(start)) {
    params.push(BigInt(Math.ceil(start)));
    types.push(BIGINT);
    where += ` AND ts_max >= $${params.length}`;
  }
  if (Number.isFinite(end)) {
    params.push(BigInt(Math.floor(end)));
    types.push(BIGINT);
    where += ` AND ts_min <= $${params.length}`;
  }
  const times: Float64Array[] = [];
  const parts: Float64Array[][] = read.cols.map(() => []);
  let rows = 0;
  const limit = read.limit ?? Number.POSITIVE_INFINITY;
  if (limit > 0) {
    const result = await c.stream(`SELECT data FROM blocks WHERE ${where} ORDER BY b`, params, types);
    outer: for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const vData = chunk.getColumnVector(0);
      for (let r = 0; r < chunk.rowCount; r++) {
        const bytes = (vData.getItem(r) as DuckDBBlobValue).bytes;
        const block = decodeChunk(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), read.width);
        const lo = lowerBound(block.timestamps, start);
        const hi = Math.min(upperBound(block.timestamps, end), lo + (limit - rows));
        if (hi > lo) {
          times.push(block.timestamps.subarray(lo, hi));
          for (const [j, k] of read.cols.entries()) parts[j]!.push(block.values[k]!.subarray(lo, hi));
          rows += hi - lo;
        }
        if (rows >= limit) break outer;
      }
    }
  }
  return { timestamps: concat(times, rows), values: parts.map((p) => concat(p, rows)) };
}

/** Rows as readBlocks gives them, aggregated into epoch-aligned buckets (query-apply's rules), the first `limit` buckets. */
export async function readBuckets(
  c: DuckDBConnection,
  read: BlockRead,
  bucketMs: number,
  aggregation: Aggregation,
): Promise<{ timestamps: Float64Array; values: Float64Array[] }> {
  const { limit, ...all } = read;
  const raw = await readBlocks(c, all);
  const columns = raw.values.map((values, j): Column => ({ name: String(j), values }));
  const out = downsample(raw.timestamps, columns, bucketMs, aggregation);
  const n = limit === undefined ? out.timestamps.length : Math.min(limit, out.timestamps.length);
  return { timestamps: out.timestamps.slice(0, n), values: out.columns.map((col) => col.values.slice(0, n)) };
}

function concat(parts: Float64Array[], n: number): Float64Array {
  const out = new Float64Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
