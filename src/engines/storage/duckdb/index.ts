import { DuckDBInstance, INTEGER, VARCHAR } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { TsiotError, notFound } from '../../../core/errors.js';
import { columnInfo, validateSeries } from '../../../core/series.js';
import type {
  AnomalyLabel,
  ColumnInfo,
  HealthStatus,
  ListQuery,
  ListResult,
  SeriesMetadata,
  SeriesQuery,
  SeriesSummary,
  TimeSeries,
} from '../../../core/types.js';
import { writeParquetFile, type ParquetFileOptions } from '../../export/parquet.js';
import { Connections, inTransaction, runPrepared } from './connections.js';
import { openError } from './errors.js';
import { acquireFile, canonicalPath, releaseFile } from './file-locks.js';
import { appendBlocks, readBlocks, readBuckets } from './blocks.js';
import { GroupCommit } from './group-commit.js';
import { appendSeries, existingSids } from './write-batch.js';
import {
  EMBEDDING_DIMS,
  backfillEmbeddings,
  columnEmbeddings,
  hasShape,
  insertEmbeddings,
  nearestColumns,
  storedEmbedding,
} from './embeddings.js';
import { instanceConfig, type DuckDbResourceOptions } from './options.js';
import { backfillCreatedAt, migrate } from './schema.js';
import {
  checkListQuery,
  checkSeriesQuery,
  checkStorableTimestamps,
  labelsFor,
  resolveColumns,
} from './series-query.js';
import { shapeEmbedding } from '../embedding.js';
import type {
  DocumentStore,
  SimilarityMatch,
  SimilarityOptions,
  SimilarityQuery,
  SimilaritySearch,
  Storage,
  StoreOptions,
  StoreResult,
} from '../storage.js';

/**
 * Options of the embedded backend. memoryLimit (default '512MB' for a file,
 * DuckDB's own for ':memory:') and threads: see duckdb/options.ts.
 */
export interface DuckDbStorageOptions extends DuckDbResourceOptions {
  /** A database file path, or ':memory:' for a private in-memory database. */
  path: string;
  /** Reader connections that may run at once. Default 4. */
  maxReaders?: number;
  /** How long `health` waits for its probe query, ms. Default 2000. */
  healthTimeoutMs?: number;
}

/** The stored row of a series, without its points. */
interface SeriesRow {
  sid: number;
  id: string;
  name: string;
  metadata: SeriesMetadata;
  columns: ColumnInfo[];
  labels: AnomalyLabel[];
  labelCount: number;
  points: number;
  start: number | null;
  end: number | null;
}

const SERIES_FIELDS = 'sid, id, name, metadata, columns, labels, label_count, points, start_ms, end_ms';
const SUMMARY_FIELDS = `sid, id, name, metadata, columns, '[]' AS labels, label_count, points, start_ms, end_ms`;

function toSeriesRow(r: DuckDBValue[]): SeriesRow {
  const opt = (v: DuckDBValue) => (v === null ? null : Number(v));
  return {
    sid: Number(r[0]),
    id: r[1] as string,
    name: r[2] as string,
    metadata: JSON.parse(r[3] as string) as SeriesMetadata,
    columns: JSON.parse(r[4] as string) as ColumnInfo[],
    labels: JSON.parse(r[5] as string) as AnomalyLabel[],
    labelCount: Number(r[6]),
    points: Number(r[7]),
    start: opt(r[8]!),
    end: opt(r[9]!),
  };
}

function toSummary(row: SeriesRow): SeriesSummary {
  return {
    id: row.id,
    name: row.name,
    metadata: row.metadata,
    columns: row.columns,
    points: row.points,
    start: row.start,
    end: row.end,
    labels: row.labelCount,
  };
}

function toJson(value: unknown, field: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new TsiotError('invalid_input', `${field} cannot be stored as JSON: ${(cause as Error).message}`, {
      details: { field },
      cause,
    });
  }
  if (text === undefined)
    throw new TsiotError('invalid_input', `${field} cannot be stored as JSON (got ${typeof value})`, {
      details: { field },
    });
  return text;
}

