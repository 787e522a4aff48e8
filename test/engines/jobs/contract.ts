/**
 * The shared job-engine contract: the in-process engine and the BullMQ
 * engine (API + workers on a real Redis) run this one suite (see JobEngine in
 * src/engines/jobs/types.ts).
 *
 *   describeJobEngineContract('in-process', async (options) => ({ engine, storage, reopen, close }));
 *
 * `make` builds an engine whose registry holds the real generation and
 * cleanup handlers plus `options.handlers`, running `options.concurrency` jobs
 * of a type at a time, and the storage generation jobs write to. `reopen`
 * closes the engine and opens it again over the same persisted state (an API
 * process restarting); `close` releases everything. Each setup must keep its
 * jobs apart from other runs sharing the same server (a key prefix of its own).
 *
 * Semantics the suite pins down (beyond the interface's doc comments):
 * - a job's events, in order: job.queued, then per attempt job.started,
 *   job.progress (done never decreasing, the last one done = total), then
 *   job.failed (willRetry true while attempts remain) or the outcome
 *   (job.completed | job.cancelled); the same order reaches live subscribers.
 *   When the outcome event arrives, `get` already shows the outcome.
 * - retry n (1 = first) waits at least backoffMs · 2^(n-1); a permanent
 *   failure (invalid_input, not_found …) is dead at once, without a retry.
 * - a retry sees the checkpoint the failed attempt saved.
 * - `list` is newest first and filters by state, type and tenant before
 *   applying `limit`.
 * - a schedule starts at most one job per period, none after it is removed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../src/core/errors.js';
import { replayJob } from '../../../src/engines/events/replay.js';
import type { TsiotEvent } from '../../../src/engines/events/types.js';
import type { RateLimit } from '../../../src/engines/jobs/rate-limit.js';
import type { JobEngine, JobHandler, JobState, JobView } from '../../../src/engines/jobs/types.js';
import type { Storage } from '../../../src/engines/storage/storage.js';
import { waitFor } from './helpers/redis.js';
import { type ScriptControl, scriptedHandler, sleeper } from './helpers/setup.js';

export interface JobEngineSetupOptions {
  /** Handlers besides generation and cleanup. */
  handlers: JobHandler<any>[];
  /** Jobs of one type running at the same time. */
  concurrency: number;
  rateLimit?: RateLimit;
}

export interface JobEngineSetup {
  engine: JobEngine;
  /** Where generation jobs store their parts. */
  storage: Storage;
  /** Close the engine and open it again over the same state; returns the new engine (also set as `engine`). */
  reopen(): Promise<JobEngine>;
  close(): Promise<void>;
}

const FINISHED: JobState[] = ['completed', 'dead', 'cancelled'];

/** Wait until a job is in one of `states`; returns its view. */
export function until(engine: () => JobEngine, id: string, ...states: JobState[]): Promise<JobView> {
  return waitFor(
    `${id} to be ${states.join(' or ')}`,
    async () => {
      const j = await engine().get(id);
      if (states.includes(j.state)) return j;
      if (FINISHED.includes(j.state))
        throw new Error(`${id} finished as ${j.state} (${JSON.stringify(j.error)}), not ${states.join('|')}`);
      return undefined;
    },
    30_000,
    50,
  );
}

async function expectCode(promise: Promise<unknown>, code: TsiotError['code']): Promise<TsiotError> {
  const caught = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(caught, `expected TsiotError('${code}') but the call succeeded`).toBeInstanceOf(TsiotError);
  expect((caught as TsiotError).code).toBe(code);
  return caught as TsiotError;
}

/** The job's logged history once it holds `type` (histories of other processes arrive a moment later). */
function historyWith(engine: () => JobEngine, id: string, type: string, count = 1): Promise<TsiotEvent[]> {
  return waitFor(`${count}× ${type} in the history of ${id}`, async () => {
    const h = await engine().events.history(id);
    return h.filter((e) => e.type === type).length >= count && h;
  });
}

