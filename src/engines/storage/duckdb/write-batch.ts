/**
 * The write path of many series at once, inside the caller's transaction:
 * one query finds ids already stored, one allocates every new sid, and one
 * appender per table takes the rows of all of them (series, tags, blocks),
 * with the shape vectors in multi-row inserts. A small store costs a few
 * statements per batch instead of a dozen per series, which is what lets
 * concurrent small stores share one commit (see `GroupCommit`).
 */
import { ARRAY, BIGINT, BLOB, FLOAT, INTEGER, SMALLINT, VARCHAR, arrayValue, blobValue } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { TimeSeries } from '../../../core/types.js';
import { encodeChunk } from '../chunk-codec.js';
import { blockRows } from './blocks.js';
import { runPrepared } from './connections.js';
import { type ColumnEmbedding, EMBEDDING_DIMS } from './embeddings.js';

/** One series ready to write: its row fields and tags encoded, its shape vectors computed. */
export interface BatchItem {
  series: TimeSeries;
  fields: { name: string; metadata: string; columns: string; labels: string };
  tags: readonly (readonly [string, string])[];
  embeddings: readonly ColumnEmbedding[];
}

/** Stored sids of the ids among `ids` that exist. */
export async function existingSids(c: DuckDBConnection, ids: readonly string[]): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  if (ids.length === 1) {
    // the common case (one series per request) as a kept statement
    const r = await runPrepared(c, 'SELECT sid FROM series WHERE id = $1', [String(ids[0])], [VARCHAR]);
    if (r.rowCount) found.set(String(ids[0]), Number(r.getChunk(0).getRowValues(0)[0]));
    return found;
  }
  for (let lo = 0; lo < ids.length; lo += 500) {
    const part = ids.slice(lo, lo + 500);
    const r = await c.runAndReadAll(
      `SELECT id, sid FROM series WHERE id IN (${part.map((_, i) => `$${i + 1}`).join(', ')})`,
      part.map(String),
    );
    for (const [id, sid] of r.getRowsJS()) found.set(String(id), Number(sid));
  }
  return found;
}

/** Append new series (none of whose ids is stored) with their tags, blocks and shape vectors. */
export async function appendSeries(c: DuckDBConnection, items: readonly BatchItem[]): Promise<void> {
  if (!items.length) return;
  if (isFew(items)) return insertFew(c, items);
  const r = await c.runAndReadAll(`SELECT nextval('series_sid') FROM range(${items.length})`);
  const sids = r.getRowsJS().map((row) => Number(row[0]));
  await withAppender(c, 'series', (a) => {
    items.forEach(({ series, fields }, k) => {
      const n = series.timestamps.length;
      const device = series.metadata?.deviceId;
      const generator = series.metadata?.generator;
      a.appendInteger(sids[k]!);
      a.appendVarchar(series.id);
      a.appendVarchar(fields.name);
      if (typeof device === 'string') a.appendVarchar(device);
      else a.appendNull();
      if (typeof generator === 'string') a.appendVarchar(generator);
      else a.appendNull();
      a.appendVarchar(fields.metadata);
      a.appendVarchar(fields.columns);
      a.appendVarchar(fields.labels);
      a.appendInteger(series.labels?.length ?? 0);
      a.appendBigInt(BigInt(n));
      if (n) {
        a.appendBigInt(BigInt(series.timestamps[0]!));
        a.appendBigInt(BigInt(series.timestamps[n - 1]!));
      } else {
        a.appendNull();
        a.appendNull();
      }
      a.endRow();
    });
  });
  if (items.some((i) => i.tags.length))
    await withAppender(c, 'series_tags', (a) => {
      items.forEach(({ tags }, k) => {
        for (const [key, value] of tags) {
          a.appendInteger(sids[k]!);
          a.appendVarchar(key);
          a.appendVarchar(value);
          a.endRow();
        }
      });
    });
  // one block's bytes at a time; the appender copies them
  const scratch = new Float64Array(
    items.reduce(
      (m, { series: s }) =>
        Math.max(m, Math.min(s.timestamps.length, blockRows(s.columns.length)) * (1 + s.columns.length)),
      0,
    ),
  );
  await withAppender(c, 'blocks', (a) => {
    items.forEach(({ series: s }, k) => {
      const n = s.timestamps.length;
      const rows = blockRows(s.columns.length);
      for (let b = 0, lo = 0; lo < n; b++, lo += rows) {
        const hi = Math.min(n, lo + rows);
        a.appendInteger(sids[k]!);
        a.appendInteger(b);
        a.appendInteger(lo);
        a.appendInteger(hi - lo);
        a.appendBigInt(BigInt(s.timestamps[lo]!));
        a.appendBigInt(BigInt(s.timestamps[hi - 1]!));
        a.appendBlob(encodeChunk(s.timestamps, s.columns, lo, hi, scratch));
        a.endRow();
      }
    });
  });
  const vectors = items.flatMap(({ embeddings }, k) => embeddings.map((e) => ({ sid: sids[k]!, ...e })));
  for (let lo = 0; lo < vectors.length; lo += 200) {
    const part = vectors.slice(lo, lo + 200);
    const values: DuckDBValue[] = [];
    const types: DuckDBType[] = [];
    for (const v of part) {
      values.push(v.sid, v.col, v.name, arrayValue(Array.from(v.vec)));
      types.push(INTEGER, SMALLINT, VARCHAR, VECTOR);
    }
    await c.run(
      `INSERT INTO embeddings VALUES ${part.map((_, i) => `($${4 * i + 1}, $${4 * i + 2}, $${4 * i + 3}, $${4 * i + 4})`).join(', ')}`,
      values,
      types,
    );
  }
}

