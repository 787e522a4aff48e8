import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../../src/core/logger.js';
import { createRng } from '../../../../src/core/rng.js';
import type { TimeSeries } from '../../../../src/core/types.js';
import { createBuiltinFactory } from '../../../../src/engines/generation/builtin.js';
import { CHUNK_TAG, generationJobHandler, JOB_TAG } from '../../../../src/engines/jobs/handlers/generation.js';
import type { JobRunContext } from '../../../../src/engines/jobs/types.js';
import { DuckDbStorage } from '../../../../src/engines/storage/duckdb/index.js';

const generators = createBuiltinFactory();

/** A fleet with everything that draws or carries state: variation, AR noise, a random walk, anomalies, gaps, jitter, lost values. */
const FLEET = {
  start: '2025-03-01T00:00:00Z',
  interval: '1m',
  points: 600,
  devices: 13,
  sensors: [{ type: 'temperature' }, { type: 'humidity' }],
  anomalies: [
    { type: 'spike', count: 4 },
    { type: 'stuck', count: 2, sensor: 'humidity', duration: '30m' },
  ],
  imperfections: { missingRate: 0.02, jitter: '2s', gaps: { count: 1, maxDuration: '20m' } },
};
/** One long device, cut into windows of its rows. */
const LONG = { ...FLEET, devices: 1, points: 7000 };

interface Run {
  ctx: JobRunContext;
  saved: () => unknown;
  progress: number[];
}

function context(jobId: string, controller: AbortController, saved?: unknown): Run {
  let state = saved;
  const progress: number[] = [];
  return {
    progress,
    saved: () => state,
    ctx: {
      jobId,
      attempt: saved === undefined ? 1 : 2,
      signal: controller.signal,
      progress: (p) => progress.push(p.done),
      log: createLogger('silent'),
      checkpoint: {
        get: <T>() => state as T | undefined,
        save: async (v) => {
          state = structuredClone(v);
        },
      },
      emit: async () => undefined,
    },
  };
}

describe('generation job: output independent of chunking', () => {
  let db: DuckDbStorage;
  const handler = () => generationJobHandler({ generators, storage: db });

  beforeEach(async () => {
    db = new DuckDbStorage({ path: ':memory:' });
    await db.init();
  });
  afterEach(async () => {
    await db.close();
  });

  const oneCall = async (params: object, seed: number) => {
    const gen = generators.create('statistical');
    return (await gen.generate(gen.paramsSchema.parse(params), { rng: createRng(seed) })).series;
  };

  /** The stored parts of a job, joined per device in chunk order. */
  async function joined(jobId: string): Promise<TimeSeries[]> {
    const { items } = await db.list({ tags: { [JOB_TAG]: jobId }, limit: 1000 });
    const parts = await Promise.all(items.map((p) => db.retrieve({ id: p.id })));
    const order = (s: TimeSeries) => Number(s.metadata.tags[CHUNK_TAG]) * 1000 + Number(s.id.split('-s').pop());
    parts.sort((a, b) => order(a) - order(b));
    const byDevice = new Map<string, TimeSeries[]>();
    for (const p of parts) byDevice.set(p.metadata.deviceId!, [...(byDevice.get(p.metadata.deviceId!) ?? []), p]);
    return [...byDevice.values()].map((ps) => ({
      ...ps[0]!,
      timestamps: concat(ps.map((p) => p.timestamps)),
      columns: ps[0]!.columns.map((c, j) => ({ ...c, values: concat(ps.map((p) => p.columns[j]!.values)) })),
      labels: unique(ps.flatMap((p) => p.labels)),
    }));
  }

  async function job(jobId: string, params: Record<string, unknown>, seed: number, chunkValues: number) {
    const h = handler();
    const data = h.prepare!({ generator: 'statistical', params, seed, chunkValues });
    const run = context(jobId, new AbortController());
    const result = (await h.run(data, run.ctx)) as { chunks: number; values: number };
    return result;
  }

  function expectSameBytes(got: TimeSeries[], want: TimeSeries[]) {
    expect(got.map((s) => s.metadata.deviceId)).toEqual(want.map((s) => s.metadata.deviceId));
    got.forEach((s, i) => {
      const w = want[i]!;
      expect(bytes(s.timestamps).equals(bytes(w.timestamps))).toBe(true);
      expect(s.columns.map((c) => c.name)).toEqual(w.columns.map((c) => c.name));
      for (const [j, c] of s.columns.entries()) expect(bytes(c.values).equals(bytes(w.columns[j]!.values))).toBe(true);
      expect(sortLabels(s.labels)).toEqual(sortLabels(w.labels));
    });
  }

  it('a fleet through one call, 7 chunks, 13 chunks and a job resumed after a crash gives the same bytes', async () => {
    const want = await oneCall(FLEET, 11);
    expect(want.flatMap((s) => s.labels).some((l) => l.type === 'gap')).toBe(true);
    const perDevice = 600 * 2;

    const seven = await job('j7', FLEET, 11, 2 * perDevice);
    expect(seven.chunks).toBe(7);
    expectSameBytes(await joined('j7'), want);

    const thirteen = await job('j13', FLEET, 11, perDevice);
    expect(thirteen.chunks).toBe(13);
    expectSameBytes(await joined('j13'), want);

    // a crash after chunk 5: the run stops, its checkpoint stays; a second run resumes from it
    const h = handler();
    const data = h.prepare!({ generator: 'statistical', params: FLEET, seed: 11, chunkValues: perDevice });
    const crash = new AbortController();
    const first = context('jr', crash);
    const progress = first.ctx.progress;
    first.ctx.progress = (p) => {
      progress(p);
      if (p.done === 5) crash.abort();
    };
    await expect(h.run(data, first.ctx)).rejects.toMatchObject({ code: 'cancelled' });
    expect(first.saved()).toMatchObject({ nextChunk: 5 });
    const second = context('jr', new AbortController(), first.saved());
    await h.run(data, second.ctx);
    expect(second.progress[0]).toBe(6);
    expectSameBytes(await joined('jr'), want);
  });

  it('one device larger than a chunk is cut into windows of its rows, with the same bytes at 7 and 13 windows', async () => {
    const want = await oneCall(LONG, 3);
    const values = 7000 * 2;
    const seven = await job('w7', LONG, 3, Math.ceil(values / 7));
    expect(seven.chunks).toBe(7);
    expectSameBytes(await joined('w7'), want);
    const thirteen = await job('w13', LONG, 3, Math.ceil(values / 13));
    expect(thirteen.chunks).toBe(13);
    expectSameBytes(await joined('w13'), want);
  });
});

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function bytes(a: Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function unique<T>(items: T[]): T[] {
  const seen = new Map<string, T>();
  for (const x of items) seen.set(JSON.stringify(x), x);
  return [...seen.values()];
}

function sortLabels<T>(labels: T[]): string[] {
  return labels.map((l) => JSON.stringify(l)).sort();
}
