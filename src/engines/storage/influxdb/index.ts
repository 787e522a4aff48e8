/**
 * InfluxDB backend (and InfluxDB-compatible servers).
 *
 * URLs:
 *   influxdb://[user:password@]host:8086/database?measurement=tsiot
 *       InfluxDB 1.x: writes to /write, reads and deletes with InfluxQL on /query.
 *   influxdb2://[:token@]host:8086/bucket?org=my-org&measurement=tsiot[&reader=victoriametrics]
 *       The v2 write path (/api/v2/write through @influxdata/influxdb-client).
 *       Reads: InfluxQL on /query (InfluxDB 1.8+, or 2.x with a DBRP mapping
 *       of the bucket), or with reader=victoriametrics, VictoriaMetrics'
 *       export and delete APIs.
 * Common parameters: tls=true (https), batch=<lines per request, default 10000>,
 * concurrency=<requests in flight, default 2>, retries=<per batch, default 5>,
 * timeout=<ms per request, default 30000>, gzip=true (compress v2 write
 * bodies, worth it on slow links; off by default). Credentials may also come from
 * INFLUX_USERNAME / INFLUX_PASSWORD / INFLUX_TOKEN; they are never logged.
 *
 * Layout: one point per row in <measurement> with tags tsiot_id, tsiot_gen and
 * the series' own tags, one float field per column (see line-protocol.ts), and
 * one document per series (see the dialects). A store writes its points under
 * a fresh generation tag, then the document (the commit point), then removes
 * the previous generation; a store that fails removes what it wrote, and
 * points of an uncommitted generation are never read.
 */
import { randomBytes } from 'node:crypto';
import { TsiotError, notFound } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import { seriesHead, validateSeries } from '../../../core/series.js';
import type {
  HealthStatus,
  ListQuery,
  ListResult,
  SeriesQuery,
  SeriesSummary,
  TimeSeries,
} from '../../../core/types.js';
import type { InfluxDialect, Rows } from './dialect.js';
import { InfluxHttp } from './http.js';
import { InfluxQlDialect } from './influxql.js';
import { checkForInflux, dataLines, precisionFor } from './line-protocol.js';
import type { MetaDoc } from './meta.js';
import { seriesExists, summaryOf } from '../records.js';
import { VictoriaMetricsDialect } from './victoriametrics.js';
import { V1Writer, V2Writer, type LineWriter } from './writers.js';
import { applyListQuery } from '../list-apply.js';
import { applySeriesQuery, checkSeriesQuery, labelsFor, selectColumns } from '../query-apply.js';
import { describeCause, probeHealth, retry } from '../remote.js';
import type { Storage, StoreOptions, StoreResult } from '../storage.js';

export interface InfluxConfig {
  /** "influxdb" (1.x write path) or "influxdb2" (v2 write path). */
  kind: 'influxdb' | 'influxdb2';
  baseUrl: string;
  /** Database (1.x) or bucket (v2). */
  database: string;
  org: string;
  measurement: string;
  reader: 'influxql' | 'victoriametrics';
  username?: string;
  password?: string;
  token?: string;
  batchLines: number;
  concurrency: number;
  retries: number;
  timeoutMs: number;
  gzip: boolean;
}

const MEASUREMENT = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

function positiveInt(u: URL, name: string, fallback: number): number {
  const raw = u.searchParams.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new TsiotError('invalid_input', `storage: InfluxDB URL parameter ${name} must be a non-negative integer`, {
      details: { field: name, example: fallback },
    });
  }
  return n;
}

/** Parse an influxdb:// or influxdb2:// URL (credentials from the URL or INFLUX_* env). */
export function parseInfluxUrl(url: string, env: NodeJS.ProcessEnv = process.env): InfluxConfig {
  const u = new URL(url);
  const kind = u.protocol === 'influxdb2:' ? 'influxdb2' : 'influxdb';
  const database = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, ''));
  if (!database) {
    throw new TsiotError(
      'invalid_input',
      `storage: the InfluxDB URL needs a ${kind === 'influxdb' ? 'database' : 'bucket'} as its path`,
      {
        details: {
          field: 'storage',
          example:
            kind === 'influxdb' ? 'influxdb://127.0.0.1:8086/tsiot' : 'influxdb2://127.0.0.1:8086/tsiot?org=my-org',
        },
      },
    );
  }
  const measurement = u.searchParams.get('measurement') ?? 'tsiot';
  if (!MEASUREMENT.test(measurement)) {
    throw new TsiotError(
      'invalid_input',
      `storage: InfluxDB measurement "${measurement}" must be letters, digits and underscores`,
      { details: { field: 'measurement', example: 'tsiot' } },
    );
  }
  const reader = u.searchParams.get('reader') ?? 'influxql';
  if (reader !== 'influxql' && reader !== 'victoriametrics') {
    throw new TsiotError('invalid_input', `storage: InfluxDB reader must be influxql or victoriametrics`, {
      details: { field: 'reader', example: 'influxql' },
    });
  }
  const scheme = u.searchParams.get('tls') === 'true' ? 'https' : 'http';
  const user = decodeURIComponent(u.username) || env.INFLUX_USERNAME;
  const secret = decodeURIComponent(u.password) || undefined;
  return {
    kind,
    baseUrl: `${scheme}://${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}:${u.port || '8086'}`,
    database,
    org: u.searchParams.get('org') ?? env.INFLUX_ORG ?? 'tsiot',
    measurement,
    reader,
    ...(kind === 'influxdb'
      ? { username: user, password: secret ?? env.INFLUX_PASSWORD }
      : { token: secret ?? env.INFLUX_TOKEN }),
    batchLines: Math.max(1, positiveInt(u, 'batch', 10_000)),
    concurrency: Math.max(1, positiveInt(u, 'concurrency', 2)),
    retries: positiveInt(u, 'retries', 5),
    timeoutMs: Math.max(100, positiveInt(u, 'timeout', 30_000)),
    gzip: u.searchParams.get('gzip') === 'true',
  };
}

