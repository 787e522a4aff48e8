/**
 * A query-result cache in Redis with a time to live, in front of any backend.
 *
 *   const cached = withQueryCache(postgres, new RedisQueryCache(redis, { ttlSeconds: 60 }));
 *
 * `retrieve` answers from the cache when the same query was answered within
 * the TTL; `store` and `delete` of an id bump that id's version, so cached
 * results of the old data are never served again. Values are stored in binary
 * (redis/codec.ts): what comes back is exactly what the backend returned.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SeriesQuery, TimeSeries } from '../../../core/types.js';
import type { Storage } from '../storage.js';
import { decodeSeries, encodeSeries } from '../chunk-codec.js';

export interface QueryCacheOptions {
  /** Seconds a cached result lives (default 60). */
  ttlSeconds?: number;
  /** Key prefix (default "tsiot:qcache"). */
  prefix?: string;
  /** Results with more rows than this are not cached (default 1,000,000). */
  maxRows?: number;
}

export interface QueryCacheStats {
  hits: number;
  misses: number;
}

export class RedisQueryCache {
  readonly stats: QueryCacheStats = { hits: 0, misses: 0 };
  private readonly ttlSeconds: number;
  private readonly prefix: string;
  private readonly maxRows: number;

  constructor(
    private readonly redis: Redis,
    options: QueryCacheOptions = {},
  ) {
    this.ttlSeconds = options.ttlSeconds ?? 60;
    this.prefix = options.prefix ?? 'tsiot:qcache';
    this.maxRows = options.maxRows ?? 1_000_000;
  }

  private async key(scope: string, q: SeriesQuery): Promise<string> {
    const version = (await this.redis.get(`${this.prefix}:v:${scope}:${q.id}`)) ?? '0';
    const canonical = JSON.stringify([
      q.id,
      q.start ?? null,
      q.end ?? null,
      q.columns ?? null,
      q.downsample ?? null,
      q.limit ?? null,
    ]);
    return `${this.prefix}:r:${scope}:${createHash('sha256').update(canonical).digest('base64url')}:${version}`;
  }

  /** The cached result of `q` in `scope` (a backend name), or what `load` returns, cached. */
  async retrieve(scope: string, q: SeriesQuery, load: () => Promise<TimeSeries>): Promise<TimeSeries> {
    const key = await this.key(scope, q);
    const hit = await this.redis.getBuffer(key);
    if (hit) {
      this.stats.hits++;
      return decodeSeries(hit);
    }
    this.stats.misses++;
    const result = await load();
    if (result.timestamps.length <= this.maxRows)
      await this.redis.set(key, encodeSeries(result), 'EX', this.ttlSeconds);
    return result;
  }

  /** Forget every cached result of an id (its version moves on; old entries expire by TTL). */
  async invalidate(scope: string, id: string): Promise<void> {
    await this.redis.incr(`${this.prefix}:v:${scope}:${id}`);
  }
}

/** A Storage whose retrieve goes through the cache; writes invalidate the id. */
export function withQueryCache(inner: Storage, cache: RedisQueryCache): Storage {
  const scope = inner.kind;
  return {
    kind: inner.kind,
    init: () => inner.init(),
    async store(series, options) {
      const result = await inner.store(series, options);
      await cache.invalidate(scope, series.id);
      return result;
    },
    retrieve: (q) => cache.retrieve(scope, q, () => inner.retrieve(q)),
    describe: (id) => inner.describe(id),
    list: (q) => inner.list(q),
    async delete(id) {
      const deleted = await inner.delete(id);
      await cache.invalidate(scope, id);
      return deleted;
    },
    health: () => inner.health(),
    close: () => inner.close(),
  };
}
