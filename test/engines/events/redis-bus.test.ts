/**
 * The Redis event bus (Streams) on a real Redis, under a key prefix of this
 * run: the shared event-bus contract, and two processes seeing each other's
 * events.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/core/logger.js';
import { RedisEventBus } from '../../../src/engines/events/redis-bus.js';
import type { TsiotEvent } from '../../../src/engines/events/types.js';
import { dropPrefix, redisAvailable, testRedisUrl } from '../jobs/helpers/redis.js';
import { runName } from '../../helpers/servers.js';
import { describeEventBusContract, eventually } from './contract.js';

const up = await redisAvailable();
const REDIS_URL = testRedisUrl(11);
const logger = createLogger('silent');

describe.skipIf(!up)('Redis event bus', () => {
  describeEventBusContract('redis (Streams)', async () => {
    const prefix = runName('tsiot_bus');
    const connections: Redis[] = [];
    const buses: RedisEventBus[] = [];
    const open = () => {
      const redis = new Redis(REDIS_URL);
      connections.push(redis);
      const bus = new RedisEventBus(redis, logger, prefix);
      buses.push(bus);
      return bus;
    };
    return {
      bus: open(),
      reopen: async () => open(),
      async close() {
        for (const b of buses) await b.close();
        for (const c of connections) c.disconnect();
        await dropPrefix(REDIS_URL, prefix);
      },
    };
  });

  describe('two processes on one bus', () => {
    const prefix = runName('tsiot_bus2');
    let redis: Redis;
    let bus: RedisEventBus;
    let child: ChildProcess;
    const fromChild: { received?: TsiotEvent; published?: TsiotEvent }[] = [];
    const here: TsiotEvent[] = [];

    beforeAll(async () => {
      redis = new Redis(REDIS_URL);
      bus = new RedisEventBus(redis, logger, prefix);
      bus.subscribe((e) => here.push(e));
      child = spawn(
        process.execPath,
        ['--import', 'tsx', 'test/engines/events/helpers/bus-child.ts', REDIS_URL, prefix],
        {
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      );
      const lines = createInterface({ input: child.stdout! });
      await new Promise<void>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`bus child exited with ${code}`)));
        lines.on('line', (l) => {
          if (l === 'ready') resolve();
          else fromChild.push(JSON.parse(l));
        });
      });
    });

    afterAll(async () => {
      child?.stdin?.end();
      if (child && child.exitCode === null) child.kill('SIGTERM');
      await bus?.close();
      redis?.disconnect();
      await dropPrefix(REDIS_URL, prefix);
    });

    it('each receives the other’s events live, with the same ids, and reads the same history', async () => {
      const job = `${prefix}-job`;
      const mine = await bus.publish({ type: 'parent.hello', jobId: job, data: { from: 'parent' } });
      child.stdin!.write(`${JSON.stringify({ type: 'child.hello', jobId: job, data: { from: 'child' } })}\n`);
      const theirs = (await eventually('the child publishing', () => fromChild.find((m) => m.published))).published!;
      expect(
        await eventually('the parent event at the child', () => fromChild.find((m) => m.received?.id === mine.id)),
      ).toEqual({ received: mine });
      expect(await eventually('the child event here', () => here.find((e) => e.id === theirs.id))).toEqual(theirs);
      expect(theirs.id > mine.id).toBe(true);
      expect(await bus.history(job)).toEqual([mine, theirs]);
      expect(here.filter((e) => e.jobId === job)).toEqual([mine, theirs]);
      expect(fromChild.filter((m) => m.received?.jobId === job).map((m) => m.received)).toEqual([mine, theirs]);
    });
  });
});
