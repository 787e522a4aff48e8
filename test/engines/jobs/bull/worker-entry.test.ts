import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWorker } from '../../../../src/cli/worker.js';
import { loadConfig } from '../../../../src/core/config.js';
import { createJobEngine, defaultJobHandlers } from '../../../../src/engines/jobs/index.js';
import { GeneratorFactory } from '../../../../src/engines/generation/factory.js';
import { registerBuiltinGenerators } from '../../../../src/engines/generation/builtin.js';
import { DuckDbStorage } from '../../../../src/engines/storage/duckdb/index.js';
import { flushTsiotKeys, redisAvailable, testRedisUrl, waitFor } from '../helpers/redis.js';
import { logger } from '../helpers/setup.js';

const up = await redisAvailable();
const REDIS_URL = testRedisUrl(13);

describe.skipIf(!up)('runWorker (tsiot worker)', () => {
  it('serves the queues with the default handlers until stopped', async () => {
    await flushTsiotKeys(REDIS_URL);
    const dataDir = mkdtempSync(join(tmpdir(), 'tsiot-worker-'));
    const config = loadConfig({ dataDir, storage: 'duckdb://:memory:', logLevel: 'silent' }, {});
    const worker = await runWorker({
      redisUrl: REDIS_URL,
      concurrency: 2,
      queues: ['cleanup', 'generation'],
      config,
      logger,
      handleSignals: false,
    });
    const generators = new GeneratorFactory();
    registerBuiltinGenerators(generators);
    const api = await createJobEngine({
      redisUrl: REDIS_URL,
      registry: defaultJobHandlers({ generators, storage: new DuckDbStorage({ path: ':memory:' }) }),
      logger,
    });
    try {
      expect(worker.workers.types).toEqual(['cleanup', 'generation']);
      const job = await api.start({ type: 'cleanup', data: { olderThan: '1d', dryRun: true } });
      const done = await waitFor('cleanup done', async () => {
        const j = await api.get(job.id);
        return j.state === 'completed' && j;
      });
      expect(done.result).toMatchObject({ scanned: 0, deleted: 0, dryRun: true });
    } finally {
      await api.close();
      await worker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses unknown queues and bad concurrency before connecting', async () => {
    const config = loadConfig({ storage: 'duckdb://:memory:', logLevel: 'silent' }, {});
    await expect(
      runWorker({ redisUrl: REDIS_URL, queues: ['generation', 'emails'], config, logger, handleSignals: false }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(
      runWorker({ redisUrl: REDIS_URL, concurrency: 0, config, logger, handleSignals: false }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(
      runWorker({ redisUrl: REDIS_URL, queues: ['training'], config, logger, handleSignals: false }),
    ).rejects.toMatchObject({ code: 'unsupported' });
  });
});
