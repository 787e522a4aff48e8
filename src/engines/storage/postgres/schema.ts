/**
 * The PostgreSQL layout, created on first use inside one schema:
 *
 *   series(id, name, metadata jsonb, columns jsonb, labels jsonb, points,
 *          start_ms, end_ms, write_id, stored_at)          one row per series
 *   points(series_id, seq, ts timestamptz, vals float8[])   one row per timestamp
 *
 * `vals[i]` is column i (1-based, in the order of series.columns); a missing
 * value is an array NULL. `seq` keeps the stored order of equal timestamps.
 * With the timescaledb extension installed in the database, `points` becomes a
 * hypertable on `ts`; otherwise it is a plain table with a BRIN index on `ts`
 * (cheap to maintain, good for time-ordered appends). A btree on
 * (series_id, ts) serves per-series reads either way.
 */
import type { PoolClient } from 'pg';

/** Quote an identifier validated by `checkSchemaName`. */
export function ident(name: string): string {
  return `"${name}"`;
}

export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface SchemaInfo {
  /** True when `points` is a TimescaleDB hypertable. */
  hypertable: boolean;
}

/** Create the schema, tables and indexes if missing; serialised across processes by an advisory lock. */
export async function ensureSchema(client: PoolClient, schema: string): Promise<SchemaInfo> {
  const s = ident(schema);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tsiot-schema:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.series (
      id text PRIMARY KEY,
      name text NOT NULL,
      metadata jsonb NOT NULL,
      columns jsonb NOT NULL,
      labels jsonb NOT NULL,
      points bigint NOT NULL,
      start_ms double precision,
      end_ms double precision,
      write_id text NOT NULL,
      stored_at timestamptz NOT NULL DEFAULT now()
    )`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.points (
      series_id text NOT NULL,
      seq integer NOT NULL,
      ts timestamptz NOT NULL,
      vals double precision[] NOT NULL
    )`);
    const ext = await client.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`);
    const hypertable = (ext.rowCount ?? 0) > 0;
    if (hypertable) {
      await client.query(`SELECT create_hypertable($1::regclass, 'ts', if_not_exists => TRUE, migrate_data => TRUE)`, [
        `${s}.points`,
      ]);
    } else {
      await client.query(`CREATE INDEX IF NOT EXISTS points_ts_brin ON ${s}.points USING brin (ts)`);
    }
    await client.query(`CREATE INDEX IF NOT EXISTS points_series_ts ON ${s}.points (series_id, ts)`);
    await client.query('COMMIT');
    return { hypertable };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
