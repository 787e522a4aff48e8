import { Redis } from 'ioredis';

const BASE_URL = process.env.TSIOT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PROBE_URL = `${BASE_URL}/11`;

/** A Redis database of its own for each test file (files run in parallel and each clears its tsiot keys). */
export function testRedisUrl(db: number): string {
  return `${BASE_URL}/${db}`;
}

/**
 * Whether the test Redis answers. When CI=true an unreachable Redis is an
 * error (the suite must not pass by skipping); otherwise the suite is skipped
 * with a loud message.
 */
export async function redisAvailable(): Promise<boolean> {
  const r = new Redis(PROBE_URL, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error(`Redis is required in CI but ${PROBE_URL} does not answer`);
    console.warn(
      `\n*** SKIPPING Redis job tests: ${PROBE_URL} does not answer. Start one with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no ***\n`,
    );
    return false;
  } finally {
    r.disconnect();
  }
}

/** Remove every tsiot key from a test database (queues, events, rate limits). */
export async function flushTsiotKeys(url: string): Promise<void> {
  const r = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', 'tsiot:*', 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

/** Remove every key under a prefix (one run's queues, events and rate limits). */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
