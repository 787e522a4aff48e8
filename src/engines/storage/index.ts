import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from '../../core/logger.js';
import { DuckDbStorage } from './duckdb/index.js';
import { parseDuckDbLocation } from './duckdb/options.js';
import type { LayeredStorage } from './layer.js';
import { describeCause, probeHealth } from './remote.js';
import type { DocumentStore, Storage } from './storage.js';
import { parseStorageUrl, redactUrl, type StorageUrl } from './url.js';

export { parseStorageUrl, redactUrl, type StorageUrl };

export interface StorageOptions {
  logger?: Logger;
  /** memory_limit of an embedded DuckDB file whose URL sets none (else options.ts's default). */
  duckdbMemoryLimit?: string;
}

/**
 * Create a backend from a URL: duckdb:///abs/path.duckdb, duckdb://./rel.duckdb,
 * duckdb://:memory: (default embedded), with optional ?memory_limit=1GB&threads=2
 * (duckdb/options.ts); postgres://, influxdb://, influxdb2://, redis://, s3://,
 * weaviate:// (each backend's index.ts documents its URL). Any of them may
 * carry ?cache=redis://… and ?feed=redis://… (parseStorageUrl).
 */
export async function createStorage(url: string, options: StorageOptions = {}): Promise<LayeredStorage> {
  const parsed = parseStorageUrl(url);
  const inner = await createBackend(parsed, options);
  if (!parsed.cache && !parsed.feed) return inner;
  return layered(inner, parsed, options.logger);
}

/** The cache and the feed in front of a backend, on their own Redis connections, closed with it. */
async function layered(inner: Storage, parsed: StorageUrl, logger: Logger | undefined): Promise<LayeredStorage> {
  const { connectRedis } = await import('./redis/index.js');
  const connections: { role: string; url: string; redis: ReturnType<typeof connectRedis> }[] = [];
  let storage: LayeredStorage = inner;
  if (parsed.cache) {
    const { RedisQueryCache, withQueryCache } = await import('./redis/query-cache.js');
    const redis = connectRedis(parsed.cache.url, logger, 'query cache');
    connections.push({ role: 'query cache', url: parsed.cache.url, redis });
    const cache = new RedisQueryCache(redis, {
      ttlSeconds: parsed.cache.ttlSeconds,
      prefix: parsed.cache.prefix,
      onError: (err, what) =>
        logger?.warn(
          { backend: inner.kind, err: describeCause(err) },
          `query cache ${what} failed; the backend answered alone`,
        ),
    });
    // one scope per backend URL, so two databases behind one cache never share entries
    const scope = createHash('sha256').update(parsed.url).digest('base64url').slice(0, 16);
    storage = withQueryCache(storage, cache, {
      scope,
      onError: (err, seriesId) =>
        logger?.warn(
          { backend: inner.kind, seriesId, err: describeCause(err) },
          'query cache: could not forget results read during a write; they expire with the TTL',
        ),
    });
  }
  if (parsed.feed) {
    const { RedisLiveFeed, withLiveFeed } = await import('./redis/live-feed.js');
    const redis = connectRedis(parsed.feed.url, logger, 'live feed');
    connections.push({ role: 'live feed', url: parsed.feed.url, redis });
    const feed = new RedisLiveFeed(redis, { prefix: parsed.feed.prefix, maxLen: parsed.feed.maxLen });
    storage = withLiveFeed(storage, feed, {
      onError: (err, seriesId) =>
        logger?.warn(
          { backend: inner.kind, seriesId, err: describeCause(err) },
          'live feed: a stored series could not be published (the series is stored)',
        ),
    });
  }
  const front = storage;
  return {
    ...front,
    async init() {
      await front.init();
      for (const c of connections) {
        try {
          if (c.redis.status === 'wait') await c.redis.connect();
          await c.redis.ping();
        } catch (err) {
          // a layer that is down at start degrades (cache) or is reported per store (feed); the backend serves
          logger?.warn({ err: describeCause(err) }, `${c.role} at ${redactUrl(c.url)} is unavailable at start`);
        }
      }
    },
    async health() {
      const status = await front.health();
      const down: string[] = [];
      for (const c of connections) {
        const probe = await probeHealth(c.role, c.url, async () => void (await c.redis.ping()));
        if (!probe.ok) down.push(`${c.role} at ${redactUrl(c.url)} unavailable`);
      }
      return down.length ? { ...status, detail: [status.detail, ...down].filter(Boolean).join('; ') } : status;
    },
    async close() {
      try {
        await front.close();
      } finally {
        for (const c of connections) c.redis.disconnect();
      }
    },
  };
}

async function createBackend(parsed: StorageUrl, options: StorageOptions): Promise<Storage & Partial<DocumentStore>> {
  const url = parsed.url;
  switch (parsed.backend) {
    case 'duckdb': {
      const { path: rest, ...resources } = parseDuckDbLocation(url.slice('duckdb://'.length));
      if (rest === ':memory:' || rest === '') return new DuckDbStorage({ path: ':memory:', ...resources });
      const path = resolve(rest);
      mkdirSync(dirname(path), { recursive: true });
      return new DuckDbStorage({
        path,
        ...(options.duckdbMemoryLimit ? { memoryLimit: options.duckdbMemoryLimit } : {}),
        ...resources,
      });
    }
    case 'postgres': {
      const { PostgresStorage } = await import('./postgres/index.js');
      return new PostgresStorage({ url, ...(options.logger ? { logger: options.logger } : {}) });
    }
    case 'influxdb': {
      const { InfluxDbStorage } = await import('./influxdb/index.js');
      return new InfluxDbStorage({ url, ...(options.logger ? { logger: options.logger } : {}) });
    }
    case 'redis': {
      const { RedisStorage } = await import('./redis/index.js');
      return new RedisStorage({ url, ...(options.logger ? { logger: options.logger } : {}) });
    }
    case 's3': {
      const { S3Storage } = await import('./s3/index.js');
      return new S3Storage({ url, ...(options.logger ? { logger: options.logger } : {}) });
    }
    case 'weaviate': {
      const { WeaviateStorage } = await import('./weaviate/index.js');
      return new WeaviateStorage({ url, ...(options.logger ? { logger: options.logger } : {}) });
    }
    default:
      throw new Error(`storage: no backend for ${parsed.backend}`);
  }
}