export interface InfluxStorageOptions {
  url: string;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
}

export class InfluxDbStorage implements Storage {
  readonly kind: 'influxdb' | 'influxdb2';
  readonly config: InfluxConfig;
  private readonly url: string;
  private readonly writer: LineWriter;
  private readonly dialect: InfluxDialect;
  private readonly logger: Logger | undefined;
  private ready: Promise<void> | undefined;
  /** Stores completed, and how many of them a flush of a buffering server has covered. */
  private stores = 0;
  private flushedStores = 0;

  constructor(options: InfluxStorageOptions) {
    this.url = options.url;
    this.logger = options.logger;
    const c = parseInfluxUrl(options.url, options.env);
    this.config = c;
    this.kind = c.kind;
    const backend = c.reader === 'victoriametrics' ? 'VictoriaMetrics' : 'InfluxDB';
    const authorization = c.token
      ? `Token ${c.token}`
      : c.username !== undefined && c.password !== undefined
        ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`
        : undefined;
    const http = new InfluxHttp({
      baseUrl: c.baseUrl,
      displayUrl: options.url,
      timeoutMs: c.timeoutMs,
      backend,
      ...(authorization ? { authorization } : {}),
    });
    this.writer =
      c.kind === 'influxdb'
        ? new V1Writer(http, c.database)
        : new V2Writer({
            baseUrl: c.baseUrl,
            displayUrl: options.url,
            ...(c.token ? { token: c.token } : {}),
            org: c.org,
            bucket: c.database,
            timeoutMs: c.timeoutMs,
            backend,
            gzip: c.gzip,
          });
    this.dialect =
      c.reader === 'victoriametrics'
        ? new VictoriaMetricsDialect(http, c.measurement)
        : new InfluxQlDialect(http, c.database, c.measurement, { createDatabase: c.kind === 'influxdb' });
  }

  async init(): Promise<void> {
    this.ready ??= this.dialect.init().catch((e) => {
      this.ready = undefined;
      throw e;
    });
    await this.ready;
  }

  /** Send batches with `concurrency` requests in flight; each batch is retried on transient failures. */
  private async writeBatches(batches: Iterable<string>, precision: 'ms' | 'u', what: string): Promise<void> {
    const { concurrency, retries } = this.config;
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    for (const body of batches) {
      if (failure !== undefined) break;
      const p: Promise<void> = retry(() => this.writer.write(body, precision), {
        attempts: retries + 1,
        baseDelayMs: 200,
        maxDelayMs: 5_000,
        onRetry: (e, attempt, delayMs) =>
          this.logger?.warn(
            { backend: this.kind, attempt, delayMs, err: describeCause(e) },
            `${what}: batch failed; retrying`,
          ),
      })
        .catch((e) => {
          failure ??= e;
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
  }

  async store(series: TimeSeries, options: StoreOptions = {}): Promise<StoreResult> {
    validateSeries(series);
    checkForInflux(series, this.kind, this.dialect.minTimeMs);
    await this.init();
    this.dialect.check(series);
    const previous = await this.doc(series.id);
    if (previous && !options.overwrite) {
      throw seriesExists(series.id);
    }
    const n = series.timestamps.length;
    const doc: MetaDoc = {
      ...seriesHead(series),
      gen: randomBytes(6).toString('base64url'),
      storedAt: Math.max(Date.now(), (previous?.storedAt ?? 0) + 1),
    };
    const what = `store of series "${series.id}"`;
    try {
      await this.writeBatches(
        dataLines(series, this.config.measurement, doc.gen, precisionFor(series.timestamps), this.config.batchLines),
        precisionFor(series.timestamps),
        what,
      );
      const meta = this.dialect.metaLines(doc);
      await this.writeBatches([meta.lines.join('\n')], meta.precision, what);
      this.stores++;
    } catch (e) {
      const cleanup = await this.dialect.deleteSeries(series.id, { gen: doc.gen, meta: false }).then(
        () => 'removed',
        (err) => `left behind (invisible to reads; removed by the next overwrite or delete): ${describeCause(err)}`,
      );
      this.logger?.warn(
        { backend: this.kind, id: series.id, err: describeCause(e) },
        `${what} failed; points written so far ${cleanup}`,
      );
      if (e instanceof TsiotError) {
        throw new TsiotError(e.code, `${e.message}; nothing was stored (partial points ${cleanup.split(' ')[0]})`, {
          ...(e.details
            ? { details: { ...e.details, partialPoints: cleanup } }
            : { details: { partialPoints: cleanup } }),
          ...(e.hint ? { hint: e.hint } : {}),
          cause: e,
        });
      }
      throw e;
    }
    if (previous) {
      await this.dialect
        .deleteSeries(series.id, { gen: previous.gen, meta: this.dialect.name === 'victoriametrics' })
        .catch((e) =>
          this.logger?.warn(
            { backend: this.kind, id: series.id, err: describeCause(e) },
            'could not remove the replaced generation; it is no longer read',
          ),
        );
    }
    return { id: series.id, points: n, backend: this.kind };
  }

  /**
   * Servers that buffer writes (VictoriaMetrics) are asked to make them visible
   * before the next read, not after every store: reads see every completed
   * store, and a burst of stores pays for one flush.
   */
  private async readable(): Promise<void> {
    await this.init();
    const target = this.stores;
    if (this.flushedStores >= target || !this.dialect.afterWrite) return;
    await this.dialect.afterWrite();
    this.flushedStores = Math.max(this.flushedStores, target);
  }

  private async doc(id: string): Promise<MetaDoc | undefined> {
    await this.readable();
    const [doc] = await this.dialect.readMeta(id);
    return doc;
  }

  async retrieve(q: SeriesQuery): Promise<TimeSeries> {
    checkSeriesQuery(q);
    const doc = await this.doc(q.id);
    if (!doc) throw notFound('series', q.id);
    const columns = selectColumns(doc.columns, q.columns, q.id);
    const range = {
      ...(q.start !== undefined ? { start: q.start } : {}),
      ...(q.end !== undefined ? { end: q.end } : {}),
    };
    let rows: Rows;
    if (q.limit === 0) {
      rows = { timestamps: new Float64Array(0), values: columns.map(() => new Float64Array(0)) };
    } else if (q.downsample && this.dialect.downsample) {
      rows = await this.dialect.downsample(
        doc,
        columns.map((c) => c.name),
        { ...range, ...(q.limit !== undefined ? { limit: q.limit } : {}) },
        q.downsample.bucketMs,
        q.downsample.aggregation,
      );
    } else {
      // Raw rows of every column; projection, downsampling and the limit (after downsampling) in process.
      const all = await this.dialect.readRows(doc, {
        ...range,
        ...(q.limit !== undefined && !q.downsample ? { limit: q.limit } : {}),
      });
      const full: TimeSeries = {
        ...this.shell(doc),
        timestamps: all.timestamps,
        columns: doc.columns.map((c, j) => ({ ...c, values: all.values[j]! })),
      };
      const out = applySeriesQuery(full, {
        id: q.id,
        ...(q.columns ? { columns: q.columns } : {}),
        ...(q.downsample ? { downsample: q.downsample } : {}),
        ...(q.limit !== undefined ? { limit: q.limit } : {}),
      });
      rows = { timestamps: out.timestamps, values: out.columns.map((c) => c.values) };
    }
    const cols = columns.map((c, j) => ({ ...c, values: rows.values[j]! }));
    return { ...this.shell(doc), timestamps: rows.timestamps, columns: cols, labels: labelsFor(doc.labels, q, cols) };
  }

  private shell(doc: MetaDoc): Pick<TimeSeries, 'id' | 'name' | 'metadata' | 'labels'> {
    return { id: doc.id, name: doc.name, metadata: doc.metadata, labels: doc.labels };
  }

  async describe(id: string): Promise<SeriesSummary | undefined> {
    const doc = await this.doc(id);
    return doc ? summaryOf(doc) : undefined;
  }

  async list(q: ListQuery = {}): Promise<ListResult> {
    await this.readable();
    return applyListQuery((await this.dialect.readMeta()).map(summaryOf), q);
  }

  async delete(id: string): Promise<boolean> {
    const doc = await this.doc(id);
    // Documents first, so the series disappears at once; then every generation of its points.
    await this.dialect.deleteSeries(id, { meta: true });
    return doc !== undefined;
  }

  async health(): Promise<HealthStatus> {
    return probeHealth(this.kind, this.url, () => this.dialect.describeServer());
  }

  async close(): Promise<void> {
    await this.writer.close();
  }
}