const VECTOR = ARRAY(FLOAT, EMBEDDING_DIMS);

/**
 * Rows per table up to which one-row INSERTs of kept statements beat an
 * appender: creating and closing one costs about what three or four such
 * inserts do (0.3–0.9 ms against 0.1–0.5 ms each, measured inside a
 * transaction on the 2-core machine).
 */
const FEW_ROWS = 4;

function isFew(items: readonly BatchItem[]): boolean {
  let tags = 0;
  let blocks = 0;
  let vectors = 0;
  for (const { series, tags: t, embeddings } of items) {
    tags += t.length;
    blocks += Math.ceil(series.timestamps.length / blockRows(series.columns.length));
    vectors += embeddings.length;
  }
  return items.length <= FEW_ROWS && tags <= FEW_ROWS && blocks <= FEW_ROWS && vectors <= FEW_ROWS;
}

const SERIES_TYPES = [VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, INTEGER, BIGINT, BIGINT, BIGINT];
const TAG_TYPES = [INTEGER, VARCHAR, VARCHAR];
const BLOCK_TYPES = [INTEGER, INTEGER, INTEGER, INTEGER, BIGINT, BIGINT, BLOB];
const VECTOR_TYPES = [INTEGER, SMALLINT, VARCHAR, VECTOR];

/** The rows of a few small series, each one INSERT of a kept statement (see FEW_ROWS). */
async function insertFew(c: DuckDBConnection, items: readonly BatchItem[]): Promise<void> {
  for (const { series: s, fields, tags, embeddings } of items) {
    const n = s.timestamps.length;
    const device = s.metadata?.deviceId;
    const generator = s.metadata?.generator;
    // the sid drawn in the insert itself: one statement fewer
    const inserted = await runPrepared(
      c,
      `INSERT INTO series VALUES (nextval('series_sid'), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING sid`,
      [
        s.id,
        fields.name,
        typeof device === 'string' ? device : null,
        typeof generator === 'string' ? generator : null,
        fields.metadata,
        fields.columns,
        fields.labels,
        s.labels?.length ?? 0,
        BigInt(n),
        n ? BigInt(s.timestamps[0]!) : null,
        n ? BigInt(s.timestamps[n - 1]!) : null,
      ],
      SERIES_TYPES,
    );
    // read from the materialized result itself: getRowsJS would be one more trip to DuckDB's threads
    const sid = Number(inserted.getChunk(0).getRowValues(0)[0]);
    for (const [key, value] of tags)
      await runPrepared(c, 'INSERT INTO series_tags VALUES ($1, $2, $3)', [sid, key, value], TAG_TYPES);
    const rows = blockRows(s.columns.length);
    for (let b = 0, lo = 0; lo < n; b++, lo += rows) {
      const hi = Math.min(n, lo + rows);
      await runPrepared(
        c,
        'INSERT INTO blocks VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [
          sid,
          b,
          lo,
          hi - lo,
          BigInt(s.timestamps[lo]!),
          BigInt(s.timestamps[hi - 1]!),
          blobValue(encodeChunk(s.timestamps, s.columns, lo, hi)),
        ],
        BLOCK_TYPES,
      );
    }
    for (const e of embeddings)
      await runPrepared(
        c,
        'INSERT INTO embeddings VALUES ($1, $2, $3, $4)',
        [sid, e.col, e.name, arrayValue(Array.from(e.vec))],
        VECTOR_TYPES,
      );
  }
}

type Appender = Awaited<ReturnType<DuckDBConnection['createAppender']>>;

async function withAppender(c: DuckDBConnection, table: string, fill: (a: Appender) => void): Promise<void> {
  const a = await c.createAppender(table);
  try {
    fill(a);
  } finally {
    a.closeSync();
  }
}
