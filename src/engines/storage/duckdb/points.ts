import { BIGINT, DOUBLE, DuckDBDataChunk, INTEGER, SMALLINT } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBResult, DuckDBValue } from '@duckdb/node-api';
import type { Aggregation, TimeSeries } from '../../../core/types.js';

/** Rows per appended chunk: DuckDB's vector size. */
const CHUNK_ROWS = 2048;

/** The col of the rows that carry the timestamps of a series with no value column. */
export const TIMESTAMPS_ONLY = -1;

/**
 * Append the points of a series to `points` through the appender, column
 * after column, in whole data chunks. Runs inside the caller's transaction.
 */
export async function appendPoints(c: DuckDBConnection, sid: number, s: TimeSeries): Promise<void> {
  const n = s.timestamps.length;
  if (n === 0) return;
  const appender = await c.createAppender('points');
  try {
    const chunk = DuckDBDataChunk.create([INTEGER, SMALLINT, INTEGER, BIGINT, DOUBLE], CHUNK_ROWS);
    const carriers: [number, Float64Array | undefined][] = s.columns.length
      ? s.columns.map((col, k) => [k, col.values])
      : [[TIMESTAMPS_ONLY, undefined]];
    for (const [col, values] of carriers) {
      for (let off = 0; off < n; off += CHUNK_ROWS) {
        const m = Math.min(CHUNK_ROWS, n - off);
        chunk.reset();
        chunk.rowCount = m;
        const vSid = chunk.getColumnVector(0);
        const vCol = chunk.getColumnVector(1);
        const vI = chunk.getColumnVector(2);
        const vTs = chunk.getColumnVector(3);
        const vV = chunk.getColumnVector(4);
        for (let r = 0; r < m; r++) {
          const i = off + r;
          vSid.setItem(r, sid);
          vCol.setItem(r, col);
          vI.setItem(r, i);
          vTs.setItem(r, BigInt(s.timestamps[i]!));
          const v = values ? values[i]! : NaN;
          vV.setItem(r, Number.isNaN(v) ? null : v);
        }
        vSid.flush();
        vCol.flush();
        vI.flush();
        vTs.flush();
        vV.flush();
        appender.appendDataChunk(chunk);
      }
    }
  } finally {
    appender.closeSync();
  }
}

/** Inclusive row-index window [lo, hi] of a series; empty when hi < lo. */
export interface RowWindow {
  lo: number;
  hi: number;
}

/** The row indexes whose timestamps fall in [start, end] (timestamps are non-decreasing, so they are contiguous). */
export async function rowWindow(
  c: DuckDBConnection,
  sid: number,
  carrier: number,
  start: number,
  end: number,
): Promise<RowWindow> {
  const r = await c.runAndReadAll(
    'SELECT min(i), max(i) FROM points WHERE sid = $1 AND col = $2 AND ts BETWEEN $3 AND $4',
    [sid, carrier, start, end],
    [INTEGER, SMALLINT, BIGINT, BIGINT],
  );
  const [lo, hi] = r.getRowsJS()[0] as [number | null, number | null];
  return lo === null || hi === null ? { lo: 0, hi: -1 } : { lo, hi };
}

const inList = (cols: readonly number[]) => cols.map((k) => String(Math.trunc(k))).join(', ');

async function forEachChunk(result: DuckDBResult, visit: (chunk: DuckDBDataChunk) => void): Promise<void> {
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return;
    visit(chunk);
  }
}

const num = (v: DuckDBValue): number => (v === null ? NaN : typeof v === 'bigint' ? Number(v) : (v as number));

/**
 * Read rows [lo, hi] of the given columns. `carrier` is the column whose
 * rows supply the timestamps (the first requested one, or TIMESTAMPS_ONLY).
 * Each row lands at its index, so no ORDER BY is needed.
 */
