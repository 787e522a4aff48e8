/**
 * PostgreSQL / TimescaleDB backend.
 *
 * URL: postgres://[user[:password]@]host[:port]/database?schema=tsiot&pool=10
 * (postgresql:// too). The password may instead come from PGPASSWORD. The
 * layout (see postgres/schema.ts) is created on first use. A store is one
 * transaction: the series row, then the points through COPY FROM STDIN; any
 * failure rolls everything back. A store that loses its connection is retried
 * as a whole (the data is in memory) and otherwise reported as 'unavailable'.
 */
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { TsiotError, notFound } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import { columnInfo, validateSeries } from '../../../core/series.js';
import type {
  Aggregation,
  ColumnInfo,
  HealthStatus,
  ListQuery,
  ListResult,
  SeriesMetadata,
  SeriesQuery,
  SeriesSummary,
  TimeSeries,
} from '../../../core/types.js';
import { checkListQuery } from '../list-apply.js';
import { CopyRowsParser, copyRows, isoTimestamp } from './copy-codec.js';
import { isPgTransient, mapPgError } from './errors.js';
import { SCHEMA_NAME, ensureSchema, ident, type SchemaInfo } from './schema.js';
import { checkSeriesQuery, labelsFor, selectColumns } from '../query-apply.js';
import { probeHealth, retry, unavailable, withTimeout } from '../remote.js';
import type { Storage, StoreOptions, StoreResult } from '../storage.js';

export interface PostgresStorageOptions {
  /** postgres:// connection URL (credentials are never logged). */
  url: string;
  /** Schema holding the tables (default "tsiot"; from ?schema= in the URL). */
  schema?: string;
  /** Pool size (default 10; from ?pool=). */
  poolSize?: number;
  /** Bound on opening a connection, ms (default 3000). */
  connectTimeoutMs?: number;
  /** Attempts for a store whose connection fails (default 3). */
  storeAttempts?: number;
  logger?: Logger;
}

interface SeriesRow {
  id: string;
  name: string;
  metadata: SeriesMetadata;
  columns: ColumnInfo[];
  labels: TimeSeries['labels'];
  labels_count: number;
  points: string;
  start_ms: number | null;
  end_ms: number | null;
  write_id: string;
}

const URL_PARAMS = ['schema', 'pool'];

/** Split our own parameters off a postgres:// URL; the rest goes to the driver. */
export function parsePostgresUrl(url: string): { connectionString: string; schema?: string; poolSize?: number } {
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? undefined;
  const pool = u.searchParams.get('pool');
  for (const p of URL_PARAMS) u.searchParams.delete(p);
  return { connectionString: u.toString(), ...(schema ? { schema } : {}), ...(pool ? { poolSize: Number(pool) } : {}) };
}

export class PostgresStorage implements Storage {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;
  private readonly schema: string;
  private readonly url: string;
  private readonly storeAttempts: number;
  private readonly logger: Logger | undefined;
  private ready: Promise<SchemaInfo> | undefined;

  constructor(options: PostgresStorageOptions) {
    const parsed = parsePostgresUrl(options.url);
    this.url = options.url;
    this.schema = options.schema ?? parsed.schema ?? 'tsiot';
    if (!SCHEMA_NAME.test(this.schema)) {
      throw new TsiotError(
        'invalid_input',
        `storage: PostgreSQL schema "${this.schema}" must be a lower-case SQL identifier`,
        {
          details: { field: 'schema', expected: SCHEMA_NAME.source, example: 'tsiot' },
        },
      );
    }
    const poolSize = options.poolSize ?? parsed.poolSize ?? 10;
    if (!Number.isInteger(poolSize) || poolSize < 1) {
      throw new TsiotError('invalid_input', 'storage: PostgreSQL pool size must be a positive integer', {
        details: { field: 'pool', example: 10 },
      });
    }
    this.storeAttempts = options.storeAttempts ?? 3;
    this.logger = options.logger;
    this.pool = new pg.Pool({
      connectionString: parsed.connectionString,
      max: poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 3_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: 'tsiot',
    });
    // An idle client whose server went away must not crash the process.
    this.pool.on('error', (e) =>
      this.logger?.warn({ backend: 'postgres', err: e.message }, 'idle PostgreSQL connection failed'),
    );
  }

