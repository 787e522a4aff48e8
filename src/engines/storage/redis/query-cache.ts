/**
 * A query-result cache in Redis with a time to live, in front of any backend.
 *
 *   const cached = withQueryCache(postgres, new RedisQueryCache(redis, { ttlSeconds: 60 }), { scope });
 *
 * or, from configuration, `?cache=redis://host:6379/0&cacheTtl=60` on any
 * storage URL (storage/index.ts). `retrieve` answers from the cache when the
 * same query was answered within the TTL; `store` and `delete` of an id bump
 * that id's version, so cached results of the old data are never served
 * again. Values are stored in binary (chunk-codec.ts): what comes back is
 * exactly what the backend returned. A cache that cannot be reached is
 * passed by on reads (the backend answers, each failure counted in
 * `stats.errors`) and refuses writes (withQueryCache).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { TsiotError } from '../../../core/errors.js';
import type { SeriesQuery, TimeSeries } from '../../../core/types.js';
import { decodeSeries, encodeSeries } from '../chunk-codec.js';
import { type LayeredStorage, layer } from '../layer.js';
import { describeCause } from '../remote.js';
import type { Storage } from '../storage.js';

export interface QueryCacheOptions {
  /** Called when the cache cannot be read or written and the backend answers alone. */
  onError?: (err: unknown, what: 'read' | 'write') => void;
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
  /** Reads or writes of the cache that failed (the backend answered instead). */
  errors: number;
}

export class RedisQueryCache {
  readonly stats: QueryCacheStats = { hits: 0, misses: 0, errors: 0 };
  private readonly ttlSeconds: number;
  private readonly prefix: string;
  private readonly maxRows: number;
  private readonly onError: QueryCacheOptions['onError'];

  constructor(
    private readonly redis: Redis,
    options: QueryCacheOptions = {},
  ) {
    this.ttlSeconds = options.ttlSeconds ?? 60;
    this.prefix = options.prefix ?? 'tsiot:qcache';
    this.maxRows = options.maxRows ?? 1_000_000;
    this.onError = options.onError;
    if (!Number.isFinite(this.ttlSeconds) || this.ttlSeconds <= 0)
      throw new TsiotError('invalid_input', `cacheTtl: expected a number of seconds > 0, got ${this.ttlSeconds}`, {
        details: { field: 'cacheTtl', example: 60 },
      });
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

  /** The cached result of `q` in `scope` (one backend), or what `load` returns, cached. */
  async retrieve(scope: string, q: SeriesQuery, load: () => Promise<TimeSeries>): Promise<TimeSeries> {
    let key: string | undefined;
    try {
      key = await this.key(scope, q);
      const hit = await this.redis.getBuffer(key);
      if (hit) {
        this.stats.hits++;
        return decodeSeries(hit);
      }
    } catch (err) {
      key = undefined;
      this.failed(err, 'read');
    }
    this.stats.misses++;
    const result = await load();
    if (key && result.timestamps.length <= this.maxRows) {
      await this.redis
        .set(key, encodeSeries(result), 'PX', Math.round(this.ttlSeconds * 1000))
        .catch((err: unknown) => this.failed(err, 'write'));
    }
    return result;
  }

  /**
   * Forget every cached result of an id: its version moves on, and old
   * entries expire by TTL. The version outlives every entry made under it
   * (twice the TTL and a minute), so it can expire too without an old entry
   * coming back.
   */
  async invalidate(scope: string, id: string): Promise<void> {
    const key = `${this.prefix}:v:${scope}:${id}`;
    const replies = await this.redis
      .multi()
      .incr(key)
      .pexpire(key, Math.round(this.ttlSeconds * 2_000) + 60_000)
      .exec();
    for (const [err] of replies ?? []) if (err) throw err;
  }

  private failed(err: unknown, what: 'read' | 'write'): void {
    this.stats.errors++;
    this.onError?.(err, what);
  }
}

export interface QueryCacheLayerOptions {
  /**
   * What tells this backend's entries from another's in the same Redis: two
   * PostgreSQL databases both have kind "postgres" (createStorage passes a
   * hash of the backend URL). Default: the backend's kind.
   */
  scope?: string;
  /** Called when the invalidation after a write fails (the write stands; see withQueryCache). */
  onError?: (err: unknown, seriesId: string) => void;
}

/**
 * A Storage whose retrieve goes through the cache. Store and delete move the
 * id's version before the write (a cache that cannot be reached refuses the
 * write, so nothing changes) and again after it (what a read cached during
 * the write is forgotten; should that fail, such an entry lives at most the
 * TTL).
 */
export function withQueryCache(
  inner: Storage,
  cache: RedisQueryCache,
  options: QueryCacheLayerOptions = {},
): LayeredStorage {
  const scope = options.scope ?? inner.kind;
  // Before the write: a cache that cannot forget refuses the write, so nothing changes.
  const before = async (id: string, what: string) => {
    try {
      await cache.invalidate(scope, id);
    } catch (e) {
      throw new TsiotError(
        'unavailable',
        `the query cache cannot be reached, so the ${what} of series "${id}" was refused (${describeCause(e)})`,
        { hint: 'Check that the cache Redis is running and reachable, then retry.', cause: e },
      );
    }
  };
  // After it: forget what a read cached during the write; if that fails, such an entry lives at most the TTL.
  const after = (id: string) => cache.invalidate(scope, id).catch((e: unknown) => options.onError?.(e, id));
  return layer(inner, {
    async store(series, storeOptions) {
      await before(series.id, 'store');
      const result = await inner.store(series, storeOptions);
      await after(series.id);
      return result;
    },
    ...(inner.storeMany
      ? {
          async storeMany(list, storeOptions) {
            for (const s of list) await before(s.id, 'store');
            const results = await inner.storeMany!(list, storeOptions);
            for (const s of list) await after(s.id);
            return results;
          },
        }
      : {}),
    retrieve: (q) => cache.retrieve(scope, q, () => inner.retrieve(q)),
    async delete(id) {
      await before(id, 'delete');
      const deleted = await inner.delete(id);
      await after(id);
      return deleted;
    },
  });
}
