import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TsiotError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { DuckDbStorage } from './duckdb/index.js';
import { parseDuckDbLocation } from './duckdb/options.js';
import type { LayeredStorage } from './layer.js';
import { describeCause } from './remote.js';
import type { DocumentStore, Storage } from './storage.js';
import { redactUrl } from './url.js';

export { redactUrl };

export interface StorageOptions {
  logger?: Logger;
}

/** The URL parameters each backend reads (its own file documents them); any other is refused by name. */
const BACKEND_PARAMS: Record<string, readonly string[]> = {
  duckdb: ['memory_limit', 'threads'],
  postgres: [
    'schema',
    'pool',
    'sslmode',
    'ssl',
    'sslcert',
    'sslkey',
    'sslrootcert',
    'sslnegotiation',
    'uselibpqcompat',
    'application_name',
    'fallback_application_name',
    'options',
    'client_encoding',
    'connect_timeout',
    'statement_timeout',
    'keepalives',
    'keepalives_idle',
  ],
  influxdb: ['measurement', 'reader', 'tls', 'org', 'batch', 'concurrency', 'retries', 'timeout', 'gzip'],
  redis: ['prefix', 'ttl', 'db', 'family'],
  s3: ['formats', 'partSize', 'endpoint', 'region', 'forcePathStyle'],
  weaviate: ['secure', 'collection', 'dims', 'grpcPort'],
};
const SCHEMES: Record<string, string> = {
  duckdb: 'duckdb',
  postgres: 'postgres',
  postgresql: 'postgres',
  influxdb: 'influxdb',
  influxdb2: 'influxdb',
  redis: 'redis',
  rediss: 'redis',
  s3: 's3',
  weaviate: 'weaviate',
};

/** Parameters any storage URL may carry: the layers in front of the backend. */
const LAYER_PARAMS = ['cache', 'cacheTtl', 'cachePrefix', 'feed', 'feedPrefix', 'feedMaxLen'] as const;
type LayerParam = (typeof LAYER_PARAMS)[number];

export interface StorageUrl {
  /** The backend family: duckdb, postgres, influxdb, redis, s3 or weaviate. */
  backend: string;
  /** The backend's own URL: the storage URL without the layer parameters, their spelling kept. */
  url: string;
  /** ?cache=redis://…: query results cached in Redis, invalidated on store and delete. */
  cache?: { url: string; ttlSeconds: number; prefix: string };
  /** ?feed=redis://…: every stored series published to a Redis Streams live feed. */
  feed?: { url: string; prefix: string; maxLen: number };
}

const EXAMPLE_URL = 'duckdb://./data/tsiot.duckdb?cache=redis://127.0.0.1:6379/0&cacheTtl=60';
const FEED_EXAMPLE = 'duckdb://./data/tsiot.duckdb?feed=redis://127.0.0.1:6379/0&feedMaxLen=100000';

function urlError(message: string, field: string, expected: string, example = EXAMPLE_URL): TsiotError {
  return new TsiotError('invalid_input', `storage: ${message}`, { details: { field, expected, example } });
}

/** A Redis URL given as a layer parameter: redis:// or rediss://, credentials and db allowed, no parameters of its own. */
function layerRedisUrl(value: string, field: 'cache' | 'feed'): string {
  let u: URL | undefined;
  try {
    u = new URL(value);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'redis:' && u.protocol !== 'rediss:')) {
    throw urlError(
      `${field} must be a Redis URL, got ${JSON.stringify(redactUrl(value))}`,
      field,
      'redis://[user:password@]host:port[/db] or rediss://… (percent-encode it if it holds & or =)',
    );
  }
  if (u.search) {
    throw urlError(
      `the ${field} URL takes no parameters of its own; give the key prefix as ${field}Prefix`,
      field,
      `${field}=redis://host:port/db&${field}Prefix=…`,
    );
  }
  return value;
}

function positiveNumber(value: string, field: string, integer: boolean, example: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw urlError(
      `${field} must be ${integer ? 'a whole number' : 'a number'} > 0, got ${JSON.stringify(value)}`,
      field,
      integer ? 'a whole number > 0' : 'seconds > 0',
      example,
    );
  return n;
}