function checkName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TsiotError('invalid_input', `${field}: expected a non-empty string, got ${JSON.stringify(value)}`, {
      details: { field, example: 'reports' },
    });
  }
  return value;
}

/** Most matches findSimilar returns at once. */
export const MAX_SIMILAR = 1000;

function checkLimit(value: unknown): number {
  if (value === undefined) return 10;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_SIMILAR) {
    throw new TsiotError(
      'invalid_input',
      `limit: expected a whole number from 1 to ${MAX_SIMILAR}, got ${JSON.stringify(value)}`,
      { details: { field: 'limit', example: 10 } },
    );
  }
  return value;
}

function checkValues(value: unknown): ArrayLike<number> {
  const ok =
    (Array.isArray(value) || value instanceof Float64Array || value instanceof Float32Array) &&
    Array.prototype.every.call(value, (v: unknown) => typeof v === 'number');
  if (!ok)
    throw new TsiotError('invalid_input', 'values: expected an array of numbers (NaN = missing)', {
      details: { field: 'values', example: [20.1, 20.4, 21.0, 20.7] },
    });
  return value as ArrayLike<number>;
}

function noShape(field: string, why: string): TsiotError {
  return new TsiotError('invalid_input', `${field}: ${why}, so it has no shape to compare`, {
    details: { field },
    hint: 'Search with a column whose values vary.',
  });
}

type PreparedStore = ReturnType<typeof prepareStore>;

/** One storeMany call waiting for its group commit, with the documents written in its commit. */
interface StoreRequest {
  kind: 'series';
  prepared: PreparedStore[];
  overwrite: boolean;
  documents: [string, string, string][];
}

/** One putDocument call waiting for its group commit: collection, id, JSON. */
interface DocumentPut {
  kind: 'document';
  args: [string, string, string];
}

function seriesExists(id: string): TsiotError {
  return new TsiotError('conflict', `series "${id}" already exists`, {
    details: { id },
    hint: 'Store it under another id, delete it first, or pass overwrite: true to replace it.',
  });
}

/** A document put's row, checked and encoded: collection, id, JSON. */
function documentRow(collection: string, id: string, doc: unknown): [string, string, string] {
  return [checkName(collection, 'collection'), checkName(id, 'id'), toJson(doc, 'doc')];
}

/** Write one document, replacing one of the same id, inside the caller's transaction. */
async function putRow(c: DuckDBConnection, row: [string, string, string]): Promise<void> {
  await runPrepared(c, 'INSERT OR REPLACE INTO documents VALUES ($1, $2, $3)', row);
}

/**
 * putRow for a document that is most likely new and whose id sorts after
 * those written before it (an event's log entry): a lookup, then an INSERT
 * (or an UPDATE when it exists after all). DuckDB's INSERT OR REPLACE (like
 * any ON CONFLICT) costs 1.3–3.8 ms a row, this 0.3–0.6 ms: the lookup is a
 * scan of `documents`, which DuckDB's min/max per row group skips almost
 * whole for such an id. The writer runs one transaction at a time, so
 * nothing comes between the two.
 */
async function putNewRow(c: DuckDBConnection, row: [string, string, string]): Promise<void> {
  const [collection, id, doc] = row;
  const found = await runPrepared(c, 'SELECT 1 FROM documents WHERE collection = $1 AND id = $2', [collection, id]);
  if (found.rowCount)
    await runPrepared(c, 'UPDATE documents SET doc = $3 WHERE collection = $1 AND id = $2', [collection, id, doc]);
  else await runPrepared(c, 'INSERT INTO documents VALUES ($1, $2, $3)', row);
}

