/**
 * The BullMQ job engine on a real Redis (API and workers in this process,
 * under a key prefix of this run): the shared job contract, and what only
 * this engine does (several API instances sharing one rate limit, failing
 * fast when Redis is away).
 */
import { describe, expect, it } from 'vitest';
import { BullJobEngine } from '../../../../src/engines/jobs/bull/engine.js';
import { startBullWorkers } from '../../../../src/engines/jobs/bull/worker.js';
import { createJobEngine } from '../../../../src/engines/jobs/index.js';
import { JobHandlerRegistry } from '../../../../src/engines/jobs/registry.js';
import { runName } from '../../../helpers/servers.js';
import { describeJobEngineContract } from '../contract.js';
import { dropPrefix, redisAvailable, testRedisUrl } from '../helpers/redis.js';
import { logger, registryWith, sleeper, tempDirStorage } from '../helpers/setup.js';

const up = await redisAvailable();
const REDIS_URL = testRedisUrl(11);

describe.skipIf(!up)('BullMQ job engine', () => {
  describeJobEngineContract('BullMQ (real Redis)', async ({ handlers, concurrency, rateLimit }) => {
    const prefix = runName('tsiot_jobs');
    const { storage } = await tempDirStorage();
    const registry = registryWith(storage, handlers);
    const open = () =>
      BullJobEngine.connect({ redisUrl: REDIS_URL, registry, logger, prefix, ...(rateLimit ? { rateLimit } : {}) });
    const workers = await startBullWorkers({ redisUrl: REDIS_URL, registry, logger, concurrency, prefix });
    const setup = {
      engine: (await open()) as BullJobEngine,
      storage,
      async reopen() {
        await setup.engine.close();
        setup.engine = await open();
        return setup.engine;
      },
      async close() {
        await workers.close();
        await setup.engine.close();
        await dropPrefix(REDIS_URL, prefix);
      },
    };
    return setup;
  });

  it('limits how fast a tenant starts jobs across API instances', async () => {
    const prefix = runName('tsiot_jobs_rl');
    const { storage } = await tempDirStorage();
    const options = {
      redisUrl: REDIS_URL,
      registry: registryWith(storage, [sleeper()]),
      logger,
      prefix,
      rateLimit: { burst: 2, perSecond: 0.2 },
    };
    const [one, two] = [await BullJobEngine.connect(options), await BullJobEngine.connect(options)];
    try {
      await one.start({ type: 'training', data: { ms: 1 }, tenant: 'acme' });
      await two.start({ type: 'training', data: { ms: 1 }, tenant: 'acme' });
      await expect(one.start({ type: 'training', data: { ms: 1 }, tenant: 'acme' })).rejects.toMatchObject({
        code: 'rate_limited',
        details: { retryAfterMs: expect.any(Number) },
      });
      await expect(two.start({ type: 'training', data: { ms: 1 }, tenant: 'acme' })).rejects.toMatchObject({
        code: 'rate_limited',
      });
      await two.start({ type: 'training', data: { ms: 1 }, tenant: 'other' });
    } finally {
      await one.close();
      await two.close();
      await dropPrefix(REDIS_URL, prefix);
    }
  });

  it('answers unavailable quickly when Redis is unreachable', async () => {
    const t0 = Date.now();
    await expect(
      createJobEngine({ redisUrl: 'redis://127.0.0.1:1', registry: new JobHandlerRegistry(), logger }),
    ).rejects.toMatchObject({ code: 'unavailable' });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('refuses a key prefix Redis tools could not tell apart', async () => {
    await expect(
      BullJobEngine.connect({ redisUrl: REDIS_URL, registry: new JobHandlerRegistry(), logger, prefix: 'a b' }),
    ).rejects.toThrow(/prefix "a b"/);
  });
});
