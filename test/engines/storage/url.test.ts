/**
 * The storage URL: each backend's parameters, the cache and feed layers any
 * backend URL may carry, and a clear refusal (naming the field, with an
 * example, never a credential) of anything else.
 */
import { describe, expect, it } from 'vitest';
import { TsiotError } from '../../../src/core/errors.js';
import { createStorage } from '../../../src/engines/storage/index.js';
import { parseStorageUrl, redactUrl } from '../../../src/engines/storage/url.js';

function refusal(url: string): TsiotError {
  try {
    parseStorageUrl(url);
  } catch (e) {
    expect(e).toBeInstanceOf(TsiotError);
    return e as TsiotError;
  }
  throw new Error(`${url} was accepted`);
}

describe('parseStorageUrl', () => {
  it('keeps the backend parameters, spelled as given, and takes the layers out', () => {
    const p = parseStorageUrl(
      'postgres://u:pw@db:5432/tsiot?schema=s1&sslmode=require&cache=redis://:c-pw@127.0.0.1:6379/2&cacheTtl=2.5&cachePrefix=t:q&feed=redis%3A%2F%2F127.0.0.1%3A6379%2F3&feedPrefix=t&feedMaxLen=50',
    );
    expect(p).toEqual({
      backend: 'postgres',
      url: 'postgres://u:pw@db:5432/tsiot?schema=s1&sslmode=require',
      cache: { url: 'redis://:c-pw@127.0.0.1:6379/2', ttlSeconds: 2.5, prefix: 't:q' },
      feed: { url: 'redis://127.0.0.1:6379/3', prefix: 't', maxLen: 50 },
    });
  });

  it('gives the layers their defaults, and leaves a URL without layers alone', () => {
    expect(parseStorageUrl('duckdb://:memory:?threads=1&cache=redis://h:6379&feed=rediss://h:6380')).toEqual({
      backend: 'duckdb',
      url: 'duckdb://:memory:?threads=1',
      cache: { url: 'redis://h:6379', ttlSeconds: 60, prefix: 'tsiot:qcache' },
      feed: { url: 'rediss://h:6380', prefix: 'tsiot', maxLen: 100_000 },
    });
    expect(parseStorageUrl('influxdb2://127.0.0.1:8086/b?org=o')).toEqual({
      backend: 'influxdb',
      url: 'influxdb2://127.0.0.1:8086/b?org=o',
    });
    expect(parseStorageUrl('duckdb://./data/x.duckdb').url).toBe('duckdb://./data/x.duckdb');
  });

  it.each([
    ['duckdb://:memory:?pool=3', 'pool', /unknown URL parameter "pool" for the duckdb backend/],
    ['redis://127.0.0.1:6379/0?schema=x', 'schema', /unknown URL parameter "schema" for the redis backend/],
    ['s3://bucket/p?measurement=m', 'measurement', /for the s3 backend/],
    ['duckdb://:memory:?cache=1', 'cache', /cache must be a Redis URL/],
    ['duckdb://:memory:?cache=http://h', 'cache', /cache must be a Redis URL/],
    [
      'duckdb://:memory:?cache=redis://h?prefix=p',
      'cache',
      /no parameters of its own; give the key prefix as cachePrefix/,
    ],
    ['duckdb://:memory:?cacheTtl=5', 'cacheTtl', /cacheTtl needs cache=redis/],
    ['duckdb://:memory:?feedPrefix=p', 'feedPrefix', /feedPrefix needs feed=redis/],
    ['duckdb://:memory:?cache=redis://h&cacheTtl=0', 'cacheTtl', /cacheTtl must be a number > 0, got "0"/],
    ['duckdb://:memory:?cache=redis://h&cacheTtl=soon', 'cacheTtl', /got "soon"/],
    ['duckdb://:memory:?feed=redis://h&feedMaxLen=1.5', 'feedMaxLen', /feedMaxLen must be a whole number > 0/],
    ['duckdb://:memory:?feed=redis://h&feedPrefix=a%20b', 'feedPrefix', /feedPrefix must be 1–100 letters/],
    ['duckdb://:memory:?cache=redis://a&cache=redis://b', 'cache', /cache is given twice/],
    ['ftp://host/x', 'storage', /unsupported URL scheme "ftp"/],
  ])('refuses %s, naming %s with an example', (url, field, message) => {
    const e = refusal(url);
    expect(e.code).toBe('invalid_input');
    expect(e.message).toMatch(message);
    expect(e.details).toMatchObject({ field });
    expect(typeof (e.details as { example?: unknown }).example).toBe('string');
  });

  it('never shows a credential of the URL or of a layer URL', () => {
    const e = refusal('postgres://u:db-secret@h/db?cache=redis://:cache-secret@h:6379/0?x=1');
    expect(JSON.stringify([e.message, e.details])).not.toMatch(/db-secret|cache-secret/);
    const shown = redactUrl('duckdb://:memory:?cache=redis://:cache-secret@h:6379/0&feed=redis://u:feed-secret@h');
    expect(shown).not.toMatch(/cache-secret|feed-secret/);
    expect(redactUrl('postgres://u:db-secret@h/db?feed=redis://:feed-secret@h')).not.toMatch(/db-secret|feed-secret/);
  });

  it('is what createStorage applies: an unknown parameter opens nothing', async () => {
    await expect(createStorage('duckdb://:memory:?memory=1GB')).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('"memory"'),
    });
  });
});