  private get t(): { series: string; points: string } {
    const s = ident(this.schema);
    return { series: `${s}.series`, points: `${s}.points` };
  }

  async init(): Promise<void> {
    await this.schemaInfo();
  }

  private schemaInfo(): Promise<SchemaInfo> {
    this.ready ??= this.withClient('create schema', (c) => ensureSchema(c, this.schema)).catch((e) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  /** Run `fn` on a pooled client; connection failures become 'unavailable', broken clients are discarded. */
  private async withClient<T>(what: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw unavailable('PostgreSQL', this.url, e, what);
    }
    let broken: Error | undefined;
    // A checked-out client whose socket fails emits 'error'; the failing query reports it too.
    const onError = (e: Error) => {
      broken = e;
    };
    client.on('error', onError);
    try {
      return await fn(client);
    } catch (e) {
      if (isPgTransient(e)) broken ??= e instanceof Error ? e : new Error(String(e));
      throw mapPgError(e, this.url, what);
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async store(series: TimeSeries, options: StoreOptions = {}): Promise<StoreResult> {
    validateSeries(series);
    await this.schemaInfo();
    const writeId = randomUUID();
    await retry((attempt) => this.storeOnce(series, options.overwrite === true, writeId, attempt), {
      attempts: this.storeAttempts,
      baseDelayMs: 250,
      maxDelayMs: 2_000,
      retryable: isPgTransient,
      onRetry: (e, attempt) =>
        this.logger?.warn(
          { backend: 'postgres', id: series.id, attempt, err: (e as Error).message },
          'store interrupted; retrying the whole transaction',
        ),
    });
    return { id: series.id, points: series.timestamps.length, backend: this.kind };
  }

  private storeOnce(series: TimeSeries, overwrite: boolean, writeId: string, attempt: number): Promise<void> {
    const { series: seriesTable, points: pointsTable } = this.t;
    const n = series.timestamps.length;
    const row = [
      series.id,
      series.name,
      JSON.stringify(series.metadata ?? { tags: {} }),
      JSON.stringify(series.columns.map(columnInfo)),
      JSON.stringify(series.labels ?? []),
      n,
      n ? series.timestamps[0]! : null,
      n ? series.timestamps[n - 1]! : null,
      writeId,
    ];
    const insert = `INSERT INTO ${seriesTable} (id, name, metadata, columns, labels, points, start_ms, end_ms, write_id)
      VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6, $7, $8, $9)`;
    return this.withClient(`store of series "${series.id}"`, async (client) => {
      await client.query('BEGIN');
      try {
        if (overwrite) {
          await client.query(
            `${insert} ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, metadata = EXCLUDED.metadata, columns = EXCLUDED.columns,
            labels = EXCLUDED.labels, points = EXCLUDED.points, start_ms = EXCLUDED.start_ms, end_ms = EXCLUDED.end_ms,
            write_id = EXCLUDED.write_id, stored_at = now()`,
            row,
          );
          await client.query(`DELETE FROM ${pointsTable} WHERE series_id = $1`, [series.id]);
        } else {
          const r = await client.query(`${insert} ON CONFLICT (id) DO NOTHING`, row);
          if (r.rowCount === 0) {
            await client.query('ROLLBACK');
            // A retry after a commit whose acknowledgement was lost finds its own write.
            if (attempt > 1) {
              const mine = await client.query(`SELECT 1 FROM ${seriesTable} WHERE id = $1 AND write_id = $2`, [
                series.id,
                writeId,
              ]);
              if (mine.rowCount) return;
            }
            throw new TsiotError('conflict', `series "${series.id}" already exists`, {
              details: { id: series.id },
              hint: 'Pass overwrite: true to replace it, or choose another id.',
            });
          }
        }
        if (n > 0) {
          const copy = client.query(copyStreams.from(`COPY ${pointsTable} (series_id, seq, ts, vals) FROM STDIN`));
          await pipeline(Readable.from(copyRows(series.id, series.timestamps, series.columns)), copy);
        }
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  private async seriesRow(id: string, client?: pg.PoolClient): Promise<SeriesRow | undefined> {
    const sql = `SELECT id, name, metadata, columns, labels, jsonb_array_length(labels) AS labels_count, points, start_ms, end_ms, write_id
      FROM ${this.t.series} WHERE id = $1`;
    const r = client
      ? await client.query<SeriesRow>(sql, [id])
      : await this.query<SeriesRow>(`read of series "${id}"`, sql, [id]);
    return r.rows[0];
  }

  private async query<R extends pg.QueryResultRow>(
    what: string,
    sql: string,
    params: unknown[],
  ): Promise<pg.QueryResult<R>> {
    return this.withClient(what, (c) => c.query<R>(sql, params));
  }

  async retrieve(q: SeriesQuery): Promise<TimeSeries> {
    checkSeriesQuery(q);
    await this.schemaInfo();
    return this.withClient(`read of series "${q.id}"`, async (client) => {
      // One repeatable-read snapshot so the row and its points agree under concurrent overwrites.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const row = await this.seriesRow(q.id, client);
        if (!row) throw notFound('series', q.id);
        const columns = selectColumns(row.columns, q.columns, q.id);
        const indexes = columns.map((c) => row.columns.indexOf(c) + 1);
        const parser = new CopyRowsParser(columns.length);
        const copy = client.query(copyStreams.to(`COPY (${this.dataSql(client, q, indexes)}) TO STDOUT`));
        copy.setEncoding('utf8');
        for await (const chunk of copy) parser.push(chunk as string);
        const { timestamps, values } = parser.finish();
        await client.query('COMMIT');
        const cols = columns.map((c, j) => ({ ...c, values: values[j]! }));
        return {
          id: row.id,
          name: row.name,
          metadata: row.metadata,
          timestamps,
          columns: cols,
          labels: labelsFor(row.labels, q, cols),
        };
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  /** The SELECT feeding COPY TO (which takes no bind parameters: literals are escaped here). */
  private dataSql(client: pg.PoolClient, q: SeriesQuery, indexes: number[]): string {
    const where = [`series_id = ${client.escapeLiteral(q.id)}`];
    if (q.start !== undefined) where.push(`ts >= ${client.escapeLiteral(isoTimestamp(q.start))}::timestamptz`);
    if (q.end !== undefined) where.push(`ts <= ${client.escapeLiteral(isoTimestamp(q.end))}::timestamptz`);
    const limit = q.limit !== undefined ? ` LIMIT ${q.limit}` : '';
    const from = `${this.t.points} WHERE ${where.join(' AND ')}`;
    if (!q.downsample) {
      const vals =
        indexes.length === 0 ? `'{}'::float8[]` : `ARRAY[${indexes.map((i) => `vals[${i}]`).join(', ')}]::float8[]`;
      return `SELECT (extract(epoch FROM ts) * 1000)::float8, ${vals} FROM ${from} ORDER BY ts, seq${limit}`;
    }
    const bucket = `${q.downsample.bucketMs}::numeric`;
    const aggs = indexes.map((i) => aggregateSql(q.downsample!.aggregation, `vals[${i}]`));
    const vals = aggs.length === 0 ? `'{}'::float8[]` : `ARRAY[${aggs.join(', ')}]::float8[]`;
    return `SELECT (floor(ms / ${bucket}) * ${bucket})::float8 AS bucket, ${vals}
      FROM (SELECT extract(epoch FROM ts) * 1000 AS ms, ts, seq, vals FROM ${from}) p
      GROUP BY 1 ORDER BY 1${limit}`;
  }

  async describe(id: string): Promise<SeriesSummary | undefined> {
    await this.schemaInfo();
    const row = await this.seriesRow(id);
    return row ? toSummary(row) : undefined;
  }

  async list(q: ListQuery = {}): Promise<ListResult> {
    checkListQuery(q);
    await this.schemaInfo();
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (q.tags && Object.keys(q.tags).length) add((p) => `metadata->'tags' @> ${p}::jsonb`, JSON.stringify(q.tags));
    if (q.deviceId !== undefined) add((p) => `metadata->>'deviceId' = ${p}`, q.deviceId);
    if (q.generator !== undefined) add((p) => `metadata->>'generator' = ${p}`, q.generator);
    if (q.namePrefix !== undefined) add((p) => `starts_with(name, ${p})`, q.namePrefix);
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    params.push(q.limit ?? null, q.offset ?? 0);
    const r = await this.query<SeriesRow & { total: string }>(
      'list of series',
      `SELECT id, name, metadata, columns, jsonb_array_length(labels) AS labels_count, points, start_ms, end_ms, count(*) OVER () AS total
       FROM ${this.t.series} ${filter} ORDER BY id COLLATE "C" LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    let total = r.rows.length ? Number(r.rows[0]!.total) : 0;
    if (!r.rows.length && (q.offset ?? 0) > 0) {
      const c = await this.query<{ n: string }>(
        'count of series',
        `SELECT count(*) AS n FROM ${this.t.series} ${filter}`,
        params.slice(0, -2),
      );
      total = Number(c.rows[0]!.n);
    }
    return { items: r.rows.map(toSummary), total };
  }

  async delete(id: string): Promise<boolean> {
    await this.schemaInfo();
    return this.withClient(`delete of series "${id}"`, async (client) => {
      await client.query('BEGIN');
      try {
        const r = await client.query(`DELETE FROM ${this.t.series} WHERE id = $1`, [id]);
        await client.query(`DELETE FROM ${this.t.points} WHERE series_id = $1`, [id]);
        await client.query('COMMIT');
        return (r.rowCount ?? 0) > 0;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  async health(): Promise<HealthStatus> {
    return probeHealth(this.kind, this.url, async () => {
      const r = await withTimeout(
        this.pool.query<{ v: string }>('SELECT current_setting($1) AS v', ['server_version']),
        2_000,
        () => new Error('query timed out'),
      );
      const layout = this.ready
        ? (await this.ready.catch(() => undefined))?.hypertable
          ? 'TimescaleDB hypertable'
          : 'plain table with BRIN time index'
        : 'schema not created yet';
      return `PostgreSQL ${r.rows[0]!.v}, ${layout}`;
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function aggregateSql(aggregation: Aggregation, v: string): string {
  switch (aggregation) {
    case 'avg':
      return `avg(${v})`;
    case 'min':
      return `min(${v})`;
    case 'max':
      return `max(${v})`;
    case 'sum':
      return `sum(${v})`;
    case 'count':
      return `count(${v})::float8`;
    case 'first':
      return `(array_agg(${v} ORDER BY ts, seq) FILTER (WHERE ${v} IS NOT NULL))[1]`;
    case 'last':
      return `(array_agg(${v} ORDER BY ts DESC, seq DESC) FILTER (WHERE ${v} IS NOT NULL))[1]`;
  }
}

function toSummary(row: SeriesRow): SeriesSummary {
  return {
    id: row.id,
    name: row.name,
    metadata: row.metadata,
    columns: row.columns,
    points: Number(row.points),
    start: row.start_ms,
    end: row.end_ms,
    labels: Number(row.labels_count),
  };
}
