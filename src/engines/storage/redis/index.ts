/**
 * Redis backend: recent series kept in memory on a Redis server, optionally
 * expiring, beside the query cache (redis/query-cache.ts) and the live feed of
 * generated points over Redis Streams (redis/live-feed.ts).
 *
 * URL: redis://[user:password@]host:6379[/db]?prefix=tsiot&ttl=<seconds>
 * (rediss:// for TLS; the password may also come from REDIS_PASSWORD).
 *
 * Layout under <prefix>:
 *   index            sorted set of ids (score 0, so ordered by id)
 *   meta:<id>        JSON document: name, metadata, columns, labels, counts,
 *                    the generation of its chunks and each chunk's first time
 *   data:<id>:<gen>:<k>  rows [k·CHUNK_ROWS, …) as float64 (redis/codec.ts)
 * A store writes the chunks of a fresh generation, then commits the document
 * and index entry atomically (a Lua script that also refuses a duplicate),
 * then drops the replaced generation; a failed store removes its chunks.
 */
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
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
import { applyListQuery } from '../list-apply.js';
import { applySeriesQuery, checkSeriesQuery, lowerBound, upperBound } from '../query-apply.js';
import { decodeChunk, encodeChunk } from '../chunk-codec.js';
import { seriesExists, summaryOf } from '../records.js';
import { describeCause, probeHealth, unavailable } from '../remote.js';
import type { Storage, StoreOptions, StoreResult } from '../storage.js';

export const CHUNK_ROWS = 65_536;

interface RedisDoc extends Omit<SeriesSummary, 'labels'> {
  labels: TimeSeries['labels'];
  gen: string;
  /** First timestamp of each chunk. */
  chunkStarts: number[];
}

const COMMIT = `
local old = redis.call('GET', KEYS[1])
if old and ARGV[2] ~= '1' then return {0, old} end
if ARGV[4] ~= '0' then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4]) else redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('ZADD', KEYS[2], 0, ARGV[3])
return {1, old or ''}`;

const REMOVE = `
local old = redis.call('GET', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return old or ''`;

/** Connection options that fail fast when the server is down instead of queueing commands forever. */
export function redisOptions(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): { url: string; options: RedisOptions; prefix: string; ttlMs: number } {
  const u = new URL(url);
  const prefix = u.searchParams.get('prefix') ?? 'tsiot';
  const ttl = Number(u.searchParams.get('ttl') ?? 0);
  if (!Number.isFinite(ttl) || ttl < 0)
    throw new TsiotError('invalid_input', 'storage: Redis ttl must be a number of seconds ≥ 0', {
      details: { field: 'ttl', example: 3600 },
    });
  u.searchParams.delete('prefix');
  u.searchParams.delete('ttl');
  const options: RedisOptions = {
    lazyConnect: true,
    connectTimeout: 2_000,
    commandTimeout: 30_000,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...(!u.password && env.REDIS_PASSWORD ? { password: env.REDIS_PASSWORD } : {}),
  };
  return { url: u.toString(), options, prefix, ttlMs: Math.round(ttl * 1000) };
}

/**
 * A connection for the query cache or the live feed, with the same fail-fast
 * options; it connects on its first command. Connection errors reach callers
 * through their commands and are logged at debug level only.
 */
export function connectRedis(url: string, logger?: Logger, role = 'redis'): Redis {
  const parsed = redisOptions(url);
  const redis = new Redis(parsed.url, parsed.options);
  redis.on('error', (e: Error) => logger?.debug({ role, err: e.message }, 'redis connection error'));
  return redis;
}

export interface RedisStorageOptions {
  url: string;
  logger?: Logger;
}

export class RedisStorage implements Storage {
  readonly kind = 'redis';
  /** The connection, shared with the query cache and live feed when they are built on it. */
  readonly redis: Redis;
  readonly prefix: string;
  private readonly ttlMs: number;
  private readonly url: string;
  private readonly logger: Logger | undefined;

