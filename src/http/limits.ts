import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { TsiotError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { callerOf, isPublicPath } from './auth/index.js';
import { problemResponse, toProblem } from './problem.js';

export interface RateLimitOptions {
  /** Requests one subject (token subject or API key) may make per window. */
  perSubject: number;
  /** Requests one client address may make per window, authenticated or not. */
  perIp: number;
  /** Window length in seconds. */
  windowSeconds: number;
  /** Share the counters through this Redis (several instances, one limit); in memory otherwise. */
  redisUrl?: string;
  /** Key prefix in Redis. */
  prefix?: string;
}

export interface RateLimits {
  /** Resolves once the shared counters can be used (Redis connected, or at most a few seconds). */
  ready(): Promise<void>;
  /** Before authentication: counts per client address (so guessing credentials is throttled too). */
  byIp: MiddlewareHandler;
  /** After authentication: counts per subject. */
  bySubject: MiddlewareHandler;
  /**
   * Count one message that arrives outside an HTTP request (a WebSocket
   * frame) against the same limits: per subject, or per address for
   * anonymous callers.
   */
  admit(kind: 'ip' | 'sub', key: string): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }>;
  close(): Promise<void>;
}

/**
 * Rate limits per subject and per client address, answered with the
 * RateLimit-Limit / -Remaining / -Reset headers on every counted response
 * and 429 with Retry-After past the limit. With Redis the counters live
 * there, so every instance behind a balancer shares one limit.
 */
export function createRateLimits(options: RateLimitOptions, logger: Logger): RateLimits {
  const redis = options.redisUrl
    ? new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false })
    : undefined;
  redis?.on('error', (err) => logger.debug({ err: err.message }, 'rate-limit Redis error'));
  const prefix = options.prefix ?? 'tsiot:rl';
  const make = (points: number, kind: string): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ points, duration: options.windowSeconds });
    if (!redis) return memory;
    // while Redis is unreachable, each instance limits on its own rather than letting everything through
    return new RateLimiterRedis({
      storeClient: redis,
      points,
      duration: options.windowSeconds,
      keyPrefix: `${prefix}:${kind}`,
      insuranceLimiter: memory,
    });
  };
  const ipLimiter = make(options.perIp, 'ip');
  const subjectLimiter = make(options.perSubject, 'sub');

  const guard = (
    limiter: RateLimiterAbstract,
    points: number,
    keyOf: (c: Context) => string | undefined,
  ): MiddlewareHandler => {
    const limit = String(points);
    return async (c, next) => {
      if (isPublicPath(c.req.path) || c.req.method === 'OPTIONS') return next();
      const key = keyOf(c);
      if (key === undefined) return next();
      let res: RateLimiterRes;
      try {
        res = await limiter.consume(key);
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        const retryAfter = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
        const refused = problemResponse(
          toProblem(
            new TsiotError('rate_limited', `Too many requests; retry in ${retryAfter} s`, {
              details: { limit: points, windowSeconds: options.windowSeconds, retryAfterSeconds: retryAfter },
            }),
            c.req.path,
          ),
          { 'Retry-After': String(retryAfter), ...headers(points, 0, e.msBeforeNext) },
        );
        return refused;
      }
      await next();
      // the same three headers as headers() makes, set without building it
      const answer = c.res.headers;
      answer.set('RateLimit-Limit', limit);
      answer.set('RateLimit-Remaining', String(Math.max(0, res.remainingPoints)));
      answer.set('RateLimit-Reset', String(Math.max(0, Math.ceil(res.msBeforeNext / 1000))));
    };
  };

  return {
    byIp: guard(ipLimiter, options.perIp, (c) => `ip:${clientAddress(c)}`),
    bySubject: guard(subjectLimiter, options.perSubject, (c) => {
      const caller = callerOf(c);
      // without authentication every client is "anonymous": the address limit is the one that counts
      return caller.subject === 'anonymous' ? undefined : `sub:${caller.subject}`;
    }),
    async admit(kind, key) {
      try {
        await (kind === 'ip' ? ipLimiter : subjectLimiter).consume(`${kind}:${key}`);
        return { ok: true };
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(e.msBeforeNext / 1000)) };
      }
    },
    async ready() {
      if (!redis || redis.status === 'ready') return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 3_000);
        redis.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    async close() {
      redis?.disconnect();
    },
  };
}

function headers(limit: number, remaining: number, msBeforeNext: number): Record<string, string> {
  return {
    'RateLimit-Limit': String(limit),
    'RateLimit-Remaining': String(Math.max(0, remaining)),
    'RateLimit-Reset': String(Math.max(0, Math.ceil(msBeforeNext / 1000))),
  };
}

function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