/** Declare the contract suite for one job engine. */
export function describeJobEngineContract(
  name: string,
  make: (options: JobEngineSetupOptions) => Promise<JobEngineSetup>,
): void {
  describe(`job engine contract: ${name}`, () => {
    const controls = new Map<string, ScriptControl>();
    let counter = 0;
    /** A control the scripted handler consults for jobs with this key. */
    const control = (fail: boolean): { key: string; state: ScriptControl } => {
      const key = `k${++counter}`;
      const state = { fail, runs: 0 };
      controls.set(key, state);
      return { key, state };
    };
    const handlers = () => [scriptedHandler(controls), sleeper()];
    let setup: JobEngineSetup;
    const engine = () => setup.engine;
    /** Events seen live by a subscriber of the engine's bus since the suite began. */
    const live: TsiotEvent[] = [];

    beforeAll(async () => {
      setup = await make({ handlers: handlers(), concurrency: 2 });
      setup.engine.events.subscribe((e) => live.push(e));
    });

    afterAll(async () => {
      await setup?.close();
    });

    it('start returns a queued job; get and list show it run to completion with its result', async () => {
      const job = await engine().start({ type: 'validation', data: { steps: 2 }, tenant: 'acme', priority: 40 });
      expect(job).toMatchObject({
        type: 'validation',
        state: 'queued',
        tenant: 'acme',
        priority: 40,
        attempts: 0,
        maxAttempts: 3,
        data: { steps: 2 },
      });
      expect(Number.isNaN(Date.parse(job.createdAt))).toBe(false);
      const done = await until(engine, job.id, 'completed');
      expect(done).toMatchObject({
        id: job.id,
        attempts: 1,
        result: { ok: true, attempt: 1, resumedFrom: 0, steps: 2 },
        progress: { done: 2, total: 2 },
      });
      expect(done.error).toBeUndefined();
      expect(Date.parse(done.startedAt!)).toBeGreaterThanOrEqual(Date.parse(job.createdAt));
      expect(Date.parse(done.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(done.startedAt!));
      expect((await engine().list({ state: 'completed' })).map((j) => j.id)).toContain(job.id);
      expect((await engine().list({ state: 'queued' })).map((j) => j.id)).not.toContain(job.id);
      await expectCode(engine().get('validation-ffffffffffffffff'), 'not_found');
    });

    it('list is newest first and filters by tenant, state and type before the limit', async () => {
      const tenantA = `a${Date.now().toString(36)}`;
      const tenantB = `b${Date.now().toString(36)}`;
      const started: JobView[] = [];
      // parked a minute out, so they stay queued while the test looks
      for (const tenant of [tenantA, tenantA, tenantA, tenantB, tenantB, tenantB]) {
        started.push(await engine().start({ type: 'training', data: { ms: 1 }, tenant, delayMs: 60_000 }));
        await new Promise((r) => setTimeout(r, 5)); // distinct createdAt, so "newest first" has one answer
      }
      try {
        const ofA = started.slice(0, 3).map((j) => j.id);
        const a = await engine().list({ tenant: tenantA, limit: 3 });
        expect(a.map((j) => j.id)).toEqual([...ofA].reverse());
        expect((await engine().list({ tenant: tenantA, limit: 2 })).map((j) => j.id)).toEqual(
          [...ofA].reverse().slice(0, 2),
        );
        expect((await engine().list({ tenant: tenantA, state: 'queued', type: 'training' })).map((j) => j.id)).toEqual(
          [...ofA].reverse(),
        );
        expect(await engine().list({ tenant: tenantA, state: 'completed' })).toEqual([]);
        expect(await engine().list({ tenant: tenantA, type: 'generation' })).toEqual([]);
        const all = await engine().list({ limit: 1000 });
        for (const j of started) expect(all.map((x) => x.id)).toContain(j.id);
        const created = all.map((j) => Date.parse(j.createdAt));
        expect(created).toEqual([...created].sort((x, y) => y - x));
      } finally {
        for (const j of started) await engine().cancel(j.id);
      }
      const cancelled = await engine().list({ tenant: tenantB, state: 'cancelled' });
      expect(cancelled.map((j) => j.id)).toEqual(
        started
          .slice(3)
          .map((j) => j.id)
          .reverse(),
      );
    });

    it('progress arrives in order and before the outcome; live events follow the history', async () => {
      const job = await engine().start({ type: 'validation', data: { steps: 24, stepMs: 100 } });
      const done = await until(engine, job.id, 'completed');
      const history = await historyWith(engine, job.id, 'job.completed');
      const types = history.map((e) => e.type);
      expect(types[0]).toBe('job.queued');
      expect(types[1]).toBe('job.started');
      expect(types.at(-1)).toBe('job.completed');
      const progress = history.filter((e) => e.type === 'job.progress').map((e) => Number(e.data.done));
      expect(progress.length).toBeGreaterThanOrEqual(2); // a 2.4 s run reports more than its last step
      expect(progress).toEqual([...progress].sort((x, y) => x - y));
      expect(progress.at(-1)).toBe(24);
      expect(types.slice(2, -1).every((t) => t === 'job.progress')).toBe(true);
      expect(history.every((e) => e.data.jobType === 'validation')).toBe(true);
      expect(history.find((e) => e.type === 'job.completed')?.data.result).toEqual(done.result);
      expect(replayJob(job.id, history)).toMatchObject({ state: 'completed', attempts: 1, result: done.result });
      const seen = await waitFor('live job.completed', async () => {
        const mine = live.filter((e) => e.jobId === job.id);
        return mine.some((e) => e.type === 'job.completed') && mine;
      });
      expect(seen.map((e) => e.type)).toEqual(types);
      expect(seen.map((e) => e.id)).toEqual(history.map((e) => e.id));
    });

    it('when the outcome event arrives, get already shows the outcome', async () => {
      const outcomes: Promise<JobView>[] = [];
      const ids = new Set<string>();
      const off = engine().onChange((jobId, event) => {
        if (ids.has(jobId) && (event.type === 'job.completed' || event.type === 'job.failed'))
          outcomes.push(engine().get(jobId));
      });
      try {
        const ok = await engine().start({ type: 'validation', data: { steps: 1 } });
        ids.add(ok.id);
        const bad = await engine().start({ type: 'validation', data: { permanent: true } });
        ids.add(bad.id);
        await until(engine, ok.id, 'completed');
        await until(engine, bad.id, 'dead');
        await waitFor('both outcome events', async () => outcomes.length >= 2);
        const views = await Promise.all(outcomes);
        expect(views.map((v) => v.state).sort()).toEqual(['completed', 'dead']);
      } finally {
        off();
      }
    });

    it('a chunked generation job stores every part once, and the same seed gives the same bytes', async () => {
      const data = {
        generator: 'window-ramp',
        params: { start: 0, points: 3000, interval: 1000, devices: 2 },
        seed: 'contract',
        chunkValues: 1000,
      };
      const [a, b] = [
        await engine().start({ type: 'generation', data }),
        await engine().start({ type: 'generation', data }),
      ];
      const done = await until(engine, a.id, 'completed');
      await until(engine, b.id, 'completed');
      expect(done.result).toMatchObject({ chunks: 6, values: 6000, parts: 12 }); // 500 rows × 2 devices a chunk
      const parts = await setup.storage.list({ tags: { 'tsiot.job': a.id }, limit: 100 });
      expect(parts.total).toBe(12);
      const seen = new Map<string, number>();
      for (const p of parts.items) {
        const s = await setup.storage.retrieve({ id: p.id });
        for (const t of s.timestamps) {
          const k = `${s.metadata.deviceId}@${t}`;
          seen.set(k, (seen.get(k) ?? 0) + 1);
        }
        const twin = await setup.storage.retrieve({ id: p.id.replace(a.id, b.id) });
        expect(Buffer.from(twin.columns[0]!.values.buffer).equals(Buffer.from(s.columns[0]!.values.buffer))).toBe(true);
      }
      expect(seen.size).toBe(6000);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      const history = await historyWith(engine, a.id, 'job.completed');
      expect(history.map((e) => e.type).filter((t) => t !== 'job.progress')).toEqual([
        'job.queued',
        'job.started',
        'generation.completed',
        'job.completed',
      ]);
    });

    it('retries with exponential backoff, then dead-letters; requeue runs it again with fresh attempts', async () => {
      const { key, state } = control(true);
      const job = await engine().start({ type: 'validation', data: { key }, attempts: 3, backoffMs: 150 });
      const dead = await until(engine, job.id, 'dead');
      expect(state.runs).toBe(3);
      expect(dead).toMatchObject({
        attempts: 3,
        maxAttempts: 3,
        error: { code: 'internal', message: 'the test handler always fails' },
      });
      expect(dead.finishedAt).toBeDefined();
      expect((await engine().deadLetters()).map((j) => j.id)).toContain(job.id);
      const history = await historyWith(engine, job.id, 'job.failed', 3);
      const failed = history.filter((e) => e.type === 'job.failed');
      expect(failed.map((e) => e.data.willRetry)).toEqual([true, true, false]);
      expect(failed.map((e) => (e.data.error as { code: string }).code)).toEqual(['internal', 'internal', 'internal']);
      const starts = history.filter((e) => e.type === 'job.started').map((e) => Date.parse(e.at));
      expect(starts).toHaveLength(3);
      // retry n starts at least backoff · 2^(n-1) after the failure of the attempt before it, which
      // itself started earlier (a few ms of clock rounding allowed)
      expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(150 - 5);
      expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(300 - 5);
      expect(replayJob(job.id, history)).toMatchObject({ state: 'dead', attempts: 3 });

      state.fail = false;
      const again = await engine().requeue(job.id);
      expect(['queued', 'running', 'completed']).toContain(again.state);
      const ok = await until(engine, job.id, 'completed');
      expect(ok).toMatchObject({ attempts: 1, result: { ok: true, attempt: 1 } });
      expect(ok.error).toBeUndefined();
      expect(state.runs).toBe(4);
      expect((await engine().deadLetters()).map((j) => j.id)).not.toContain(job.id);
      expect((await historyWith(engine, job.id, 'job.requeued')).map((e) => e.type)).toContain('job.requeued');
      await expectCode(engine().requeue(job.id), 'conflict');
      await expectCode(engine().requeue('validation-0000000000000000'), 'not_found');
    });

    it('a permanent failure goes to the dead-letter queue without a retry', async () => {
      const job = await engine().start({ type: 'validation', data: { permanent: true }, attempts: 5, backoffMs: 10 });
      const dead = await until(engine, job.id, 'dead');
      expect(dead).toMatchObject({ attempts: 1, error: { code: 'invalid_input' } });
      const history = await historyWith(engine, job.id, 'job.failed');
      expect(history.filter((e) => e.type === 'job.started')).toHaveLength(1);
      expect(history.find((e) => e.type === 'job.failed')?.data.willRetry).toBe(false);
    });

    it('a retry resumes from the checkpoint the failed attempt saved', async () => {
      const job = await engine().start({
        type: 'validation',
        data: { steps: 8, failAtStep: 5, failOnAttempts: [1] },
        attempts: 2,
        backoffMs: 10,
      });
      const done = await until(engine, job.id, 'completed');
      expect(done).toMatchObject({ attempts: 2, result: { attempt: 2, resumedFrom: 5, steps: 8 } });
      const history = await historyWith(engine, job.id, 'job.completed');
      expect(history.filter((e) => e.type === 'job.failed').map((e) => e.data.willRetry)).toEqual([true]);
    });

    it('times out an attempt even when the handler ignores the signal', async () => {
      const job = await engine().start({
        type: 'training',
        data: { ms: 5000, ignoreSignal: true },
        attempts: 1,
        timeoutMs: 200,
      });
      const dead = await until(engine, job.id, 'dead');
      expect(dead.error?.code).toBe('timeout');
      expect(Date.parse(dead.finishedAt!) - Date.parse(dead.startedAt!)).toBeLessThan(4000);
    });

    it('cancels a queued and a running job; finished and unknown ids are clear errors', async () => {
      const queued = await engine().start({ type: 'training', data: { ms: 10 }, delayMs: 60_000 });
      const c = await engine().cancel(queued.id);
      expect(c).toMatchObject({ id: queued.id, state: 'cancelled' });
      expect((await engine().get(queued.id)).state).toBe('cancelled');
      expect((await engine().list({ state: 'cancelled' })).map((j) => j.id)).toContain(queued.id);

      const running = await engine().start({ type: 'validation', data: { steps: 600, stepMs: 50 } });
      await until(engine, running.id, 'running');
      const stopped = await engine().cancel(running.id);
      expect(stopped.state).toBe('cancelled');
      expect((await engine().get(running.id)).state).toBe('cancelled');
      await expectCode(engine().cancel(running.id), 'conflict');
      await expectCode(engine().cancel('training-0000000000000000'), 'not_found');
      const dead = (await engine().deadLetters()).map((j) => j.id);
      expect(dead).not.toContain(running.id);
      expect(dead).not.toContain(queued.id);
      const history = await historyWith(engine, running.id, 'job.cancelled');
      expect(history.filter((e) => e.type === 'job.failed')).toEqual([]);
      expect(replayJob(running.id, history).state).toBe('cancelled');
    });

    it('counts jobs by state and the jobs waiting per type', async () => {
      const before = await engine().counts();
      const queued = await engine().start({ type: 'training', data: { ms: 10 }, delayMs: 60_000 });
      const waiting = await engine().counts();
      expect(waiting.byState.queued ?? 0).toBe((before.byState.queued ?? 0) + 1);
      expect(waiting.queued.training ?? 0).toBe((before.queued.training ?? 0) + 1);
      await engine().cancel(queued.id);
      const after = await engine().counts();
      expect(after.byState.queued ?? 0).toBe(before.byState.queued ?? 0);
      expect(after.byState.cancelled ?? 0).toBe((before.byState.cancelled ?? 0) + 1);
    });

    it('a reopened engine still knows finished jobs and serves new ones', async () => {
      const ok = await engine().start({ type: 'validation', data: { steps: 1 } });
      const bad = await engine().start({ type: 'validation', data: { permanent: true } });
      await until(engine, ok.id, 'completed');
      await until(engine, bad.id, 'dead');
      await setup.reopen();
      expect((await engine().get(ok.id)).state).toBe('completed');
      expect((await engine().get(bad.id)).state).toBe('dead');
      expect((await engine().events.history(ok.id)).map((e) => e.type)).toContain('job.completed');
      const next = await engine().start({ type: 'validation', data: { steps: 1 } });
      expect((await until(engine, next.id, 'completed')).result).toMatchObject({ ok: true });
      setup.engine.events.subscribe((e) => live.push(e));
    });

    it('schedules fire once per period, survive a reopen, and can be removed', async () => {
      const id = `tick-${Date.now().toString(36)}`;
      await expectCode(
        engine().schedule({ id: 'x', cron: '99 * * * *', job: { type: 'training', data: { ms: 1 } } }),
        'invalid_input',
      );
      await expectCode(
        engine().schedule({ id: 'bad id!', cron: '* * * * *', job: { type: 'training', data: { ms: 1 } } }),
        'invalid_input',
      );
      await expectCode(
        engine().schedule({ id: 'y', cron: '* * * * *', job: { type: 'training', data: {} } }),
        'invalid_input',
      );
      const bad = engine().schedule({
        id: 'z',
        cron: 'every hour',
        job: { type: 'cleanup', data: { olderThan: '1d' } },
      });
      await expect(bad).rejects.toThrow(/0 \* \* \* \*/);
      const s = await engine().schedule({ id, cron: '* * * * * *', job: { type: 'training', data: { ms: 1 } } });
      expect(s).toMatchObject({ id, type: 'training', tz: 'UTC', cron: '* * * * * *' });
      expect(Date.parse(s.next!)).toBeGreaterThan(Date.now() - 1000);
      const t0 = Date.now();
      await new Promise((r) => setTimeout(r, 2200));
      await setup.reopen();
      setup.engine.events.subscribe((e) => live.push(e));
      expect((await engine().schedules()).filter((x) => x.id === id)).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 1500));
      expect(await engine().unschedule(id)).toBe(true);
      const elapsed = (Date.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, 1200));
      const runs = (await engine().list({ type: 'training', limit: 1000 })).filter((j) => j.scheduleId === id);
      const seconds = runs.map((j) => Math.floor(Date.parse(j.createdAt) / 1000));
      expect(new Set(seconds).size).toBe(runs.length); // never two in one period
      expect(runs.length).toBeGreaterThanOrEqual(Math.floor(elapsed) - 1); // none missed beyond the edges
      expect(runs.length).toBeLessThanOrEqual(Math.ceil(elapsed) + 1);
      expect((await engine().schedules()).filter((x) => x.id === id)).toEqual([]);
      expect(await engine().unschedule(id)).toBe(false);
      const after = (await engine().list({ type: 'training', limit: 1000 })).filter((j) => j.scheduleId === id);
      expect(after.length).toBe(runs.length);
    });

    it('refuses unknown and unhandled job types and bad data before queueing', async () => {
      const before = (await engine().list({ limit: 1000 })).length;
      await expectCode(engine().start({ type: 'export', data: {} }), 'unsupported');
      await expectCode(engine().start({ type: 'nope' as never, data: {} }), 'invalid_input');
      await expectCode(
        engine().start({ type: 'generation', data: { generator: 'window-ramp', params: { interval: 'often' } } }),
        'invalid_input',
      );
      await expectCode(engine().start({ type: 'validation', data: { steps: -1 } }), 'invalid_input');
      await expectCode(engine().start({ type: 'validation', data: { surprise: 1 } }), 'invalid_input');
      await expectCode(engine().start({ type: 'training', data: { ms: 1 }, priority: 0 }), 'invalid_input');
      await expectCode(engine().start({ type: 'training', data: { ms: 1 }, tenant: 'no spaces' }), 'invalid_input');
      expect((await engine().list({ limit: 1000 })).length).toBe(before);
    });

    it('limits how fast a tenant starts jobs', async () => {
      const limited = await make({ handlers: handlers(), concurrency: 1, rateLimit: { burst: 2, perSecond: 0.2 } });
      try {
        const tenant = `r${Date.now().toString(36)}`;
        await limited.engine.start({ type: 'training', data: { ms: 1 }, tenant });
        await limited.engine.start({ type: 'training', data: { ms: 1 }, tenant });
        const e = await expectCode(limited.engine.start({ type: 'training', data: { ms: 1 }, tenant }), 'rate_limited');
        expect(e.details).toMatchObject({ retryAfterMs: expect.any(Number) });
        await limited.engine.start({ type: 'training', data: { ms: 1 }, tenant: `${tenant}-other` });
      } finally {
        await limited.close();
      }
    });

    it('runs higher priority first', async () => {
      const serial = await make({ handlers: handlers(), concurrency: 1 });
      try {
        const e = serial.engine;
        const blocker = await e.start({ type: 'training', data: { ms: 400 } });
        await until(() => e, blocker.id, 'running');
        const low = await e.start({ type: 'training', data: { ms: 1 }, priority: 90 });
        const mid = await e.start({ type: 'training', data: { ms: 1 }, priority: 50 });
        const high = await e.start({ type: 'training', data: { ms: 1 }, priority: 10 });
        const [l, m, h] = [
          await until(() => e, low.id, 'completed'),
          await until(() => e, mid.id, 'completed'),
          await until(() => e, high.id, 'completed'),
        ];
        expect(Date.parse(h.startedAt!)).toBeLessThanOrEqual(Date.parse(m.startedAt!));
        expect(Date.parse(m.startedAt!)).toBeLessThanOrEqual(Date.parse(l.startedAt!));
        expect(Date.parse(h.startedAt!)).toBeGreaterThanOrEqual(Date.parse((await e.get(blocker.id)).finishedAt!) - 5);
      } finally {
        await serial.close();
      }
    });
  });
}
