import { Redis, type RedisOptions } from 'ioredis';
import { TsiotError } from '../../../core/errors.js';

/** How long an API call waits for Redis before answering `unavailable`. */
export const REDIS_CALL_TIMEOUT_MS = 3000;

/**
 * A Redis connection for the job engine. API-side connections fail fast
 * (no offline queue: a call made while Redis is away errors at once instead of
 * hanging); worker connections wait and reconnect (BullMQ requires
 * maxRetriesPerRequest null for its blocking commands).
 */
export function connectRedis(url: string, role: 'api' | 'worker'): Redis {
  const options: RedisOptions = {
    connectTimeout: 2000,
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
  };
  const redis = new Redis(url, options);
  redis.on('error', () => undefined); // reported through calls and health, not as unhandled events
  return redis;
}

/** The URL without its password, safe to show. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

export function queueUnavailable(url: string, cause?: unknown): TsiotError {
  return new TsiotError('unavailable', `Job queue unavailable: Redis at ${redactRedisUrl(url)} is not answering`, {
    ...(cause !== undefined ? { cause } : {}),
    hint: 'Retry in a few seconds; jobs already queued resume when Redis is back. Check that Redis is running and the URL is right.',
  });
}

/** Run a Redis-backed call, turning a hang or a connection error into `unavailable` within `ms`. */
export async function guard<T>(url: string, call: () => Promise<T>, ms = REDIS_CALL_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(queueUnavailable(url)), ms);
  });
  try {
    return await Promise.race([call(), timeout]);
  } catch (e) {
    if (e instanceof TsiotError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    if (
      /ECONNREFUSED|ETIMEDOUT|ENOTFOUND|Connection is closed|Stream isn't writeable|enableOfflineQueue|max retries|ECONNRESET/i.test(
        msg,
      )
    )
      throw queueUnavailable(url, e);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** Wait until the connection is ready and Redis answers a PING, within the call timeout. */
export async function pingRedis(url: string, redis: Redis): Promise<void> {
  await guard(url, async () => {
    if (redis.status !== 'ready') {
      await new Promise<void>((resolve, reject) => {
        const onError = (e: unknown) => {
          redis.off('ready', onReady);
          reject(queueUnavailable(url, e));
        };
        const onReady = () => {
          redis.off('error', onError);
          resolve();
        };
        redis.once('ready', onReady);
        redis.once('error', onError);
      });
    }
    await redis.ping();
  });
}
