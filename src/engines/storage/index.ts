import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TsiotError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { DuckDbStorage } from './duckdb/index.js';
import { parseDuckDbLocation } from './duckdb/options.js';
import type { DocumentStore, Storage } from './storage.js';
import { redactUrl } from './url.js';

export { redactUrl };

export interface StorageOptions {
  logger?: Logger;
}

/**
 * Create a backend from a URL: duckdb:///abs/path.duckdb, duckdb://./rel.duckdb,
 * duckdb://:memory: (default embedded), with optional ?memory_limit=1GB&threads=2
 * (duckdb/options.ts). Other schemes are added by their backends.
 */
export async function createStorage(
  url: string,
  options: StorageOptions = {},
): Promise<Storage & Partial<DocumentStore>> {
  const scheme = url.slice(0, url.indexOf(':'));
  switch (scheme) {
    case 'duckdb': {
      const { path: rest, ...resources } = parseDuckDbLocation(url.slice('duckdb://'.length));
      if (rest === ':memory:' || rest === '') return new DuckDbStorage({ path: ':memory:', ...resources });
      const path = resolve(rest);
      mkdirSync(dirname(path), { recursive: true });
      return new DuckDbStorage({ path, ...resources });
    }
    case 'postgres':
    case 'postgresql': {
      const { PostgresStorage } = await import('./postgres/index.js');
      return new PostgresStorage({ url, ...(options.logger ? { logger: options.logger } : {}) });
    }
    case 'influxdb':
    case 'influxdb2': {
      const { InfluxDbStorage } = await import('./influxdb/index.js');
      return new InfluxDbStorage({ url, ...(options.logger ? { logger: options.logger } : {}) });
    }
    case 'redis':
    case 'rediss': {
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
      throw new TsiotError('invalid_input', `storage: unsupported URL scheme "${scheme}" in ${redactUrl(url)}`, {
        details: {
          field: 'storage',
          expected:
            'duckdb://…, postgres://…, influxdb://…, influxdb2://…, redis://…, s3://bucket/prefix?endpoint=…, weaviate://…',
          example: 'duckdb://./data/tsiot.duckdb',
        },
      });
  }
}
