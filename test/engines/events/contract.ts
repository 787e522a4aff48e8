/**
 * The shared event-bus contract: the in-process bus (DocumentStore log) and
 * the Redis bus (Streams) run this one suite (see EventBus in
 * src/engines/events/types.ts).
 *
 *   describeEventBusContract('redis', async () => ({ bus, reopen, close }));
 *
 * `make` returns a bus on a log of its own; `reopen` opens another bus on the
 * same log (the process restarted, or another process); `close` closes both
 * and removes the log.
 *
 * Semantics the suite pins down (beyond the interface's doc comments):
 * - an event keeps one id everywhere: in publish's answer, in what
 *   subscribers receive and in the history.
 * - ids are unique and increase as plain strings in the order the log
 *   holds events, also for events published at the same time and by a bus
 *   opened later; subscribers and histories see that order.
 * - subscribe sees events published after it returns (by this bus), never
 *   earlier ones; history holds every logged event of one job, oldest first;
 *   events without a job id reach subscribers but no history.
 * - publish resolves once the event is in the log: a reopened bus finds it.
 * - a listener that throws does not keep the event from other listeners, nor
 *   later events from it.
 * - after unsubscribe (or close) a listener receives nothing more.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBus, NewEvent, TsiotEvent } from '../../../src/engines/events/types.js';

export interface EventBusSetup {
  bus: EventBus;
  /** Another bus on the same log, as after a restart (or in another process). */
  reopen(): Promise<EventBus>;
  close(): Promise<void>;
}