  constructor(options: RedisStorageOptions) {
    const parsed = redisOptions(options.url);
    this.url = options.url;
    this.prefix = parsed.prefix;
    this.ttlMs = parsed.ttlMs;
    this.logger = options.logger;
    this.redis = new Redis(parsed.url, parsed.options);
    // Connection errors reach callers through their commands; keep them off the process.
    this.redis.on('error', (e: Error) =>
      this.logger?.debug({ backend: 'redis', err: e.message }, 'redis connection error'),
    );
  }

  private key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** Run Redis commands; connection failures become 'unavailable'. */
  private async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isRedisConnectionError(e)) throw unavailable('Redis', this.url, e, what);
      throw e;
    }
  }

  async init(): Promise<void> {
    await this.run('connect', async () => {
      if (this.redis.status === 'wait') await this.redis.connect();
      await this.redis.ping();
    });
  }

  async store(series: TimeSeries, options: StoreOptions = {}): Promise<StoreResult> {
    validateSeries(series);
    const n = series.timestamps.length;
    const gen = randomBytes(6).toString('base64url');
    const chunkStarts: number[] = [];
    for (let from = 0; from < n; from += CHUNK_ROWS) chunkStarts.push(series.timestamps[from]!);
    const doc: RedisDoc = {
      ...seriesHead(series),
      gen,
      chunkStarts,
    };
    const what = `store of series "${series.id}"`;
    const chunkKeys = chunkStarts.map((_, k) => this.key('data', series.id, gen, String(k)));
    return this.run(what, async () => {
      if (!options.overwrite && (await this.redis.exists(this.key('meta', series.id)))) throw seriesExists(series.id);
      try {
        const pipe = this.redis.pipeline();
        chunkKeys.forEach((key, k) => {
          const chunk = encodeChunk(
            series.timestamps,
            series.columns,
            k * CHUNK_ROWS,
            Math.min(n, (k + 1) * CHUNK_ROWS),
          );
          // Chunks outlive their document a little, so a read that just got the document finds them.
          if (this.ttlMs) pipe.set(key, chunk, 'PX', this.ttlMs + 60_000);
          else pipe.set(key, chunk);
        });
        for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
        const [committed, old] = (await this.redis.eval(
          COMMIT,
          2,
          this.key('meta', series.id),
          this.key('index'),
          JSON.stringify(doc),
          options.overwrite ? '1' : '0',
          series.id,
          String(this.ttlMs),
        )) as [number, string];
        if (!committed) throw seriesExists(series.id);
        if (old) await this.dropChunks(series.id, JSON.parse(old) as RedisDoc);
      } catch (e) {
        if (chunkKeys.length)
          await this.redis
            .del(...chunkKeys)
            .catch((err: unknown) =>
              this.logger?.warn(
                { backend: 'redis', err: describeCause(err) },
                `${what}: could not remove the chunks of a failed store`,
              ),
            );
        throw e;
      }
      return { id: series.id, points: n, backend: this.kind };
    });
  }

  private async dropChunks(id: string, doc: RedisDoc): Promise<void> {
    const keys = doc.chunkStarts.map((_, k) => this.key('data', id, doc.gen, String(k)));
    if (keys.length) await this.redis.del(...keys);
  }

  private async doc(id: string): Promise<RedisDoc | undefined> {
    const raw = await this.run(`read of series "${id}"`, () => this.redis.get(this.key('meta', id)));
    return raw ? (JSON.parse(raw) as RedisDoc) : undefined;
  }

  async retrieve(q: SeriesQuery): Promise<TimeSeries> {
    checkSeriesQuery(q);
    // A concurrent overwrite may drop the chunks between reading the document and the chunks: read again.
    for (let attempt = 0; ; attempt++) {
      const doc = await this.doc(q.id);
      if (!doc) throw notFound('series', q.id);
      const series = await this.readChunks(doc, q);
      if (series) return applySeriesQuery(series, q);
      if (attempt >= 3) throw new TsiotError('unavailable', `Redis: series "${q.id}" changed while being read; retry`);
    }
  }

  /** The rows of the chunks that may hold [start, end]; undefined when a chunk has gone. */
  private async readChunks(doc: RedisDoc, q: SeriesQuery): Promise<TimeSeries | undefined> {
    const starts = Float64Array.from(doc.chunkStarts);
    const first = q.start === undefined ? 0 : Math.max(0, lowerBound(starts, q.start) - 1);
    const last = q.end === undefined ? starts.length - 1 : upperBound(starts, q.end) - 1;
    const keys: string[] = [];
    for (let k = first; k <= last; k++) keys.push(this.key('data', doc.id, doc.gen, String(k)));
    const bufs = keys.length ? await this.run(`read of series "${doc.id}"`, () => this.redis.mgetBuffer(...keys)) : [];
    if (bufs.some((b) => b === null)) return undefined;
    const width = doc.columns.length;
    const parts = bufs.map((b) => decodeChunk(b!, width));
    const rows = parts.reduce((sum, p) => sum + p.timestamps.length, 0);
    const timestamps = new Float64Array(rows);
    const values = doc.columns.map(() => new Float64Array(rows));
    let at = 0;
    for (const p of parts) {
      timestamps.set(p.timestamps, at);
      values.forEach((v, j) => {
        v.set(p.values[j]!, at);
      });
      at += p.timestamps.length;
    }
    return {
      id: doc.id,
      name: doc.name,
      metadata: doc.metadata,
      labels: doc.labels,
      timestamps,
      columns: doc.columns.map((c, j) => ({ ...c, values: values[j]! })),
    };
  }

  async describe(id: string): Promise<SeriesSummary | undefined> {
    const doc = await this.doc(id);
    return doc ? summaryOf(doc) : undefined;
  }

  async list(q: ListQuery = {}): Promise<ListResult> {
    const docs = await this.run('list of series', async () => {
      const ids = await this.redis.zrange(this.key('index'), '0', '-1');
      const out: RedisDoc[] = [];
      const expired: string[] = [];
      for (let i = 0; i < ids.length; i += 500) {
        const batch = ids.slice(i, i + 500);
        const raws = await this.redis.mget(...batch.map((id) => this.key('meta', id)));
        raws.forEach((raw, j) => {
          if (raw) out.push(JSON.parse(raw) as RedisDoc);
          else expired.push(batch[j]!);
        });
      }
      // Documents that expired (ttl) leave their index entry behind; tidy it.
      if (expired.length) await this.redis.zrem(this.key('index'), ...expired);
      return out;
    });
    return applyListQuery(docs.map(summaryOf), q);
  }

  async delete(id: string): Promise<boolean> {
    return this.run(`delete of series "${id}"`, async () => {
      const old = (await this.redis.eval(REMOVE, 2, this.key('meta', id), this.key('index'), id)) as string;
      if (!old) return false;
      await this.dropChunks(id, JSON.parse(old) as RedisDoc);
      return true;
    });
  }

  async health(): Promise<HealthStatus> {
    return probeHealth(this.kind, this.url, async () => {
      if (this.redis.status === 'wait') await this.redis.connect();
      const info = await this.redis.info('server');
      const version = /redis_version:(\S+)/.exec(info)?.[1];
      return `Redis ${version ?? '(version unknown)'}${this.ttlMs ? `, series expire after ${this.ttlMs / 1000} s` : ''}`;
    });
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** ioredis failures that mean the server is unreachable (as opposed to a bad command). */
export function isRedisConnectionError(e: unknown): boolean {
  return (
    !(e instanceof TsiotError) &&
    /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection is closed|max retries per request|Command timed out|Stream isn't writeable|connect/i.test(
      describeCause(e),
    )
  );
}
