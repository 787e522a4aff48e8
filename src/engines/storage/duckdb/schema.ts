import type { DuckDBConnection } from '@duckdb/node-api';
import { TsiotError } from '../../../core/errors.js';
import { INTEGER } from '@duckdb/node-api';
import { appendBlocks } from './blocks.js';
import { inTransaction } from './connections.js';
import { EMBEDDING_DIMS } from './embeddings.js';

/**
 * The on-disk layout, version 2.
 *
 * - `series`: one row per series: its id, the fields `list` filters on
 *   (device_id, generator, name) as plain columns, and the rest (metadata,
 *   column descriptions, labels) as JSON text, plus the summary numbers
 *   (points, start_ms, end_ms, label_count) so `describe`/`list` never touch
 *   the data.
 * - `series_tags`: one row per (series, tag); a tag filter is a semi-join.
 * - `blocks`: the data of a series, one row per block of at most 16 KiB
 *   (duckdb/blocks.ts; rows per block depend on the width): block number b, first row index i0, row count n,
 *   first and last timestamp (BIGINT epoch ms), and the rows as one BLOB in
 *   the chunk codec's layout (timestamps, then each column, float64 with NaN
 *   for missing), as TimescaleDB's compressed chunks and InfluxDB's TSM
 *   blocks keep a series. Storing is a handful of appends of large values,
 *   not a row per value; a time range reads only the blocks whose
 *   [ts_min, ts_max] meets it; a `limit` stops after the blocks it needs.
 *   Every series shares the table, so a fleet of small series costs no more
 *   than its blocks.
 * - `documents`: JSON documents by (collection, id).
 * - `embeddings`: the shape embedding (embedding.ts, EMBEDDING_DIMS floats)
 *   of each stored column that has a shape (constant or empty columns have
 *   none), with the column's name, for similarity search by
 *   array_cosine_distance. A file that lacks it gets it on open and is
 *   backfilled once (duckdb/embeddings.ts).
 *
 * Version 1 kept the data long, one row per (series, column, row index) in
 * `points` (sid, col, i, ts, v; col -1 for a series of timestamps alone). A
 * version 1 file is converted on open, in one transaction, series by series.
 */
export const SCHEMA_VERSION = 2;

const DDL = [
  `CREATE TABLE IF NOT EXISTS tsiot_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
  `CREATE SEQUENCE IF NOT EXISTS series_sid START 1`,
  `CREATE TABLE IF NOT EXISTS series (
     sid INTEGER PRIMARY KEY,
     id VARCHAR NOT NULL UNIQUE,
     name VARCHAR NOT NULL,
     device_id VARCHAR,
     generator VARCHAR,
     metadata VARCHAR NOT NULL,
     columns VARCHAR NOT NULL,
     labels VARCHAR NOT NULL,
     label_count INTEGER NOT NULL,
     points BIGINT NOT NULL,
     start_ms BIGINT,
     end_ms BIGINT
   )`,
  `CREATE TABLE IF NOT EXISTS series_tags (sid INTEGER NOT NULL, key VARCHAR NOT NULL, value VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS blocks (sid INTEGER NOT NULL, b INTEGER NOT NULL, i0 INTEGER NOT NULL, n INTEGER NOT NULL, ts_min BIGINT NOT NULL, ts_max BIGINT NOT NULL, data BLOB NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS documents (collection VARCHAR NOT NULL, id VARCHAR NOT NULL, doc VARCHAR NOT NULL, PRIMARY KEY (collection, id))`,
  `CREATE TABLE IF NOT EXISTS embeddings (sid INTEGER NOT NULL, col SMALLINT NOT NULL, name VARCHAR NOT NULL, vec FLOAT[${EMBEDDING_DIMS}] NOT NULL)`,
];

/**
 * Series stored before every store recorded `metadata.createdAt` get the time
 * of this backfill: the earliest moment now known to have held them, so a
 * cleanup by creation time can reach them from here on.
 */
export async function backfillCreatedAt(c: DuckDBConnection, now: string = new Date().toISOString()): Promise<void> {
  await c.run(
    `UPDATE series SET metadata = json_merge_patch(metadata, json_object('createdAt', $1::VARCHAR))::VARCHAR
     WHERE json_extract_string(metadata, '$.createdAt') IS NULL`,
    [now],
  );
}

/** Create what is missing, convert an older layout, and check the file is of a version this code understands. */
export async function migrate(c: DuckDBConnection): Promise<void> {
  await inTransaction(c, async () => {
    for (const statement of DDL) await c.run(statement);
    const found = await c.runAndReadAll(`SELECT value FROM tsiot_meta WHERE key = 'schema_version'`);
    const version = found.currentRowCount ? Number(found.getRowsJS()[0]![0]) : undefined;
    if (version === undefined) {
      await c.run(`INSERT INTO tsiot_meta VALUES ('schema_version', $1)`, [String(SCHEMA_VERSION)]);
    } else if (version === 1) {
      await convertPointsToBlocks(c);
      await c.run(`UPDATE tsiot_meta SET value = $1 WHERE key = 'schema_version'`, [String(SCHEMA_VERSION)]);
    } else if (version !== SCHEMA_VERSION) {
      throw new TsiotError(
        'unsupported',
        `the DuckDB file has schema version ${version}; this tsiot reads versions 1 and ${SCHEMA_VERSION}`,
        {
          details: { found: version, supported: SCHEMA_VERSION },
          hint: 'Open it with the tsiot version that wrote it, or export and re-import the data.',
        },
      );
    }
  });
}

/** Version 1 → 2: each series' long rows in `points` become its blocks, then `points` goes. */
async function convertPointsToBlocks(c: DuckDBConnection): Promise<void> {
  const series = await c.runAndReadAll('SELECT sid, columns, points FROM series ORDER BY sid');
  for (const [sid, columns, points] of series.getRowsJS() as [number, string, bigint | number][]) {
    const width = (JSON.parse(columns) as unknown[]).length;
    const n = Number(points);
    const timestamps = new Float64Array(n);
    const values = Array.from({ length: width }, () => new Float64Array(n).fill(NaN));
    const carrier = width ? 0 : V1_TIMESTAMPS_ONLY;
    const result = await c.stream('SELECT col, i, ts, v FROM points WHERE sid = $1', [sid], [INTEGER]);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const [vCol, vI, vTs, vV] = [0, 1, 2, 3].map((k) => chunk.getColumnVector(k));
      for (let r = 0; r < chunk.rowCount; r++) {
        const col = vCol!.getItem(r) as number;
        const i = vI!.getItem(r) as number;
        if (col === carrier) timestamps[i] = Number(vTs!.getItem(r) as bigint);
        const v = vV!.getItem(r) as number | null;
        if (col >= 0 && v !== null) values[col]![i] = v;
      }
    }
    await appendBlocks(c, sid, {
      id: '',
      name: '',
      metadata: { tags: {} },
      timestamps,
      columns: values.map((v, k) => ({ name: String(k), values: v })),
      labels: [],
    });
  }
  await c.run('DROP TABLE points');
}

/** The col under which version 1 kept the timestamps of a series with no value column. */
const V1_TIMESTAMPS_ONLY = -1;
