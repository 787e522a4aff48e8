/**
 * The storage URL: which backend, the parameters it reads, the layers in
 * front of it (parseStorageUrl), and how to show it without its credentials
 * (redactUrl).
 */
import { TsiotError } from '../../core/errors.js';

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
  s3: ['formats', 'partSize', 'endpoint', 'region', 'forcePathStyle', 'sse', 'sseKmsKeyId'],
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
 * Strip credentials from a storage URL so it can be logged or shown: the
 * password, secret-named parameters, and the credentials of URLs nested in
 * parameters (?cache=redis://:pw@host).
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const [k, v] of [...u.searchParams]) {
      if (/secret|password|token|key/i.test(k)) u.searchParams.set(k, '***');
      else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) u.searchParams.set(k, redactUrl(v));
    }
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/?&]*@/g, '//***@');
  }
}
