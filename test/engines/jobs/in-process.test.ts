import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../src/core/errors.js';
import { InProcessEventBus } from '../../../src/engines/events/memory-bus.js';
import { replayJob } from '../../../src/engines/events/replay.js';
import { InProcessJobEngine } from '../../../src/engines/jobs/in-process.js';
import type { JobView } from '../../../src/engines/jobs/types.js';
import { DuckDbStorage } from '../../../src/engines/storage/duckdb.js';
import { waitFor } from './helpers/redis.js';
import { flakyHandler, logger, registryWith, sleeper } from './helpers/setup.js';

function until(engine: InProcessJobEngine, id: string, state: JobView['state']) {
  return waitFor(`${id} ${state}`, async () => {
    const j = await engine.get(id);
    return j.state === state && j;
  });
}

describe('in-process job engine (embedded DuckDB documents)', () => {
  let db: DuckDbStorage;
  let engine: InProcessJobEngine;
  const failing = { on: true, runs: 0 };

  const make = async (concurrency = 2, extra: Partial<ConstructorParameters<typeof InProcessJobEngine>[0]> = {}) => {
    const e = new InProcessJobEngine({
      documents: db,
      registry: registryWith(db, [flakyHandler(failing), sleeper()]),
      events: new InProcessEventBus(db),
      logger,
      concurrency,
      schedulerTickMs: 50,
      ...extra,
    });
    await e.init();
    return e;
  };

  beforeEach(async () => {
    db = new DuckDbStorage({ path: ':memory:' });
    await db.init();
    engine = await make();
  });

  afterEach(async () => {
    await engine.close();
    await db.close();
  });

  it('runs a chunked generation into storage and keeps its event history', async () => {
    const job = await engine.start({
      type: 'generation',
      data: {
        generator: 'window-ramp',
        params: { start: 0, points: 3000, interval: 1000 },
        seed: 3,
        chunkValues: 1000,
      },
    });
    const done = await until(engine, job.id, 'completed');
    expect(done.result).toMatchObject({ chunks: 3, values: 3000, parts: 3 });
    const parts = await db.list({ tags: { 'tsiot.job': job.id } });
    expect(parts.items.map((p) => p.points).sort()).toEqual([1000, 1000, 1000]);
    const history = await engine.events.history(job.id);
    expect(history.map((e) => e.type).filter((t) => t !== 'job.progress')).toEqual([
      'job.queued',
      'job.started',
      'generation.completed',
      'job.completed',
    ]);
    expect(history.some((e) => e.type === 'job.progress')).toBe(true);
    expect(replayJob(job.id, history)).toMatchObject({ state: 'completed', attempts: 1, result: done.result });
  });

  it('the same seed and chunk size give the same data', async () => {
    const data = {
      generator: 'window-ramp',
      params: { start: 0, points: 2000, interval: 1000 },
      seed: 'abc',
      chunkValues: 1000,
    };
    const [a, b] = await Promise.all([
      engine.start({ type: 'generation', data }),
      engine.start({ type: 'generation', data }),
    ]);
    await until(engine, a.id, 'completed');
    await until(engine, b.id, 'completed');
    for (const k of [0, 1]) {
      const x = await db.retrieve({ id: `${a.id}-c${k}-s0` });
      const y = await db.retrieve({ id: `${b.id}-c${k}-s0` });
      expect(Buffer.from(x.columns[0]!.values.buffer).equals(Buffer.from(y.columns[0]!.values.buffer))).toBe(true);
    }
  });

  it('retries with exponential backoff, dead-letters, and re-queues', async () => {
    failing.on = true;
    failing.runs = 0;
    const t0 = Date.now();
    const job = await engine.start({ type: 'validation', data: {}, attempts: 3, backoffMs: 100 });
    const dead = await until(engine, job.id, 'dead');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300); // 100 + 200 ms of backoff
    expect(failing.runs).toBe(3);
    expect(dead).toMatchObject({ attempts: 3, error: { code: 'internal' } });
    expect((await engine.deadLetters()).map((j) => j.id)).toEqual([job.id]);
    failing.on = false;
    await engine.requeue(job.id);
    expect((await until(engine, job.id, 'completed')).result).toEqual({ ok: true });
    expect(await engine.deadLetters()).toEqual([]);
    await expect(engine.requeue(job.id)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('times out an attempt even when the handler ignores the signal', async () => {
    const job = await engine.start({
      type: 'training',
      data: { ms: 5000, ignoreSignal: true },
      attempts: 1,
      timeoutMs: 150,
    });
    const dead = await until(engine, job.id, 'dead');
    expect(dead.error?.code).toBe('timeout');
  });

  it('runs higher priority first', async () => {
    await engine.close();
    engine = await make(1);
    const blocker = await engine.start({ type: 'training', data: { ms: 200 } });
    const low = await engine.start({ type: 'training', data: { ms: 1 }, priority: 90 });
    const high = await engine.start({ type: 'training', data: { ms: 1 }, priority: 10 });
    const [l, h] = [await until(engine, low.id, 'completed'), await until(engine, high.id, 'completed')];
    expect(h.startedAt! <= l.startedAt!).toBe(true);
    expect((await engine.get(blocker.id)).state).toBe('completed');
  });

  it('cancels running and queued jobs; finished or unknown ones are clear errors', async () => {
    await engine.close();
    engine = await make(1);
    const a = await engine.start({ type: 'training', data: { ms: 10_000 } });
    const b = await engine.start({ type: 'training', data: { ms: 10 } });
    await until(engine, a.id, 'running');
    expect((await engine.cancel(b.id)).state).toBe('cancelled');
    expect((await engine.cancel(a.id)).state).toBe('cancelled');
    await expect(engine.cancel(a.id)).rejects.toMatchObject({ code: 'conflict' });
    await expect(engine.get('generation-ffffffffffffffff')).rejects.toMatchObject({ code: 'not_found' });
    expect(replayJob(a.id, await engine.events.history(a.id)).state).toBe('cancelled');
  });

  it('after a restart, shows what ran and failed and resumes an interrupted job from its checkpoint without duplicates', async () => {
    failing.on = true;
    const bad = await engine.start({ type: 'validation', data: {}, attempts: 1 });
    await until(engine, bad.id, 'dead');
    const job = await engine.start({
      type: 'generation',
      data: {
        generator: 'window-ramp',
        params: { start: 0, points: 20_000, interval: 1000, slowMs: 100 },
        seed: 5,
        chunkValues: 1000,
      },
    });
    await waitFor('some chunks', async () => ((await engine.get(job.id)).progress?.done ?? 0) >= 3);
    await engine.close(); // the process goes away mid-job
    expect((await db.getDocument<JobView>('jobs', job.id))?.state).toBe('running');

    engine = await make();
    expect((await engine.get(bad.id)).state).toBe('dead');
    const done = await until(engine, job.id, 'completed');
    expect(done.result).toMatchObject({ chunks: 20, values: 20_000, parts: 20 });
    const history = await engine.events.history(job.id);
    expect(history.map((e) => e.type)).toContain('job.interrupted');
    const restart = history.findLastIndex((e) => e.type === 'job.started');
    expect(Number(history.slice(restart).find((e) => e.type === 'job.progress')?.data.done)).toBeGreaterThan(3);
    const parts = await db.list({ tags: { 'tsiot.job': job.id }, limit: 100 });
    expect(parts.total).toBe(20);
    const seen = new Set<number>();
    for (const p of parts.items) for (const t of (await db.retrieve({ id: p.id })).timestamps) seen.add(t);
    expect(seen.size).toBe(20_000);
    expect(parts.items.reduce((n, p) => n + p.points, 0)).toBe(20_000);
  });

  it('schedules fire once per period, survive a restart, and can be removed', async () => {
    await expect(
      engine.schedule({ id: 'x', cron: '99 * * * *', job: { type: 'training', data: { ms: 1 } } }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(
      engine.schedule({ id: 'bad id!', cron: '* * * * *', job: { type: 'training', data: { ms: 1 } } }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(
      engine.schedule({ id: 'y', cron: '* * * * *', job: { type: 'training', data: {} } }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    const s = await engine.schedule({ id: 'tick', cron: '* * * * * *', job: { type: 'training', data: { ms: 1 } } });
    expect(s).toMatchObject({ id: 'tick', type: 'training', tz: 'UTC' });
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 2200));
    await engine.close();
    engine = await make();
    expect((await engine.schedules()).map((x) => x.id)).toEqual(['tick']);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await engine.unschedule('tick')).toBe(true);
    const elapsed = (Date.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 1100));
    const runs = (await engine.list({ type: 'training' })).filter((j) => j.scheduleId === 'tick');
    const seconds = runs.map((j) => Math.floor(Date.parse(j.createdAt) / 1000));
    expect(new Set(seconds).size).toBe(runs.length);
    expect(runs.length).toBeGreaterThanOrEqual(Math.floor(elapsed) - 1);
    expect(runs.length).toBeLessThanOrEqual(Math.ceil(elapsed) + 1);
    expect(await engine.schedules()).toEqual([]);
  });

  it('refuses unknown and unhandled job types, bad data and tenants over their rate', async () => {
    await expect(engine.start({ type: 'export', data: {} })).rejects.toMatchObject({ code: 'unsupported' });
    await expect(engine.start({ type: 'nope' as never, data: {} })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(
      engine.start({ type: 'generation', data: { generator: 'window-ramp', params: { devices: 0 } } }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(engine.start({ type: 'generation', data: { generator: 'unknown-gen' } })).rejects.toBeInstanceOf(
      TsiotError,
    );
    await engine.close();
    engine = await make(2, { rateLimit: { burst: 2, perSecond: 0.5 } });
    await engine.start({ type: 'training', data: { ms: 1 }, tenant: 'acme' });
    await engine.start({ type: 'training', data: { ms: 1 }, tenant: 'acme' });
    await expect(engine.start({ type: 'training', data: { ms: 1 }, tenant: 'acme' })).rejects.toMatchObject({
      code: 'rate_limited',
    });
    await engine.start({ type: 'training', data: { ms: 1 }, tenant: 'other' });
  });
});
