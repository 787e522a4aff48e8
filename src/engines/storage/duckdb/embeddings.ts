import { ARRAY, FLOAT, INTEGER, SMALLINT, VARCHAR, arrayValue } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { ColumnInfo, TimeSeries } from '../../../core/types.js';
import { shapeEmbedding } from '../embedding.js';
import { readBlocks } from './blocks.js';

/**
 * The `embeddings` table of the DuckDB backend: one shape vector per stored
 * column (see embedding.ts), written in the store's transaction and searched
 * with DuckDB's array_cosine_distance.
 */

/** Length of the stored shape vectors. */
export const EMBEDDING_DIMS = 64;

/** The shape vector of one column of a series. */
export interface ColumnEmbedding {
  col: number;
  name: string;
  vec: Float32Array;
}

/** True when the vector carries a shape (a constant or empty column gives the zero vector). */
export function hasShape(vec: ArrayLike<number>): boolean {
  for (let i = 0; i < vec.length; i++) if (vec[i] !== 0) return true;
  return false;
}

/** The embeddings of the columns of a series that have a shape. */
export function columnEmbeddings(series: TimeSeries): ColumnEmbedding[] {
  return series.columns
    .map((column, col) => ({ col, name: column.name, vec: shapeEmbedding(column.values, EMBEDDING_DIMS) }))
    .filter((e) => hasShape(e.vec));
}

/** A vector as a typed parameter (DuckDB would guess its element type from the first number). */
const VECTOR = ARRAY(FLOAT, EMBEDDING_DIMS);
const vectorValue = (vec: Float32Array) => arrayValue(Array.from(vec));

/** Insert the embeddings of series `sid`; runs inside the caller's transaction. */
export async function insertEmbeddings(
  c: DuckDBConnection,
  sid: number,
  rows: readonly ColumnEmbedding[],
): Promise<void> {
  for (const { col, name, vec } of rows) {
    await c.run(
      'INSERT INTO embeddings VALUES ($1, $2, $3, $4)',
      [sid, col, name, vectorValue(vec)],
      [INTEGER, SMALLINT, VARCHAR, VECTOR],
    );
  }
}

const BACKFILL_KEY = 'embeddings_backfilled';

/**
 * Give the series of a file written before the `embeddings` table existed
 * their vectors, one column in memory at a time; done once per file (marked
 * in tsiot_meta). Runs inside the caller's transaction.
 */
export async function backfillEmbeddings(c: DuckDBConnection): Promise<void> {
  const done = await c.runAndReadAll(`SELECT 1 FROM tsiot_meta WHERE key = '${BACKFILL_KEY}'`);
  if (done.currentRowCount) return;
  const pending = await c.runAndReadAll(
    `SELECT sid, columns, points FROM series s WHERE points > 0 AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.sid = s.sid) ORDER BY sid`,
  );
  for (const [sid, columns] of pending.getRowsJS() as [number, string][]) {
    const names = (JSON.parse(columns) as ColumnInfo[]).map((info) => info.name);
    const rows: ColumnEmbedding[] = [];
    const { values } = await readBlocks(c, { sid, width: names.length, cols: names.map((_, k) => k) });
    for (let col = 0; col < names.length; col++) {
      const vec = shapeEmbedding(values[col]!, EMBEDDING_DIMS);
      if (hasShape(vec)) rows.push({ col, name: names[col]!, vec });
    }
    await insertEmbeddings(c, sid, rows);
  }
  await c.run(`INSERT INTO tsiot_meta VALUES ('${BACKFILL_KEY}', '1')`);
}

/** The stored vector of one column, or undefined when the column has no shape. */
export async function storedEmbedding(
  c: DuckDBConnection,
  sid: number,
  col: number,
): Promise<Float32Array | undefined> {
  const r = await c.runAndReadAll(
    'SELECT vec FROM embeddings WHERE sid = $1 AND col = $2',
    [sid, col],
    [INTEGER, SMALLINT],
  );
  if (!r.currentRowCount) return undefined;
  const cell = r.getRowsJS()[0]![0] as unknown as number[];
  return Float32Array.from(cell);
}

/** One row of a nearest-neighbour search. */
export interface NearestRow {
  id: string;
  name: string;
  column: string;
  distance: number;
}

/**
 * The stored columns nearest to `vec` by cosine distance, nearest first
 * (ties by series id, then column order, so the answer is deterministic).
 */
export async function nearestColumns(
  c: DuckDBConnection,
  vec: Float32Array,
  options: { limit: number; column?: string; excludeId?: string },
): Promise<NearestRow[]> {
  const params: DuckDBValue[] = [vectorValue(vec)];
  const types: DuckDBType[] = [VECTOR];
  const where: string[] = [];
  const text = (v: string) => {
    params.push(v);
    types.push(VARCHAR);
    return `$${params.length}`;
  };
  if (options.column !== undefined) where.push(`e.name = ${text(options.column)}`);
  if (options.excludeId !== undefined) where.push(`s.id <> ${text(options.excludeId)}`);
  const r = await c.runAndReadAll(
    `SELECT s.id, s.name, e.name, array_cosine_distance(e.vec, $1) AS distance
       FROM embeddings e JOIN series s ON s.sid = e.sid
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY distance, s.id, e.col
      LIMIT ${Math.trunc(options.limit)}`,
    params,
    types,
  );
  return (r.getRowsJS() as [string, string, string, number][]).map(([id, name, column, distance]) => ({
    id,
    name,
    column,
    distance: Math.max(0, Number(distance)),
  }));
}
