// A second process on the Redis bus: prints "ready" once subscribed, then one
// JSON line per event it receives; publishes what it reads on stdin (one JSON
// NewEvent a line) and answers each with the published event.
// argv: <redisUrl> <key prefix>
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { createLogger } from '../../../../src/core/logger.js';
import { RedisEventBus } from '../../../../src/engines/events/redis-bus.js';
import type { NewEvent } from '../../../../src/engines/events/types.js';

const [url, prefix] = process.argv.slice(2) as [string, string];
const redis = new Redis(url);
const bus = new RedisEventBus(redis, createLogger('silent'), prefix);
bus.subscribe((e) => process.stdout.write(`${JSON.stringify({ received: e })}\n`));
// a publish waits until this process listens, so "ready" after one means no event is missed
await bus.publish({ type: 'child.ready', data: { pid: process.pid } });
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const published = await bus.publish(JSON.parse(line) as NewEvent);
  process.stdout.write(`${JSON.stringify({ published })}\n`);
}
await bus.close();
redis.disconnect();
