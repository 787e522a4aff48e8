/**
 * The in-process job engine on the embedded DuckDB documents: the shared job
 * contract, and what only this engine does (it lives in the API process, so
 * a restart of that process interrupts its jobs).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessEventBus } from '../../../src/engines/events/memory-bus.js';
import { InProcessJobEngine, type InProcessJobEngineOptions } from '../../../src/engines/jobs/in-process.js';
import type { JobHandler, JobView } from '../../../src/engines/jobs/types.js';
import { DuckDbStorage } from '../../../src/engines/storage/duckdb/index.js';
import { describeJobEngineContract, until } from './contract.js';
import { waitFor } from './helpers/redis.js';
import { logger, registryWith } from './helpers/setup.js';

async function openEngine(
  db: DuckDbStorage,
  handlers: JobHandler<any>[],
  extra: Partial<InProcessJobEngineOptions> = {},
): Promise<InProcessJobEngine> {
  const engine = new InProcessJobEngine({
    documents: db,
    registry: registryWith(db, handlers),
    events: new InProcessEventBus(db),
    logger,
    schedulerTickMs: 50,
    ...extra,
  });
  await engine.init();
  return engine;
}

describeJobEngineContract('in-process (embedded DuckDB)', async ({ handlers, concurrency, rateLimit }) => {
  const db = new DuckDbStorage({ path: ':memory:' });
  await db.init();
  const open = () => openEngine(db, handlers, { concurrency, ...(rateLimit ? { rateLimit } : {}) });
  const setup = {
    engine: await open(),
    storage: db,
    async reopen() {
      await setup.engine.close();
      setup.engine = await open();
      return setup.engine;
    },
    async close() {
      await setup.engine.close();
      await db.close();
    },
  };
  return setup;
});

describe('in-process job engine: a restart of its process', () => {
  let db: DuckDbStorage;
  let engine: InProcessJobEngine;

  beforeEach(async () => {
    db = new DuckDbStorage({ path: ':memory:' });
    await db.init();
    engine = await openEngine(db, []);
  });

  afterEach(async () => {
    await engine.close();
    await db.close();
  });

  it('leaves running jobs running in storage; the next start resumes them from their checkpoint without duplicates', async () => {
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

    engine = await openEngine(db, []);
    const done = await until(() => engine, job.id, 'completed');
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
});
