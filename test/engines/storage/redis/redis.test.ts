/**
 * Redis backend against a real server (TSIOT_TEST_REDIS_URL): the shared
 * contract, series expiry, the query-result cache, the Streams live feed with
 * consumer groups, and health when the server is down; then the cache and
 * feed as layers any storage URL can carry (?cache=…&feed=…).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../../src/core/errors.js';
import type { TimeSeries } from '../../../../src/core/types.js';
import type { Logger } from '../../../../src/core/logger.js';
import { createStorage } from '../../../../src/engines/storage/index.js';
import { RedisStorage } from '../../../../src/engines/storage/redis/index.js';
import { RedisLiveFeed } from '../../../../src/engines/storage/redis/live-feed.js';
import { RedisQueryCache, withQueryCache } from '../../../../src/engines/storage/redis/query-cache.js';
import { runTool } from '../../../../src/registry/run-tool.js';
import { tools } from '../../../../tools/index.js';
import { makeEngines } from '../../../helpers/engines.js';
import { closedPort, requireServer, runName } from '../../../helpers/servers.js';
import { describeStorageContract } from '../contract.js';

const server = await requireServer('Redis', 'TSIOT_TEST_REDIS_URL', 6379, async (url) => {
  const r = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } finally {
    r.disconnect();
  }
});
const prefix = runName('tsiot_test');
const withParams = (url: string, params: string) => `${url}${url.includes('?') ? '&' : '?'}${params}`;

function series(id: string, n: number, columns = ['v']): TimeSeries {
  const timestamps = Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 1_000);
  return {
    id,
    name: id,
    metadata: { tags: {} },
    timestamps,
    columns: columns.map((name, j) => ({
      name,
      values: Float64Array.from({ length: n }, (_, i) => (i % 5 === 3 ? NaN : i * (j + 1) + 0.25)),
    })),
    labels: [],
  };
}

describe.skipIf(!server.ok)('redis backend', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  });

  describeStorageContract(
    'redis',
    async () => (await createStorage(withParams(server.url, `prefix=${prefix}`))) as RedisStorage,
  );

  describe('redis specifics', () => {
    let storage: RedisStorage;
    beforeAll(async () => {
      storage = new RedisStorage({ url: withParams(server.url, `prefix=${prefix}`) });
      await storage.init();
    });
    afterAll(async () => storage.close());

    it('keeps series in chunks of one generation and drops the replaced one', async () => {
      const id = 'chunks';
      await storage.store(series(id, 70_000));
      const before = await redis.keys(`${prefix}:data:${id}:*`);
      expect(before.length).toBe(2);
      await storage.store(series(id, 10), { overwrite: true });
      const after = await redis.keys(`${prefix}:data:${id}:*`);
      expect(after.length).toBe(1);
      expect(after[0]!.split(':')[3]).not.toBe(before[0]!.split(':')[3]);
    });

    it('expires series after the ttl from the URL, and lists only live ones', async () => {
      const expiring = new RedisStorage({ url: withParams(server.url, `prefix=${prefix}_ttl&ttl=0.3`) });
      await expiring.store(series('short-lived', 5));
      expect((await expiring.list()).total).toBe(1);
      await new Promise((r) => setTimeout(r, 450));
      expect(await expiring.describe('short-lived')).toBeUndefined();
      expect((await expiring.list()).total).toBe(0);
      await expiring.close();
    });

    it('caches query results with a ttl and invalidates them on store and delete', async () => {
      let reads = 0;
      const cache = new RedisQueryCache(redis, { ttlSeconds: 30, prefix: `${prefix}:qcache` });
      const cached = withQueryCache(
        {
          kind: 'redis',
          init: () => storage.init(),
          store: (s, o) => storage.store(s, o),
          retrieve: (q) => {
            reads++;
            return storage.retrieve(q);
          },
          describe: (id) => storage.describe(id),
          list: (q) => storage.list(q),
          delete: (id) => storage.delete(id),
          health: () => storage.health(),
          close: async () => undefined,
        },
        cache,
      );
      const s = series('cached', 2_000);
      await cached.store(s);
      const q = { id: 'cached', downsample: { bucketMs: 60_000, aggregation: 'avg' as const } };
      const first = await cached.retrieve(q);
      const second = await cached.retrieve(q);
      expect(reads).toBe(1);
      expect(cache.stats).toEqual({ hits: 1, misses: 1, errors: 0 });
      expect(Array.from(second.columns[0]!.values)).toEqual(Array.from(first.columns[0]!.values));
      expect(second.metadata).toEqual(first.metadata);
      const ttl = await redis.ttl((await redis.keys(`${prefix}:qcache:r:*`))[0]!);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30);

      await cached.store(series('cached', 10), { overwrite: true });
      const fresh = await cached.retrieve(q);
      expect(reads).toBe(2);
      expect(fresh.timestamps.length).toBe(1);
      await cached.delete('cached');
      await expect(cached.retrieve(q)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('feeds generated points through a stream to consumer groups, with ack and claim', async () => {
      const feed = new RedisLiveFeed(redis, { prefix });
      const s = series('live', 10, ['temp', 'hum']);
      await feed.createGroup('live', 'dash');
      await feed.createGroup('live', 'dash');
      await feed.createGroup('live', 'archive');
      expect(await feed.publish(s)).toBe(10);
      expect(await feed.length('live')).toBe(10);

      const a = await feed.read('live', 'dash', 'worker-a', { count: 6 });
      const b = await feed.read('live', 'dash', 'worker-b', { count: 6, blockMs: 100 });
      expect(a.length + b.length).toBe(10);
      expect([...a, ...b].map((p) => p.t)).toEqual(Array.from(s.timestamps));
      expect(a[3]!.values).toEqual({});
      expect(a[1]!.values).toEqual({ temp: s.columns[0]!.values[1], hum: s.columns[1]!.values[1] });
      // Another group sees every point again.
      expect((await feed.read('live', 'archive', 'x', { count: 100 })).length).toBe(10);

      expect(
        await feed.ack(
          'live',
          'dash',
          a.map((p) => p.entryId),
        ),
      ).toBe(6);
      expect(await feed.pending('live', 'dash')).toBe(4);
      // worker-b died: worker-a takes over its points after they idled.
      await new Promise((r) => setTimeout(r, 60));
      const claimed = await feed.claimStale('live', 'dash', 'worker-a', 50);
      expect(claimed.map((p) => p.entryId)).toEqual(b.map((p) => p.entryId));
      await feed.ack(
        'live',
        'dash',
        claimed.map((p) => p.entryId),
      );
      expect(await feed.pending('live', 'dash')).toBe(0);
      expect(await feed.read('live', 'dash', 'worker-a', { count: 10 })).toEqual([]);
    });

    it('reports a down server as unavailable quickly, and health as not ok', async () => {
      const port = await closedPort();
      const down = new RedisStorage({ url: `redis://:s3cret-pw@127.0.0.1:${port}/0` });
      const started = performance.now();
      const health = await down.health();
      expect(health).toMatchObject({ ok: false, backend: 'redis' });
      expect(health.detail).not.toContain('s3cret-pw');
      const err = await down.store(series('never', 3)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TsiotError);
      expect((err as TsiotError).code).toBe('unavailable');
      expect((err as TsiotError).message).not.toContain('s3cret-pw');
      expect(performance.now() - started).toBeLessThan(5_000);
      await down.close();
    });
  });
  describe('cache and feed layers from the storage URL', () => {
    const layers = (p: string, redisUrl = server.url) =>
      `cache=${redisUrl}&cacheTtl=30&cachePrefix=${prefix}_${p}:qc&feed=${redisUrl}&feedPrefix=${prefix}_${p}`;

    // every stored point also goes to the feed, one stream entry each: a smaller large batch keeps it under a minute
    describeStorageContract(
      'duckdb behind the cache and the feed',
      async () => createStorage(`duckdb://:memory:?${layers('contract')}`),
      { largeBatchPoints: 200_000 },
    );

    it('answers a repeated query from the cache, forgets it on store and delete, and keeps the backend apart', async () => {
      const inner = `redis://127.0.0.1:${new URL(server.url).port || 6379}/0?prefix=${prefix}_inner`;
      const storage = await createStorage(`${inner}&${layers('cache')}`);
      await storage.init();
      try {
        await storage.store(series('c1', 500));
        const q = { id: 'c1', start: 1_700_000_010_000, end: 1_700_000_099_000 };
        const first = await storage.retrieve(q);
        expect(first.timestamps.length).toBe(90);
        expect(await redis.keys(`${prefix}_cache:qc:r:*`)).toHaveLength(1);
        // take the data away behind the cache's back: the same query is still answered, from the cache
        await redis.del(...(await redis.keys(`${prefix}_inner:data:c1:*`)));
        const second = await storage.retrieve(q);
        expect(Array.from(second.timestamps)).toEqual(Array.from(first.timestamps));
        expect(Array.from(second.columns[0]!.values)).toEqual(Array.from(first.columns[0]!.values));
        // a store through the layer moves the version: the new data is read
        await storage.store(series('c1', 20), { overwrite: true });
        expect((await storage.retrieve(q)).timestamps.length).toBe(10);
        expect(await storage.delete('c1')).toBe(true);
        await expect(storage.retrieve(q)).rejects.toMatchObject({ code: 'not_found' });
        expect((await storage.health()).ok).toBe(true);
      } finally {
        await storage.close();
      }
    });

    it('publishes every stored series to the feed, readable by a consumer group', async () => {
      const storage = await createStorage(`duckdb://:memory:?${layers('feed')}`);
      await storage.init();
      try {
        const s = series('f1', 1_500, ['temp', 'hum']);
        await storage.store(s);
        const feed = new RedisLiveFeed(redis, { prefix: `${prefix}_feed` });
        expect(await feed.length('f1')).toBe(1_500);
        await feed.createGroup('f1', 'readers', '0');
        const points = [];
        for (let batch = await feed.read('f1', 'readers', 'r1', { count: 1_000 }); batch.length; ) {
          points.push(...batch);
          batch = await feed.read('f1', 'readers', 'r1', { count: 1_000 });
        }
        expect(points.map((p) => p.t)).toEqual(Array.from(s.timestamps));
        expect(points[1]!.values).toEqual({ temp: s.columns[0]!.values[1], hum: s.columns[1]!.values[1] });
        expect(points[3]!.values).toEqual({});
        expect(await feed.destroyGroup('f1', 'readers')).toBe(true);
        // the layer keeps what the backend offers beside the contract
        expect(typeof storage.putDocument).toBe('function');
        expect(typeof storage.findSimilar).toBe('function');
      } finally {
        await storage.close();
      }
    });

    it('with its Redis down: reads pass by the cache, writes are refused before they change anything, a feed failure leaves the store standing', async () => {
      const down = `redis://:layer-secret@127.0.0.1:${await closedPort()}/0`;
      const warnings: string[] = [];
      const logger = { warn: (_o: object, m: string) => warnings.push(m), debug: () => undefined } as unknown as Logger;
      const cached = await createStorage(`duckdb://:memory:?cache=${down}`, { logger });
      await cached.init();
      const err = await cached.store(series('d1', 5)).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'unavailable' });
      expect((err as Error).message).not.toContain('layer-secret');
      expect((await cached.list()).total).toBe(0);
      const health = await cached.health();
      expect(health.detail).toMatch(/query cache at .* unavailable/);
      expect(health.detail).not.toContain('layer-secret');
      await cached.close();

      const fed = await createStorage(`duckdb://:memory:?feed=${down}`, { logger });
      await fed.init();
      await fed.store(series('d2', 5));
      expect((await fed.retrieve({ id: 'd2' })).timestamps.length).toBe(5);
      expect(warnings.some((w) => /live feed: a stored series could not be published/.test(w))).toBe(true);
      expect(JSON.stringify(warnings)).not.toContain('layer-secret');
      await fed.close();
    });

    it('is what a configured storage URL gives every interface: tools store through it, read through the cache, feed the stream', async () => {
      const engines = await makeEngines({ storage: `duckdb://:memory:?${layers('engines')}` });
      try {
        const ctx = {
          engines,
          logger: engines.logger,
          signal: new AbortController().signal,
          progress: () => undefined,
        };
        const generated = await runTool(
          tools.find((t) => t.name === 'generate_timeseries')!,
          { seed: 3, devices: 1, sensors: [{ type: 'temperature' }], points: 120, interval: '1m' },
          ctx,
        );
        expect(generated.structured.stored).toBe(true);
        const id = (generated.structured.series as { id: string }[])[0]!.id;
        // the documents and the similarity search of the embedded backend are still there behind the layers
        expect(engines.documents).toBe(engines.storage);
        const getSeries = tools.find((t) => t.name === 'get_series')!;
        const first = await runTool(getSeries, { id }, ctx);
        const second = await runTool(getSeries, { id }, ctx);
        expect(second.structured).toEqual(first.structured);
        expect((await redis.keys(`${prefix}_engines:qc:r:*`)).length).toBeGreaterThan(0);
        const feed = new RedisLiveFeed(redis, { prefix: `${prefix}_engines` });
        expect(await feed.length(id)).toBe(120);
        // a fleet is stored in one commit (storeMany): the layers see each of its series too
        const fleet = await runTool(
          tools.find((t) => t.name === 'generate_timeseries')!,
          { seed: 4, devices: 2, sensors: [{ type: 'temperature' }], points: 30, interval: '1m' },
          ctx,
        );
        for (const s of fleet.structured.series as { id: string }[]) expect(await feed.length(s.id)).toBe(30);
      } finally {
        await engines.close();
      }
    });

    it('reads past a cache that is down, from the backend', async () => {
      const inner = `redis://127.0.0.1:${new URL(server.url).port || 6379}/0?prefix=${prefix}_gone`;
      const plain = await createStorage(inner);
      await plain.store(series('g1', 10));
      await plain.close();
      const logger = { warn: () => undefined, debug: () => undefined } as unknown as Logger;
      const storage = await createStorage(`${inner}&cache=redis://127.0.0.1:${await closedPort()}/0`, { logger });
      await storage.init();
      try {
        expect((await storage.retrieve({ id: 'g1' })).timestamps.length).toBe(10);
        expect((await storage.list()).total).toBe(1);
      } finally {
        await storage.close();
      }
    });
  });
});
