import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullJobEngine } from '../../../../src/engines/jobs/bull/engine.js';
import { startBullWorkers, type BullWorkers } from '../../../../src/engines/jobs/bull/worker.js';
import { runName } from '../../../helpers/servers.js';
import { dropPrefix, redisAvailable, testRedisUrl, waitFor } from '../helpers/redis.js';
import { logger, registryWith, tempDirStorage } from '../helpers/setup.js';
import type { DirStorage } from '../helpers/dir-storage.js';

const up = await redisAvailable();
const REDIS_URL = testRedisUrl(12);
const PREFIX = runName('tsiot_workers');

/** A worker process serving the generation queue (test/engines/jobs/helpers/worker-child.ts). */
async function spawnWorker(dir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/engines/jobs/helpers/worker-child.ts', REDIS_URL, dir, PREFIX],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    lines.once('line', (l) => (l === 'ready' ? resolve() : reject(new Error(`worker said ${l}`))));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  return child;
}

describe.skipIf(!up)('jobs across worker processes (real Redis)', () => {
  let storage: DirStorage;
  let dir: string;
  let engine: BullJobEngine;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    ({ storage, dir } = await tempDirStorage());
    engine = await BullJobEngine.connect({
      redisUrl: REDIS_URL,
      registry: registryWith(storage),
      logger,
      prefix: PREFIX,
    });
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await engine?.close();
    await dropPrefix(REDIS_URL, PREFIX);
  });

  it('a job whose worker is killed -9 mid-run completes on the other worker, complete and without duplicates', async () => {
    const [a, b] = await Promise.all([spawnWorker(dir), spawnWorker(dir)]);
    children.push(a!, b!);
    const rows = 30_000;
    const job = await engine.start({
      type: 'generation',
      data: {
        generator: 'window-ramp',
        params: { start: 0, points: rows, interval: 1000, slowMs: 150 },
        seed: 9,
        chunkValues: 1000,
      },
    });
    const running = await waitFor('three chunks done', async () => {
      const j = await engine.get(job.id);
      return j.state === 'running' && (j.progress?.done ?? 0) >= 3 && j;
    });
    const victim = [a!, b!].find((c) => running.worker?.endsWith(`:${c.pid}`));
    expect(victim, `job ran on ${running.worker}`).toBeDefined();
    victim!.kill('SIGKILL');
    const done = await waitFor(
      'completion on the surviving worker',
      async () => {
        const j = await engine.get(job.id);
        return j.state === 'completed' && j;
      },
      45_000,
      200,
    );
    expect(done.worker).not.toBe(running.worker);
    expect(done.result).toMatchObject({ chunks: 30, values: rows, parts: 30 });
    const history = await engine.events.history(job.id);
    const restart = history.findLastIndex((e) => e.type === 'job.started');
    expect(restart).toBeGreaterThan(history.findIndex((e) => e.type === 'job.started'));
    // the survivor resumed from the checkpoint instead of starting over
    const firstAfter = history.slice(restart).find((e) => e.type === 'job.progress');
    expect(Number(firstAfter?.data.done)).toBeGreaterThan(running.progress!.done);

    // every timestamp exactly once
    const parts = await storage.list({ tags: { 'tsiot.job': job.id }, limit: 1000 });
    expect(parts.total).toBe(30);
    const seen = new Uint8Array(rows);
    let total = 0;
    for (const p of parts.items) {
      const s = await storage.retrieve({ id: p.id });
      for (const t of s.timestamps) {
        seen[t / 1000]!++;
        total++;
      }
    }
    expect(total).toBe(rows);
    expect(seen.every((c) => c === 1)).toBe(true);
  });

  it('a schedule upserted by two scheduler instances fires once per period', async () => {
    const { storage: s2 } = await tempDirStorage();
    const registry = registryWith(s2);
    const other = await BullJobEngine.connect({ redisUrl: REDIS_URL, registry, logger, prefix: PREFIX });
    const workers: BullWorkers = await startBullWorkers({
      redisUrl: REDIS_URL,
      registry,
      logger,
      concurrency: 2,
      types: ['cleanup'],
      prefix: PREFIX,
    });
    try {
      const req = {
        id: 'every-second',
        cron: '* * * * * *',
        job: { type: 'cleanup' as const, data: { olderThan: '30d' } },
      };
      const [x, y] = await Promise.all([engine.schedule(req), other.schedule(req)]);
      expect(x.id).toBe('every-second');
      expect(y.cron).toBe('* * * * * *');
      expect((await engine.schedules()).filter((s) => s.id === 'every-second')).toHaveLength(1);
      const t0 = Date.now();
      await new Promise((r) => setTimeout(r, 4500));
      await engine.unschedule('every-second');
      const elapsed = (Date.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, 500));
      const runs = (await engine.list({ type: 'cleanup', limit: 1000 })).filter((j) => j.scheduleId === 'every-second');
      // one run per second: never two in the same second, and none missed beyond the edges
      const seconds = runs.map((j) => Math.floor(Date.parse(j.createdAt) / 1000));
      expect(new Set(seconds).size).toBe(runs.length);
      expect(runs.length).toBeGreaterThanOrEqual(Math.floor(elapsed) - 1);
      expect(runs.length).toBeLessThanOrEqual(Math.ceil(elapsed) + 1);
      expect(await engine.schedules()).toEqual([]);
      expect(await engine.unschedule('every-second')).toBe(false);
    } finally {
      await workers.close();
      await other.close();
    }
  });
});