/** Check a series and encode what is written besides its points, before any transaction starts. */
function prepareStore(series: TimeSeries) {
  validateSeries(series);
  checkStorableTimestamps(series);
  if (series.columns.length > 32_767)
    throw new TsiotError(
      'too_large',
      `series "${series.id}" has ${series.columns.length} columns; at most 32767 are stored`,
    );
  const fields = {
    name: typeof series.name === 'string' ? series.name : '',
    metadata: toJson(series.metadata ?? { tags: {} }, 'metadata'),
    columns: toJson(series.columns.map(columnInfo), 'columns'),
    labels: toJson(series.labels ?? [], 'labels'),
  };
  const tags = Object.entries(series.metadata?.tags ?? {}).map(([k, v]) => [k, String(v)] as const);
  return { series, fields, tags, embeddings: columnEmbeddings(series) };
}

/**
 * The embedded backend: a DuckDB file (or memory) holding series, their
 * points and JSON documents. The default storage of tsiot.
 *
 * Writes go through one connection in call order, each store all-or-nothing
 * (validated before anything is written, so a failed store leaves nothing);
 * stores that arrive while the writer is busy share one commit. Reads run concurrently on a small pool and see committed data
 * only. Layout and rationale: src/engines/storage/duckdb/schema.ts.
 */
export class DuckDbStorage implements Storage, DocumentStore, SimilaritySearch {
  readonly kind = 'duckdb';
  /**
   * This database, as the storage and as the document store: documents
   * passed to a store (StoreOptions.documents) are written in its commit.
   */
  readonly commitScope: object = {};
  private readonly path: string;
  private readonly lockKey: string | undefined;
  private readonly maxReaders: number;
  private readonly healthTimeoutMs: number;
  private readonly config: Record<string, string>;
  private opening: Promise<Connections> | undefined;
  private closing: Promise<void> | undefined;
  /**
   * Series stores and document puts (the event log of those stores, job
   * states) share group commits: one transaction of about 16 MB at most.
   */
  private readonly commits = new GroupCommit<StoreRequest | DocumentPut>(async (c, writes) => {
    const stores = writes.filter((w): w is StoreRequest => w.kind === 'series');
    if (stores.length) await this.writeGroup(c, stores);
    // puts (and a store's documents) in call order, so the later of two puts of one document wins
    for (const w of writes) {
      if (w.kind === 'document') await putRow(c, w.args);
      else for (const row of w.documents) await putNewRow(c, row);
    }
  }, 16_000_000);

  constructor(options: DuckDbStorageOptions) {
    this.path = options.path;
    this.lockKey = options.path === ':memory:' ? undefined : canonicalPath(options.path);
    this.maxReaders = options.maxReaders ?? 4;
    this.healthTimeoutMs = options.healthTimeoutMs ?? 2_000;
    this.config = instanceConfig(options.path, options);
  }

  /** Open the database and create the schema; safe to call more than once. */
  async init(): Promise<void> {
    await this.connections();
  }

  async store(series: TimeSeries, options: StoreOptions = {}): Promise<StoreResult> {
    return (await this.storeMany([series], options))[0]!;
  }

  /**
   * Every series in one transaction, each checked before anything is
   * written: after a crash (even kill -9) either all of them are in the file
   * or none is, since DuckDB replays only committed transactions from its WAL.
   * The documents of `options.documents` go into the same commit.
   */
  async storeMany(list: readonly TimeSeries[], options: StoreOptions = {}): Promise<StoreResult[]> {
    const prepared = list.map((series) => prepareStore(series));
    if (!prepared.length) return [];
    const documents = (options.documents ?? []).map((d) => documentRow(d.collection, d.id, d.doc));
    const cons = await this.connections();
    // concurrent stores share a commit; this request's series are all in it or none is
    // sized in bytes of its float64 values
    const values = list.reduce((n, s) => n + s.timestamps.length * (1 + s.columns.length), 0);
    const docBytes = documents.reduce((n, d) => n + 100 + d[2].length, 0);
    try {
      await this.commits.add(
        cons,
        { kind: 'series', prepared, overwrite: options.overwrite === true, documents },
        8 * values + docBytes,
      );
    } catch (e) {
      throw (await this.takenId(cons, e, list)) ?? e;
    }
    return list.map((series) => ({ id: series.id, points: series.timestamps.length, backend: this.kind }));
  }

