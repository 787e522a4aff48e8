import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BullJobEngine } from '../../../../src/engines/jobs/bull/engine.js';
import { startBullWorkers, type BullWorkers } from '../../../../src/engines/jobs/bull/worker.js';
import { createJobEngine } from '../../../../src/engines/jobs/index.js';
import { freePort } from '../../../helpers/servers.js';
import { redisAvailable, waitFor } from '../helpers/redis.js';
import { logger, registryWith, tempDirStorage } from '../helpers/setup.js';

const up = await redisAvailable();
const PORT = await freePort();
const URL = `redis://127.0.0.1:${PORT}/0`;

/** A private Redis for this file, so the test can freeze it without disturbing anyone else's. */
async function startRedis(): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  return child;
}

describe.skipIf(!up)('a Redis that goes away mid-run', () => {
  let redis: ChildProcess;
  let engine: BullJobEngine;
  let workers: BullWorkers;

  beforeAll(async () => {
    redis = await startRedis();
    const { storage } = await tempDirStorage();
    const registry = registryWith(storage);
    engine = (await createJobEngine({ redisUrl: URL, registry, logger })) as BullJobEngine;
    workers = await startBullWorkers({ redisUrl: URL, registry, logger, lockDurationMs: 10_000 });
  });

  afterAll(async () => {
    if (redis.signalCode === null && redis.exitCode === null) redis.kill('SIGCONT');
    await workers?.close();
    await engine?.close();
    redis.kill('SIGKILL');
  });

  it('answers unavailable within seconds while Redis is frozen, and the job resumes when it returns', async () => {
    const job = await engine.start({
      type: 'generation',
      data: {
        generator: 'window-ramp',
        params: { start: 0, points: 12_000, interval: 1000, slowMs: 150 },
        seed: 4,
        chunkValues: 1000,
      },
    });
    await waitFor('two chunks', async () => ((await engine.get(job.id)).progress?.done ?? 0) >= 2);
    redis.kill('SIGSTOP');
    try {
      const t0 = Date.now();
      await expect(engine.get(job.id)).rejects.toMatchObject({ code: 'unavailable' });
      await expect(engine.start({ type: 'cleanup', data: { olderThan: '1d' } })).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringMatching(/queue unavailable/i),
      });
      expect(Date.now() - t0).toBeLessThan(8000);
    } finally {
      redis.kill('SIGCONT');
    }
    const done = await waitFor(
      'completion after Redis came back',
      async () => {
        const j = await engine.get(job.id).catch(() => undefined);
        return j?.state === 'completed' && j;
      },
      45_000,
      200,
    );
    expect(done.result).toMatchObject({ chunks: 12, values: 12_000 });
  });

  it('a worker refuses to start against an unreachable Redis, quickly', async () => {
    const t0 = Date.now();
    await expect(
      startBullWorkers({
        redisUrl: 'redis://127.0.0.1:1',
        registry: registryWith((await tempDirStorage()).storage),
        logger,
      }),
    ).rejects.toMatchObject({ code: 'unavailable' });
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
