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
  const make = (points: number, kind: string): Limiter => {
    // in memory alone: counted synchronously, with no promise, result object or timer per request
    if (!redis) return new WindowCounter(points, options.windowSeconds * 1000);
    // while Redis is unreachable, each instance limits on its own rather than letting everything through
    return fromLibrary(
      new RateLimiterRedis({
        storeClient: redis,
        points,
        duration: options.windowSeconds,
        keyPrefix: `${prefix}:${kind}`,
        insuranceLimiter: new RateLimiterMemory({ points, duration: options.windowSeconds }),
      }),
    );
  };
  const ipLimiter = make(options.perIp, 'ip');
  const subjectLimiter = make(options.perSubject, 'sub');

  const guard = (limiter: Limiter, points: number, keyOf: (c: Context) => string | undefined): MiddlewareHandler => {
    const limit = String(points);
    return async (c, next) => {
      if (isPublicPath(c.req.path) || c.req.method === 'OPTIONS') return next();
      const key = keyOf(c);
      if (key === undefined) return next();
      const taken = limiter.take(key);
      const counted = taken instanceof Promise ? await taken : taken;
      // read now: the memory counter hands back the same object to every call
      const { remaining, msBeforeNext } = counted;
      if (!counted.ok) {
        const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
        const refused = problemResponse(
          toProblem(
            new TsiotError('rate_limited', `Too many requests; retry in ${retryAfter} s`, {
              details: { limit: points, windowSeconds: options.windowSeconds, retryAfterSeconds: retryAfter },
            }),
            c.req.path,
          ),
          { 'Retry-After': String(retryAfter), ...headers(points, 0, msBeforeNext) },
        );
        return refused;
      }
      await next();
      // the same three headers as headers() makes, set without building it
      const answer = c.res.headers;
      answer.set('RateLimit-Limit', limit);
      answer.set('RateLimit-Remaining', String(Math.max(0, remaining)));
      answer.set('RateLimit-Reset', String(Math.max(0, Math.ceil(msBeforeNext / 1000))));
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
      const taken = (kind === 'ip' ? ipLimiter : subjectLimiter).take(`${kind}:${key}`);
      // read before any await: the memory counter's answer object is the next call's too
      const { ok, msBeforeNext } = taken instanceof Promise ? await taken : taken;
      if (ok) return { ok: true };
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(msBeforeNext / 1000)) };
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

/** One request counted: within the limit or not, what is left of it, and when the window ends. */
interface Counted {
  ok: boolean;
  remaining: number;
  msBeforeNext: number;
}

interface Limiter {
  take(key: string): Counted | Promise<Counted>;
}

/** A rate-limiter-flexible limiter (Redis, with the memory one as insurance) as a Limiter. */
function fromLibrary(limiter: RateLimiterAbstract): Limiter {
  return {
    async take(key) {
      try {
        const res = await limiter.consume(key);
        return { ok: true, remaining: res.remainingPoints, msBeforeNext: res.msBeforeNext };
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        return { ok: false, remaining: 0, msBeforeNext: e.msBeforeNext };
      }
    },
  };
}

/**
 * Fixed windows per key, counted as RateLimiterMemory counts them (a key's
 * window starts at its first request and lasts windowMs; past `points`
 * requests in it are refused), synchronously. Ended windows are dropped by
 * a sweep once per window length, so memory holds the keys of about two
 * windows. `take` answers with one object it reuses: read it at once.
 */
export class WindowCounter implements Limiter {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();
  private sweepAt: number;
  private readonly answer: Counted = { ok: true, remaining: 0, msBeforeNext: 0 };

  constructor(
    private readonly points: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.sweepAt = now() + windowMs;
  }

  take(key: string): Counted {
    const now = this.now();
    if (now >= this.sweepAt) this.sweep(now);
    let window = this.windows.get(key);
    if (window === undefined || window.endsAt <= now) {
      window = { count: 0, endsAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    window.count++;
    const answer = this.answer;
    answer.ok = window.count <= this.points;
    answer.remaining = Math.max(this.points - window.count, 0);
    answer.msBeforeNext = window.endsAt - now;
    return answer;
  }

  /** Keys counted in a window that has not ended. */
  get size(): number {
    return this.windows.size;
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
    this.sweepAt = now + this.windowMs;
  }
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