/** Poll until `probe` holds (live delivery may cross a network hop). */
export async function eventually<T>(what: string, probe: () => T | undefined | false, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

function increasing(ids: string[]): boolean {
  return ids.every((id, i) => i === 0 || ids[i - 1]! < id);
}

/** Declare the contract suite for one event bus. */
export function describeEventBusContract(name: string, make: () => Promise<EventBusSetup>): void {
  describe(`event bus contract: ${name}`, () => {
    let setup: EventBusSetup;
    const run = `r${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
    let counter = 0;
    const jobId = (what: string) => `${run}-${what}-${++counter}`;
    const bus = () => setup.bus;

    beforeAll(async () => {
      setup = await make();
    });

    afterAll(async () => {
      await setup?.close();
    });

    it('publish answers the event with an id and a time; a subscriber receives the same event', async () => {
      const got: TsiotEvent[] = [];
      const off = bus().subscribe((e) => got.push(e));
      try {
        const job = jobId('one');
        const data = { n: 1.5, text: 'Zürich ✓', nested: { list: [1, 'two', null], ok: true } };
        const before = Date.now();
        const e = await bus().publish({ type: 'job.queued', jobId: job, data });
        expect(e).toMatchObject({ type: 'job.queued', jobId: job, data });
        expect(typeof e.id).toBe('string');
        expect(e.id.length).toBeGreaterThan(0);
        expect(Date.parse(e.at)).toBeGreaterThanOrEqual(before - 1000);
        expect(new Date(e.at).toISOString()).toBe(e.at);
        const received = await eventually('the event', () => got.find((x) => x.jobId === job));
        expect(received).toEqual(e);
        const plain = await bus().publish({ type: 'series.created', data: { ids: ['a', 'b'] } });
        expect(plain.jobId).toBeUndefined();
        expect(await eventually('the event without a job', () => got.find((x) => x.id === plain.id))).toEqual(plain);
      } finally {
        off();
      }
    });

    it('history holds one job’s events, oldest first, with the ids publish answered', async () => {
      const job = jobId('history');
      const other = jobId('other');
      const published: TsiotEvent[] = [];
      for (const type of ['job.queued', 'job.started', 'job.progress', 'job.completed']) {
        published.push(await bus().publish({ type, jobId: job, data: { type } }));
        await bus().publish({ type, jobId: other, data: {} });
        await bus().publish({ type: 'series.created', data: { ids: [type] } });
      }
      const history = await bus().history(job);
      expect(history).toEqual(published);
      expect(increasing(history.map((e) => e.id))).toBe(true);
      expect(await bus().history(jobId('never'))).toEqual([]);
    });

    it('ids are unique and increase, also for events published at the same time; subscribers see that order', async () => {
      const got: TsiotEvent[] = [];
      const off = bus().subscribe((e) => got.push(e));
      try {
        const jobs = [jobId('burst'), jobId('burst'), jobId('burst')];
        const sequential: TsiotEvent[] = [];
        for (let i = 0; i < 30; i++)
          sequential.push(await bus().publish({ type: 'tick', jobId: jobs[0]!, data: { i } }));
        expect(increasing(sequential.map((e) => e.id))).toBe(true);
        // many at once, across jobs: the burst lands within a few milliseconds
        const burst = await Promise.all(
          Array.from({ length: 120 }, (_, i) => bus().publish({ type: 'tick', jobId: jobs[i % 3]!, data: { i } })),
        );
        const ids = burst.map((e) => e.id);
        expect(new Set(ids).size).toBe(ids.length);
        const mine = new Set([...sequential, ...burst].map((e) => e.id));
        const seen = await eventually('all 150 events', () => {
          const s = got.filter((e) => mine.has(e.id));
          return s.length >= 150 && s;
        });
        expect(seen).toHaveLength(150);
        expect(increasing(seen.map((e) => e.id))).toBe(true);
        for (const job of jobs) {
          const h = await bus().history(job);
          expect(h).toHaveLength(job === jobs[0] ? 70 : 40);
          expect(increasing(h.map((e) => e.id))).toBe(true);
          expect(h).toEqual(seen.filter((e) => e.jobId === job));
        }
      } finally {
        off();
      }
    });

    it('a subscriber sees what is published after it subscribed, not before', async () => {
      const job = jobId('from-now');
      await bus().publish({ type: 'before', jobId: job, data: {} });
      const got: TsiotEvent[] = [];
      const off = bus().subscribe((e) => {
        if (e.jobId === job) got.push(e);
      });
      try {
        // published the moment subscribe returns: must not fall between subscribing and listening
        const first = await bus().publish({ type: 'after', jobId: job, data: { k: 1 } });
        await eventually('the event after subscribing', () => got.length >= 1);
        await settle();
        expect(got).toEqual([first]);
      } finally {
        off();
      }
    });

    it('two subscribers each receive every event, in the same order; unsubscribing one leaves the other', async () => {
      const job = jobId('two');
      const a: TsiotEvent[] = [];
      const b: TsiotEvent[] = [];
      const offA = bus().subscribe((e) => {
        if (e.jobId === job) a.push(e);
      });
      const offB = bus().subscribe((e) => {
        if (e.jobId === job) b.push(e);
      });
      try {
        for (let i = 0; i < 5; i++) await bus().publish({ type: 'tick', jobId: job, data: { i } });
        await eventually('five events at both', () => a.length >= 5 && b.length >= 5);
        expect(a).toEqual(b);
        expect(a.map((e) => e.data.i)).toEqual([0, 1, 2, 3, 4]);
        offA();
        offA(); // twice is harmless
        const last = await bus().publish({ type: 'tick', jobId: job, data: { i: 5 } });
        await eventually('the sixth event at b', () => b.length >= 6);
        await settle();
        expect(a).toHaveLength(5);
        expect(b.at(-1)).toEqual(last);
      } finally {
        offA();
        offB();
      }
    });

    it('a listener that throws keeps the event from no one', async () => {
      const job = jobId('throws');
      const calm: TsiotEvent[] = [];
      let thrown = 0;
      const offBad = bus().subscribe((e) => {
        if (e.jobId !== job) return;
        thrown++;
        throw new Error('a careless listener');
      });
      const offCalm = bus().subscribe((e) => {
        if (e.jobId === job) calm.push(e);
      });
      try {
        const one = await bus().publish({ type: 'tick', jobId: job, data: { i: 1 } });
        const two = await bus().publish({ type: 'tick', jobId: job, data: { i: 2 } });
        await eventually('both events at the calm listener', () => calm.length >= 2, 5_000);
        expect(calm).toEqual([one, two]);
        expect(thrown).toBe(2);
        expect(await bus().history(job)).toEqual([one, two]);
      } finally {
        offBad();
        offCalm();
      }
    });

    it('publish resolves once the event is logged: a reopened bus finds it, and its ids come later', async () => {
      const job = jobId('durable');
      const events: NewEvent[] = [
        { type: 'job.queued', jobId: job, data: { priority: 50 } },
        { type: 'job.started', jobId: job, data: { attempt: 1 } },
      ];
      const published = [];
      for (const e of events) published.push(await bus().publish(e));
      const again = await setup.reopen();
      expect(await again.history(job)).toEqual(published);
      await settle(5);
      const later = await again.publish({ type: 'job.completed', jobId: job, data: {} });
      expect(later.id > published[1]!.id).toBe(true);
      expect((await again.history(job)).map((e) => e.type)).toEqual(['job.queued', 'job.started', 'job.completed']);
    });

    it('close stops delivery; closing twice is harmless', async () => {
      const job = jobId('close');
      const other = await setup.reopen();
      const got: TsiotEvent[] = [];
      other.subscribe((e) => {
        if (e.jobId === job) got.push(e);
      });
      await other.close();
      await other.close();
      await bus().publish({ type: 'tick', jobId: job, data: {} });
      await settle();
      expect(got).toEqual([]);
      // the log is still there for every other bus
      expect(await bus().history(job)).toHaveLength(1);
    });
  });
}