function keyPrefix(value: string, field: string): string {
  if (!/^[A-Za-z0-9_:.-]{1,100}$/.test(value))
    throw urlError(`${field} must be 1–100 letters, digits or _ : . -`, field, 'a Redis key prefix', EXAMPLE_URL);
  return value;
}

/**
 * Split a storage URL into the backend's own URL and the layers in front of
 * it, refusing any parameter neither reads:
 *
 *   postgres://db/tsiot?schema=x&cache=redis://127.0.0.1:6379/0&cacheTtl=30&feed=redis://127.0.0.1:6379/1
 *
 * cache, cacheTtl (seconds, default 60), cachePrefix (default tsiot:qcache);
 * feed, feedPrefix (default tsiot), feedMaxLen (entries kept per series,
 * default 100000).
 */
export function parseStorageUrl(url: string): StorageUrl {
  const colon = url.indexOf(':');
  const scheme = colon > 0 ? url.slice(0, colon) : '';
  const backend = SCHEMES[scheme];
  if (!backend) {
    throw new TsiotError(
      'invalid_input',
      `storage: unsupported URL scheme "${scheme}" in ${JSON.stringify(redactUrl(url))}`,
      {
        details: {
          field: 'storage',
          expected:
            'duckdb://…, postgres://…, influxdb://…, influxdb2://…, redis://…, s3://bucket/prefix?endpoint=…, weaviate://…',
          example: 'duckdb://./data/tsiot.duckdb',
        },
      },
    );
  }
  const q = url.indexOf('?');
  const kept: string[] = [];
  const layers: Partial<Record<LayerParam, string>> = {};
  if (q >= 0) {
    for (const piece of url.slice(q + 1).split('&')) {
      if (!piece) continue;
      const [[key, value] = ['', '']] = [...new URLSearchParams(piece)];
      if ((LAYER_PARAMS as readonly string[]).includes(key)) {
        if (layers[key as LayerParam] !== undefined)
          throw urlError(`${key} is given twice`, key, `one ${key} parameter`);
        layers[key as LayerParam] = value;
      } else if (BACKEND_PARAMS[backend]!.includes(key)) kept.push(piece);
      else {
        throw urlError(
          `unknown URL parameter "${key}" for the ${backend} backend`,
          key,
          `one of ${[...BACKEND_PARAMS[backend]!, ...LAYER_PARAMS].join(', ')}`,
        );
      }
    }
  }
  const out: StorageUrl = {
    backend,
    url: (q >= 0 ? url.slice(0, q) : url) + (kept.length ? `?${kept.join('&')}` : ''),
  };
  for (const field of ['cacheTtl', 'cachePrefix'] as const)
    if (layers[field] !== undefined && layers.cache === undefined)
      throw urlError(`${field} needs cache=redis://…`, field, 'cache=redis://host:port/db beside it');
  for (const field of ['feedPrefix', 'feedMaxLen'] as const)
    if (layers[field] !== undefined && layers.feed === undefined)
      throw urlError(`${field} needs feed=redis://…`, field, 'feed=redis://host:port/db beside it', FEED_EXAMPLE);
  if (layers.cache !== undefined) {
    out.cache = {
      url: layerRedisUrl(layers.cache, 'cache'),
      ttlSeconds: layers.cacheTtl === undefined ? 60 : positiveNumber(layers.cacheTtl, 'cacheTtl', false, EXAMPLE_URL),
      prefix: layers.cachePrefix === undefined ? 'tsiot:qcache' : keyPrefix(layers.cachePrefix, 'cachePrefix'),
    };
  }
  if (layers.feed !== undefined) {
    out.feed = {
      url: layerRedisUrl(layers.feed, 'feed'),
      prefix: layers.feedPrefix === undefined ? 'tsiot' : keyPrefix(layers.feedPrefix, 'feedPrefix'),
      maxLen:
        layers.feedMaxLen === undefined ? 100_000 : positiveNumber(layers.feedMaxLen, 'feedMaxLen', true, FEED_EXAMPLE),
    };
  }
  return out;
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
        const ok = await c.redis
          .ping()
          .then(() => true)
          .catch(() => false);
        if (!ok) down.push(`${c.role} at ${redactUrl(c.url)} unavailable`);
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
      return new DuckDbStorage({ path, ...resources });
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
