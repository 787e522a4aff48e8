import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BullJobEngine } from '../../../../src/engines/jobs/bull/engine.js';
import { startBullWorkers, type BullWorkers } from '../../../../src/engines/jobs/bull/worker.js';
import { createJobEngine } from '../../../../src/engines/jobs/index.js';
import { JobHandlerRegistry } from '../../../../src/engines/jobs/registry.js';
import { replayJob } from '../../../../src/engines/events/replay.js';
import type { TsiotEvent } from '../../../../src/engines/events/types.js';
import { flushTsiotKeys, redisAvailable, testRedisUrl, waitFor } from '../helpers/redis.js';
import { flakyHandler, logger, registryWith, sleeper, tempDirStorage } from '../helpers/setup.js';
import type { DirStorage } from '../helpers/dir-storage.js';

const up = await redisAvailable();
const REDIS_URL = testRedisUrl(11);

describe.skipIf(!up)('jobs on BullMQ (real Redis)', () => {
  let storage: DirStorage;
  let engine: BullJobEngine;
  let workers: BullWorkers;
  const failing = { on: true, runs: 0 };
  const events: TsiotEvent[] = [];

  beforeAll(async () => {
    await flushTsiotKeys(REDIS_URL);
    ({ storage } = await tempDirStorage());
    const registry = registryWith(storage, [flakyHandler(failing), sleeper()]);
    engine = (await createJobEngine({ redisUrl: REDIS_URL, registry, logger })) as BullJobEngine;
    engine.events.subscribe((e) => events.push(e));
    workers = await startBullWorkers({ redisUrl: REDIS_URL, registry, logger, concurrency: 2 });
  });

  afterAll(async () => {
    await workers?.close();
    await engine?.close();
  });

  it('runs a chunked generation job to completion and logs its events', async () => {
    const job = await engine.start({
      type: 'generation',
      data: {
        generator: 'window-ramp',
        params: { start: 0, points: 5000, interval: 1000, devices: 2 },
        seed: 1,
        chunkValues: 1000,
      },
    });
    expect(job.state).toBe('queued');
    const done = await waitFor('completion', async () => {
      const j = await engine.get(job.id);
      return j.state === 'completed' && j;
    });
    expect(done.result).toMatchObject({ chunks: 10, values: 10_000, parts: 20 }); // 2 values a row: 500 rows a chunk
    const parts = await storage.list({ tags: { 'tsiot.job': job.id }, limit: 100 });
    expect(parts.total).toBe(20);
    const history = await engine.events.history(job.id);
    expect(history.map((e) => e.type)).toEqual(
      expect.arrayContaining(['job.queued', 'job.started', 'generation.completed', 'job.completed']),
    );
    expect(replayJob(job.id, history)).toMatchObject({ state: 'completed', attempts: 1 });
    await waitFor('live event', async () => events.some((e) => e.jobId === job.id && e.type === 'job.completed'));
  });

  it('retries with backoff, then dead-letters; re-queue runs it again', async () => {
    failing.on = true;
    failing.runs = 0;
    const job = await engine.start({ type: 'validation', data: {}, attempts: 3, backoffMs: 50 });
    const dead = await waitFor('dead letter', async () => {
      const j = await engine.get(job.id);
      return j.state === 'dead' && j;
    });
    expect(failing.runs).toBe(3);
    expect(dead.attempts).toBe(3);
    expect(dead.error).toEqual({ code: 'internal', message: 'the test handler always fails' });
    expect((await engine.deadLetters()).map((j) => j.id)).toContain(job.id);
    const history = await waitFor('three failures logged', async () => {
      const h = await engine.events.history(job.id);
      return h.filter((e) => e.type === 'job.failed').length === 3 && h;
    });
    expect(history.filter((e) => e.type === 'job.failed').map((e) => e.data.willRetry)).toEqual([true, true, false]);

    failing.on = false;
    const again = await engine.requeue(job.id);
    expect(['queued', 'running', 'completed']).toContain(again.state);
    const ok = await waitFor('completion after re-queue', async () => {
      const j = await engine.get(job.id);
      return j.state === 'completed' && j;
    });
    expect(ok.result).toEqual({ ok: true });
    expect((await engine.deadLetters()).map((j) => j.id)).not.toContain(job.id);
    await expect(engine.requeue(job.id)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('cancels a running job; cancelling it again or an unknown id is a clear error', async () => {
    const job = await engine.start({
      type: 'generation',
      data: {
        generator: 'window-ramp',
        params: { start: 0, points: 100_000, interval: 1000, slowMs: 200 },
        seed: 2,
        chunkValues: 1000,
      },
    });
    await waitFor('running', async () => (await engine.get(job.id)).state === 'running');
    const cancelled = await engine.cancel(job.id);
    expect(cancelled.state).toBe('cancelled');
    await expect(engine.cancel(job.id)).rejects.toMatchObject({ code: 'conflict' });
    await expect(engine.get('generation-0000000000000000')).rejects.toMatchObject({ code: 'not_found' });
    await expect(engine.cancel('nope')).rejects.toMatchObject({ code: 'not_found' });
    expect((await engine.deadLetters()).map((j) => j.id)).not.toContain(job.id);
  });

  it('cancels a queued job before it starts', async () => {
    const job = await engine.start({ type: 'validation', data: {}, delayMs: 60_000 });
    const c = await engine.cancel(job.id);
    expect(c.state).toBe('cancelled');
    expect((await engine.get(job.id)).state).toBe('cancelled');
    expect((await engine.list({ state: 'cancelled' })).map((j) => j.id)).toContain(job.id);
  });

  it('refuses bad requests before queueing', async () => {
    await expect(engine.start({ type: 'export', data: {} })).rejects.toMatchObject({ code: 'unsupported' });
    await expect(engine.start({ type: 'bogus' as never, data: {} })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(
      engine.start({ type: 'generation', data: { generator: 'window-ramp', params: { interval: 'often' } } }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    const bad = engine.schedule({ id: 'bad', cron: 'every hour', job: { type: 'cleanup', data: { olderThan: '1d' } } });
    await expect(bad).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(bad).rejects.toThrow(/0 \* \* \* \*/);
  });

  it('runs higher priority first', async () => {
    const blocker = await engine.start({ type: 'training', data: { ms: 400 } });
    const blocker2 = await engine.start({ type: 'training', data: { ms: 400 } });
    await waitFor(
      'blockers running',
      async () =>
        (await engine.get(blocker2.id)).state === 'running' && (await engine.get(blocker.id)).state === 'running',
    );
    const low = await engine.start({ type: 'training', data: { ms: 1 }, priority: 90 });
    const high = await engine.start({ type: 'training', data: { ms: 1 }, priority: 10 });
    const l = await waitFor('low done', async () => {
      const j = await engine.get(low.id);
      return j.state === 'completed' && j;
    });
    const h = await waitFor('high done', async () => {
      const j = await engine.get(high.id);
      return j.state === 'completed' && j;
    });
    expect(h.startedAt! <= l.startedAt!).toBe(true);
  });

  it('limits how fast a tenant starts jobs, across API instances', async () => {
    const limited = (await createJobEngine({
      redisUrl: REDIS_URL,
      registry: registryWith(storage, [sleeper()]),
      logger,
      rateLimit: { burst: 2, perSecond: 0.2 },
    })) as BullJobEngine;
    const twin = (await createJobEngine({
      redisUrl: REDIS_URL,
      registry: registryWith(storage, [sleeper()]),
      logger,
      rateLimit: { burst: 2, perSecond: 0.2 },
    })) as BullJobEngine;
    try {
      await limited.start({ type: 'training', data: { ms: 1 }, tenant: 'acme' });
      await twin.start({ type: 'training', data: { ms: 1 }, tenant: 'acme' });
      await expect(limited.start({ type: 'training', data: { ms: 1 }, tenant: 'acme' })).rejects.toMatchObject({
        code: 'rate_limited',
        details: { retryAfterMs: expect.any(Number) },
      });
      await expect(twin.start({ type: 'training', data: { ms: 1 }, tenant: 'acme' })).rejects.toMatchObject({
        code: 'rate_limited',
      });
      await twin.start({ type: 'training', data: { ms: 1 }, tenant: 'other' });
    } finally {
      await limited.close();
      await twin.close();
    }
  });

  it('answers unavailable quickly when Redis is unreachable', async () => {
    const t0 = Date.now();
    await expect(
      createJobEngine({ redisUrl: 'redis://127.0.0.1:1', registry: new JobHandlerRegistry(), logger }),
    ).rejects.toMatchObject({ code: 'unavailable' });
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