  /**
   * The conflict error of a store that failed on the unique series id (a
   * store that replaces nothing does not look its ids up first, see
   * writeGroup), naming the first of its ids already stored; undefined for
   * any other failure.
   */
  private async takenId(cons: Connections, e: unknown, list: readonly TimeSeries[]): Promise<TsiotError | undefined> {
    // DuckDB's own words vary with where the violation surfaced ("Duplicate key", or, from a later statement of
    // the same transaction, "Current transaction is aborted"): any failure that is not already ours is checked
    if (e instanceof TsiotError) return undefined;
    try {
      const found = await cons.read((c) => existingSids(c, [...new Set(list.map((s) => s.id))]));
      const taken = list.find((s) => found.has(s.id));
      return taken && seriesExists(taken.id);
    } catch {
      // the database cannot answer (the failure was of another kind): the original error stands
      return undefined;
    }
  }

  /** The series of several store requests, in the transaction of their group commit. */
  private async writeGroup(c: DuckDBConnection, requests: StoreRequest[]): Promise<void> {
    const items = requests.flatMap((r) => r.prepared.map((p) => ({ p, overwrite: r.overwrite })));
    const ids = items.map((i) => i.p.series.id);
    // a store that replaces nothing needs no lookup: an id already stored fails the unique index on series.id
    const replacing = items.some((i) => i.overwrite);
    if (new Set(ids).size === ids.length && (!replacing || (await existingSids(c, ids)).size === 0)) {
      await appendSeries(
        c,
        items.map((i) => i.p),
      );
      return;
    }
    // a replaced or repeated id: series by series, as each request asked
    for (const { p, overwrite } of items) await this.insertSeries(c, p, { overwrite });
  }

