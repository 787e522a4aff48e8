import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import type { TimeSeries } from '../../src/core/types.js';
import { createEventBus, type OwnedEventBus } from '../../src/engines/events/index.js';
import type { TsiotEvent } from '../../src/engines/events/types.js';
import { makeEngines, type TestEngines } from '../helpers/engines.js';
import { redisAvailable, testRedisUrl } from './jobs/helpers/redis.js';

function series(name: string): TimeSeries {
  return {
    id: name,
    name,
    metadata: { tags: {}, generator: 'test', seed: 1 },
    timestamps: Float64Array.from([0, 1000, 2000]),
    columns: [{ name: 'v', values: Float64Array.from([1, 2, 3]) }],
    labels: [],
  };
}

describe('one event bus, created once in createEngines', () => {
  it('in-process without Redis: the job engine publishes on engines.events, and so does the series store', async () => {
    const engines = await makeEngines();
    try {
      expect(engines.events.kind).toBe('in-process');
      expect(engines.jobs.events).toBe(engines.events);
      const seen: TsiotEvent[] = [];
      const stop = engines.events.subscribe((e) => seen.push(e));
      const [stored] = await engines.series.store([series('a')]);
      expect(seen.map((e) => e.type)).toEqual(['series.created']);
      expect(seen[0]!.data).toMatchObject({ ids: [stored!.id], generator: 'test', seed: 1 });
      await engines.series.delete(stored!.id);
      expect(seen.map((e) => e.type)).toEqual(['series.created', 'series.deleted']);
      stop();
    } finally {
      await engines.close();
    }
  });

  it('stores all-or-nothing: a failure part-way removes what the call stored and announces nothing', async () => {
    const engines = await makeEngines();
    try {
      const seen: TsiotEvent[] = [];
      engines.events.subscribe((e) => seen.push(e));
      const bad = series('bad');
      bad.columns[0]!.values = Float64Array.from([1, 2]); // fewer values than timestamps: the backend refuses it
      await expect(engines.series.store([series('ok'), bad])).rejects.toThrow();
      expect((await engines.storage.list()).total).toBe(0);
      expect(seen).toEqual([]);
    } finally {
      await engines.close();
    }
  });
});

const REDIS_URL = testRedisUrl(7);
const redisUp = await redisAvailable();

describe.skipIf(!redisUp)('with TSIOT_REDIS_URL: the Redis bus', () => {
  let engines: TestEngines;
  let listener: OwnedEventBus;
  beforeAll(async () => {
    engines = await makeEngines({ jobs: { redisUrl: REDIS_URL } });
    listener = await createEventBus({
      redisUrl: REDIS_URL,
      documents: engines.documents,
      logger: createLogger('silent'),
    });
  });
  afterAll(async () => {
    await listener?.close();
    await engines?.close();
  });

  it('is shared by the job engine and carries series events to another process', async () => {
    expect(engines.events.kind).toBe('redis');
    expect(engines.jobs.kind).toBe('bullmq');
    expect(engines.jobs.events).toBe(engines.events);
    const seen: TsiotEvent[] = [];
    listener.bus.subscribe((e) => seen.push(e));
    // the reader starts at the stream's end: give it a moment to be in place
    await new Promise((r) => setTimeout(r, 300));
    const [stored] = await engines.series.store([series('over-redis')]);
    const mine = () => seen.find((e) => e.type === 'series.created' && (e.data.ids as string[])?.includes(stored!.id));
    for (let i = 0; i < 100 && !mine(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(mine()?.data).toMatchObject({ ids: [stored!.id], generator: 'test' });
  });
});
