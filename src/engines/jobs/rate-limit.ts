import type { Redis } from 'ioredis';
import { TsiotError } from '../../core/errors.js';

/** Per-tenant submission limit: a token bucket of `burst` tokens refilled at `perSecond`. */
export interface RateLimit {
  burst: number;
  perSecond: number;
}

export interface RateLimiter {
  /** Take one token for the tenant or throw rate_limited with the wait. */
  take(tenant: string): Promise<void>;
}

function limited(tenant: string, waitMs: number): TsiotError {
  return new TsiotError(
    'rate_limited',
    `Tenant "${tenant}" is starting jobs too fast; try again in ${Math.ceil(waitMs / 1000)} s`,
    {
      details: { tenant, retryAfterMs: Math.ceil(waitMs) },
      hint: 'Wait and retry, or batch the work into fewer, larger jobs.',
    },
  );
}

/** Token buckets in process memory (for the in-process engine). */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly limit: RateLimit) {}

  async take(tenant: string): Promise<void> {
    const now = Date.now();
    const b = this.buckets.get(tenant) ?? { tokens: this.limit.burst, at: now };
    b.tokens = Math.min(this.limit.burst, b.tokens + ((now - b.at) / 1000) * this.limit.perSecond);
    b.at = now;
    this.buckets.set(tenant, b);
    if (b.tokens < 1) throw limited(tenant, ((1 - b.tokens) / this.limit.perSecond) * 1000);
    b.tokens -= 1;
  }
}

// KEYS[1] bucket; ARGV: burst, perSecond, nowMs. Returns wait ms (0 = token taken).
const TAKE = `
local b = redis.call('HMGET', KEYS[1], 't', 'at')
local burst = tonumber(ARGV[1]); local rate = tonumber(ARGV[2]); local now = tonumber(ARGV[3])
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + (now - at) / 1000 * rate)
local wait = 0
if tokens < 1 then wait = math.ceil((1 - tokens) / rate * 1000) else tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return wait
`;

/** Token buckets in Redis, shared by every API process (one Lua script per take: atomic). */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly limit: RateLimit,
    private readonly prefix = 'tsiot',
  ) {}

  async take(tenant: string): Promise<void> {
    const wait = Number(
      await this.redis.eval(
        TAKE,
        1,
        `${this.prefix}:ratelimit:${tenant}`,
        this.limit.burst,
        this.limit.perSecond,
        Date.now(),
      ),
    );
    if (wait > 0) throw limited(tenant, wait);
  }
}