  private async insertSeries(c: DuckDBConnection, p: PreparedStore, options: StoreOptions): Promise<void> {
    const { series, fields, tags, embeddings } = p;
    const n = series.timestamps.length;
    const existing = await this.sidOf(c, series.id);
    if (existing !== undefined) {
      if (!options.overwrite) throw seriesExists(series.id);
      await this.removeSeries(c, existing);
    }
    const sid = Number((await c.runAndReadAll(`SELECT nextval('series_sid')`)).getRowsJS()[0]![0]);
    await c.run(`INSERT INTO series VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, [
      sid,
      series.id,
      fields.name,
      typeof series.metadata?.deviceId === 'string' ? series.metadata.deviceId : null,
      typeof series.metadata?.generator === 'string' ? series.metadata.generator : null,
      fields.metadata,
      fields.columns,
      fields.labels,
      series.labels?.length ?? 0,
      n,
      n ? series.timestamps[0]! : null,
      n ? series.timestamps[n - 1]! : null,
    ]);
    if (tags.length) {
      const appender = await c.createAppender('series_tags');
      try {
        for (const [k, v] of tags) {
          appender.appendInteger(sid);
          appender.appendVarchar(k);
          appender.appendVarchar(v);
          appender.endRow();
        }
      } finally {
        appender.closeSync();
      }
    }
    await appendBlocks(c, sid, series);
    await insertEmbeddings(c, sid, embeddings);
  }

  async retrieve(query: SeriesQuery): Promise<TimeSeries> {
    checkSeriesQuery(query);
    const cons = await this.connections();
    return cons.read(async (c) => {
      const row = await this.seriesRow(c, query.id, SERIES_FIELDS);
      if (!row) throw notFound('series', query.id, 'List the stored series to find its id.');
      const names = row.columns.map((col) => col.name);
      const cols = resolveColumns(row.id, names, query.columns);
      const read = {
        sid: row.sid,
        width: names.length,
        cols,
        ...(query.start !== undefined ? { start: query.start } : {}),
        ...(query.end !== undefined ? { end: query.end } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
      };
      const data = query.downsample
        ? await readBuckets(c, read, query.downsample.bucketMs, query.downsample.aggregation)
        : await readBlocks(c, read);
      const returned = cols.map((k) => names[k]!);
      return {
        id: row.id,
        name: row.name,
        metadata: row.metadata,
        timestamps: data.timestamps,
        columns: cols.map((k, j) => ({ ...row.columns[k]!, values: data.values[j]! })),
        labels: labelsFor(row.labels, query, returned),
      };
    });
  }

  async describe(id: string): Promise<SeriesSummary | undefined> {
    const cons = await this.connections();
    const row = await cons.read((c) => this.seriesRow(c, id, SUMMARY_FIELDS));
    return row && toSummary(row);
  }

  async list(query: ListQuery = {}): Promise<ListResult> {
    checkListQuery(query);
    const where: string[] = [];
    const params: string[] = [];
    const param = (v: string) => `$${params.push(v)}`;
    if (query.deviceId !== undefined) where.push(`device_id = ${param(query.deviceId)}`);
    if (query.generator !== undefined) where.push(`generator = ${param(query.generator)}`);
    if (query.namePrefix !== undefined) where.push(`starts_with(name, ${param(query.namePrefix)})`);
    for (const [k, v] of Object.entries(query.tags ?? {})) {
      where.push(
        `EXISTS (SELECT 1 FROM series_tags t WHERE t.sid = s.sid AND t.key = ${param(k)} AND t.value = ${param(v)})`,
      );
    }
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const types = params.map(() => VARCHAR);
    const page = `${query.limit !== undefined ? ` LIMIT ${query.limit}` : ''}${query.offset ? ` OFFSET ${query.offset}` : ''}`;
    const cons = await this.connections();
    return cons.read(async (c) => {
      const total = Number(
        (await c.runAndReadAll(`SELECT count(*) FROM series s ${filter}`, params, types)).getRowsJS()[0]![0],
      );
      const rows = await c.runAndReadAll(
        `SELECT ${SUMMARY_FIELDS} FROM series s ${filter} ORDER BY id${page}`,
        params,
        types,
      );
      return { items: rows.getRows().map((r) => toSummary(toSeriesRow(r))), total };
    });
  }

  async delete(id: string): Promise<boolean> {
    const cons = await this.connections();
    return cons.write((c) =>
      inTransaction(c, async () => {
        const sid = await this.sidOf(c, id);
        if (sid !== undefined) await this.removeSeries(c, sid);
        return sid !== undefined;
      }),
    );
  }

  async health(): Promise<HealthStatus> {
    const started = performance.now();
    const status = (ok: boolean, detail?: string): HealthStatus => ({
      backend: this.kind,
      ok,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      ...(detail ? { detail } : {}),
    });
    if (this.closing) return status(false, 'closed');
    let timer: NodeJS.Timeout | undefined;
    try {
      const cons = await this.connections();
      const probe = cons.read((c) => c.run('SELECT 1'));
      const timeout = new Promise<'timeout'>(
        (resolve) => (timer = setTimeout(() => resolve('timeout'), this.healthTimeoutMs)),
      );
      if ((await Promise.race([probe, timeout])) === 'timeout') {
        probe.catch(() => undefined);
        return status(false, `no answer within ${this.healthTimeoutMs} ms`);
      }
      return status(true, this.path === ':memory:' ? 'in-memory' : this.path);
    } catch (e) {
      return status(false, e instanceof Error ? e.message : String(e));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Close the database after queued writes and running reads finish; idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const opening = this.opening;
      if (!opening) return;
      try {
        const cons = await opening;
        await cons.close();
      } catch {
        // it never opened: nothing to close
      } finally {
        if (this.lockKey) releaseFile(this.lockKey);
      }
    })();
    return this.closing;
  }

  /**
   * Write the series the queries select to a Parquet file (layout: see
   * src/engines/export/parquet.ts), one series at a time so memory holds one
   * series, not the fleet. The file appears complete or not at all.
   */
  async exportParquet(
    query: SeriesQuery | SeriesQuery[],
    path: string,
    options: ParquetFileOptions = {},
  ): Promise<{ path: string; rows: number; series: number }> {
    const queries = Array.isArray(query) ? query : [query];
    for (const q of queries) checkSeriesQuery(q);
    const rows = await writeParquetFile(this.retrieveEach(queries), path, options);
    return { path, rows, series: queries.length };
  }

  private async *retrieveEach(queries: readonly SeriesQuery[]): AsyncGenerator<TimeSeries> {
    for (const q of queries) yield await this.retrieve(q);
  }

  async putDocument(collection: string, id: string, doc: unknown): Promise<void> {
    const args = documentRow(collection, id, doc);
    const cons = await this.connections();
    // documents written meanwhile (event log entries, job states) share a commit too
    await this.commits.add(cons, { kind: 'document', args }, 100 + args[2].length);
  }

  async getDocument<T = unknown>(collection: string, id: string): Promise<T | undefined> {
    const cons = await this.connections();
    const r = await cons.read((c) =>
      c.runAndReadAll('SELECT doc FROM documents WHERE collection = $1 AND id = $2', [collection, id]),
    );
    return r.currentRowCount ? (JSON.parse(r.getRowsJS()[0]![0] as string) as T) : undefined;
  }

  async listDocuments<T = unknown>(
    collection: string,
    options: { limit?: number; offset?: number } = {},
  ): Promise<{ id: string; doc: T }[]> {
    checkListQuery(options);
    const page = `${options.limit !== undefined ? ` LIMIT ${options.limit}` : ''}${options.offset ? ` OFFSET ${options.offset}` : ''}`;
    const cons = await this.connections();
    const r = await cons.read((c) =>
      c.runAndReadAll(`SELECT id, doc FROM documents WHERE collection = $1 ORDER BY id${page}`, [collection]),
    );
    return r.getRowsJS().map(([id, doc]) => ({ id: id as string, doc: JSON.parse(doc as string) as T }));
  }

  async updateDocument<T>(collection: string, id: string, fn: (current: T | undefined) => T | Promise<T>): Promise<T> {
    checkName(collection, 'collection');
    checkName(id, 'id');
    const cons = await this.connections();
    return cons.write((c) =>
      inTransaction(c, async () => {
        const r = await c.runAndReadAll('SELECT doc FROM documents WHERE collection = $1 AND id = $2', [
          collection,
          id,
        ]);
        const current = r.currentRowCount ? (JSON.parse(r.getRowsJS()[0]![0] as string) as T) : undefined;
        const next = await fn(current);
        await c.run('INSERT OR REPLACE INTO documents VALUES ($1, $2, $3)', [collection, id, toJson(next, 'doc')]);
        return next;
      }),
    );
  }

  async deleteDocument(collection: string, id: string): Promise<boolean> {
    const cons = await this.connections();
    const r = await cons.write((c) =>
      c.run('DELETE FROM documents WHERE collection = $1 AND id = $2', [collection, id]),
    );
    return r.rowsChanged > 0;
  }

  /**
   * Stored columns nearest in shape to the query (cosine distance between
   * shape embeddings, DuckDB's array_cosine_distance), nearest first; ties
   * by series id, then column order. A query by id uses the stored vector of
   * its column (the first column when none is named) and leaves that series
   * out of the answer. Constant columns have no shape and never match.
   */
  async findSimilar(query: SimilarityQuery, options: SimilarityOptions = {}): Promise<SimilarityMatch[]> {
    if (typeof query !== 'object' || query === null) {
      throw new TsiotError(
        'invalid_input',
        `query: expected { values } or { id, column? }, got ${JSON.stringify(query)}`,
        { details: { field: 'query', example: { id: 'sensor-1', column: 'temperature' } } },
      );
    }
    const limit = checkLimit(options.limit);
    if (options.column !== undefined) checkName(options.column, 'column');
    if (options.excludeId !== undefined) checkName(options.excludeId, 'excludeId');
    const cons = await this.connections();
    return cons.read(async (c) => {
      let vec: Float32Array;
      let excludeId = options.excludeId;
      if ('values' in query) {
        vec = shapeEmbedding(checkValues(query.values), EMBEDDING_DIMS);
        if (!hasShape(vec)) throw noShape('values', 'the values are constant or all missing');
      } else {
        const id = checkName((query as { id?: unknown })?.id, 'id');
        const row = await this.seriesRow(c, id, SUMMARY_FIELDS);
        if (!row) throw notFound('series', id, 'List the stored series to find its id.');
        const names = row.columns.map((col) => col.name);
        const col = query.column === undefined ? 0 : resolveColumns(id, names, [checkName(query.column, 'column')])[0]!;
        if (names.length === 0) throw noShape('id', `series "${id}" has no value column`);
        const stored = await storedEmbedding(c, row.sid, col);
        if (!stored) throw noShape('column', `column "${names[col]}" of series "${id}" is constant or empty`);
        vec = stored;
        if (excludeId === undefined) excludeId = id;
      }
      return nearestColumns(c, vec, {
        limit,
        ...(options.column !== undefined ? { column: options.column } : {}),
        ...(excludeId !== undefined ? { excludeId } : {}),
      });
    });
  }

  /** DuckDB's effective resource settings, as DuckDB reports them (e.g. "488.2 MiB"). */
  async settings(): Promise<{ memoryLimit: string; threads: number }> {
    const cons = await this.connections();
    const r = await cons.read((c) =>
      c.runAndReadAll(`SELECT current_setting('memory_limit'), current_setting('threads')`),
    );
    const [memoryLimit, threads] = r.getRowsJS()[0]!;
    return { memoryLimit: String(memoryLimit), threads: Number(threads) };
  }

  /** The open connections, opening the database on first use. */
  private connections(): Promise<Connections> {
    if (this.closing)
      return Promise.reject(
        new TsiotError('unavailable', 'the DuckDB storage is closed', { hint: 'Create a new storage object.' }),
      );
    if (!this.opening) {
      const opening = this.open();
      this.opening = opening;
      // a failed open may be retried (e.g. once the file is free)
      opening.catch(() => {
        if (this.opening === opening) this.opening = undefined;
      });
    }
    return this.opening;
  }

  private async open(): Promise<Connections> {
    if (this.lockKey) acquireFile(this.lockKey);
    try {
      let instance: DuckDBInstance;
      try {
        instance = await DuckDBInstance.create(this.path, this.config);
      } catch (e) {
        throw openError(this.path, e);
      }
      const cons = await Connections.open(instance, this.maxReaders);
      try {
        await cons.write(migrate);
        await cons.write((c) => inTransaction(c, () => backfillEmbeddings(c)));
        await cons.write((c) => inTransaction(c, () => backfillCreatedAt(c)));
      } catch (e) {
        await cons.close();
        throw e;
      }
      return cons;
    } catch (e) {
      if (this.lockKey) releaseFile(this.lockKey);
      throw e;
    }
  }

  private async seriesRow(c: DuckDBConnection, id: string, fields: string): Promise<SeriesRow | undefined> {
    const r = await c.runAndReadAll(`SELECT ${fields} FROM series WHERE id = $1`, [String(id)]);
    return r.currentRowCount ? toSeriesRow(r.getRows()[0]!) : undefined;
  }

  private async sidOf(c: DuckDBConnection, id: string): Promise<number | undefined> {
    const r = await c.runAndReadAll('SELECT sid FROM series WHERE id = $1', [String(id)]);
    return r.currentRowCount ? Number(r.getRowsJS()[0]![0]) : undefined;
  }

  private async removeSeries(c: DuckDBConnection, sid: number): Promise<void> {
    for (const table of ['blocks', 'series_tags', 'embeddings', 'series'])
      await c.run(`DELETE FROM ${table} WHERE sid = $1`, [sid], [INTEGER]);
  }
}
