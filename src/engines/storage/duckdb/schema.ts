import type { DuckDBConnection } from '@duckdb/node-api';
import { TsiotError } from '../../../core/errors.js';
import { inTransaction } from './connections.js';
import { EMBEDDING_DIMS } from './embeddings.js';

/**
 * The on-disk layout, version 1.
 *
 * - `series`: one row per series: its id, the fields `list` filters on
 *   (device_id, generator, name) as plain columns, and the rest (metadata,
 *   column descriptions, labels) as JSON text, plus the summary numbers
 *   (points, start_ms, end_ms, label_count) so `describe`/`list` never touch
 *   the points.
 * - `series_tags`: one row per (series, tag); a tag filter is a semi-join.
 * - `points`: long format, one row per (series, column, row index): the
 *   timestamp as BIGINT epoch ms, the value as DOUBLE with NULL for missing.
 *   A series is appended in one transaction, column after column, so its rows
 *   are contiguous and ordered by index, and DuckDB's per-row-group min/max
 *   (zone maps) on sid, i and ts skip everything else: a time range or a
 *   `limit` reads only the row groups it needs, and a downsample is one
 *   GROUP BY. Every series shares the table, so a fleet of small series costs
 *   no more than its rows (a table per series cost 270 kB each on disk).
 *   `i` pairs the values of one row across columns even when timestamps repeat;
 *   a series with no value column keeps its timestamps under col = -1.
 * - `documents`: JSON documents by (collection, id).
 * - `embeddings`: the shape embedding (embedding.ts, EMBEDDING_DIMS floats)
 *   of each stored column that has a shape (constant or empty columns have
 *   none), with the column's name, for similarity search by
 *   array_cosine_distance. Added to version 1 files without a version bump:
 *   a file that lacks it gets it on open and is backfilled once
 *   (duckdb/embeddings.ts).
 */
export const SCHEMA_VERSION = 1;

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
  `CREATE TABLE IF NOT EXISTS points (sid INTEGER NOT NULL, col SMALLINT NOT NULL, i INTEGER NOT NULL, ts BIGINT NOT NULL, v DOUBLE)`,
  `CREATE TABLE IF NOT EXISTS documents (collection VARCHAR NOT NULL, id VARCHAR NOT NULL, doc VARCHAR NOT NULL, PRIMARY KEY (collection, id))`,
  `CREATE TABLE IF NOT EXISTS embeddings (sid INTEGER NOT NULL, col SMALLINT NOT NULL, name VARCHAR NOT NULL, vec FLOAT[${EMBEDDING_DIMS}] NOT NULL)`,
];

/** Create what is missing and check the file is of a version this code understands. */
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

export async function migrate(c: DuckDBConnection): Promise<void> {
  await inTransaction(c, async () => {
    for (const statement of DDL) await c.run(statement);
    const found = await c.runAndReadAll(`SELECT value FROM tsiot_meta WHERE key = 'schema_version'`);
    const version = found.currentRowCount ? Number(found.getRowsJS()[0]![0]) : undefined;
    if (version === undefined) {
      await c.run(`INSERT INTO tsiot_meta VALUES ('schema_version', $1)`, [String(SCHEMA_VERSION)]);
    } else if (version !== SCHEMA_VERSION) {
      throw new TsiotError(
        'unsupported',
        `the DuckDB file has schema version ${version}; this tsiot reads version ${SCHEMA_VERSION}`,
        {
          details: { found: version, supported: SCHEMA_VERSION },
          hint: 'Open it with the tsiot version that wrote it, or export and re-import the data.',
        },
      );
    }
  });
}