export async function readRows(
  c: DuckDBConnection,
  sid: number,
  cols: readonly number[],
  carrier: number,
  window: RowWindow,
): Promise<{ timestamps: Float64Array; values: Float64Array[] }> {
  const n = Math.max(0, window.hi - window.lo + 1);
  const timestamps = new Float64Array(n);
  const values = cols.map(() => new Float64Array(n));
  if (n === 0) return { timestamps, values };
  const all = cols.includes(carrier) ? cols : [carrier, ...cols];
  const slot = new Map(cols.map((k, j) => [k, j]));
  const result = await c.stream(
    `SELECT col, i, ts, v FROM points WHERE sid = $1 AND col IN (${inList(all)}) AND i BETWEEN $2 AND $3`,
    [sid, window.lo, window.hi],
    [INTEGER, INTEGER, INTEGER],
  );
  const lo = window.lo;
  await forEachChunk(result, (chunk) => {
    const vCol = chunk.getColumnVector(0);
    const vI = chunk.getColumnVector(1);
    const vTs = chunk.getColumnVector(2);
    const vV = chunk.getColumnVector(3);
    for (let r = 0; r < chunk.rowCount; r++) {
      const col = vCol.getItem(r) as number;
      const at = (vI.getItem(r) as number) - lo;
      if (col === carrier) timestamps[at] = num(vTs.getItem(r));
      const j = slot.get(col);
      if (j !== undefined) values[j]![at] = num(vV.getItem(r));
    }
  });
  return { timestamps, values };
}

const AGGREGATE_SQL: Record<Aggregation, string> = {
  avg: 'avg(v)',
  min: 'min(v)',
  max: 'max(v)',
  sum: 'sum(v)',
  count: 'count(v)::DOUBLE',
  first: 'arg_min(v, i) FILTER (WHERE v IS NOT NULL)',
  last: 'arg_max(v, i) FILTER (WHERE v IS NOT NULL)',
};

/**
 * Aggregate rows [lo, hi] into epoch-aligned buckets of bucketMs (a floor
 * modulo, so buckets before 1970 align too). Every column of a series has a
 * row at every index, so all columns share one ordered list of buckets.
 */
export async function readBuckets(
  c: DuckDBConnection,
  sid: number,
  cols: readonly number[],
  carrier: number,
  window: RowWindow,
  bucketMs: number,
  aggregation: Aggregation,
  limit: number | undefined,
): Promise<{ timestamps: Float64Array; values: Float64Array[] }> {
  const all = cols.includes(carrier) ? cols : [carrier, ...cols];
  const buckets: number[] = [];
  const perColumn = new Map<number, number[]>(all.map((k) => [k, []]));
  if (window.hi >= window.lo) {
    const result = await c.stream(
      `SELECT col, ts - ((ts % $4) + $4) % $4 AS bucket, ${AGGREGATE_SQL[aggregation]} AS agg
         FROM points WHERE sid = $1 AND col IN (${inList(all)}) AND i BETWEEN $2 AND $3
        GROUP BY col, bucket ORDER BY col, bucket`,
      [sid, window.lo, window.hi, bucketMs],
      [INTEGER, INTEGER, INTEGER, BIGINT],
    );
    await forEachChunk(result, (chunk) => {
      const vCol = chunk.getColumnVector(0);
      const vBucket = chunk.getColumnVector(1);
      const vAgg = chunk.getColumnVector(2);
      for (let r = 0; r < chunk.rowCount; r++) {
        const col = vCol.getItem(r) as number;
        if (col === carrier) buckets.push(num(vBucket.getItem(r)));
        perColumn.get(col)!.push(num(vAgg.getItem(r)));
      }
    });
  }
  const n = limit === undefined ? buckets.length : Math.min(limit, buckets.length);
  return {
    timestamps: Float64Array.from(buckets.slice(0, n)),
    values: cols.map((k) => Float64Array.from(perColumn.get(k)!.slice(0, n))),
  };
}
