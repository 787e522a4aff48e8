/**
 * Shared plumbing for backends that talk to a server over the network:
 * bounded waits, retries with exponential backoff, the 'unavailable' error a
 * caller can act on, and health checks that always answer in bounded time.
 */
import { TsiotError, isTsiotError } from '../../core/errors.js';
import type { HealthStatus } from '../../core/types.js';
import { redactUrl } from './url.js';

/** Default bound on a health check, in ms. */
export const HEALTH_TIMEOUT_MS = 2_000;

/** A server that cannot be reached (refused, reset, timed out): retrying later may help. */
export function unavailable(backend: string, url: string, cause: unknown, what = 'request'): TsiotError {
  const reason = describeCause(cause);
  return new TsiotError('unavailable', `${backend} at ${redactUrl(url)} is unavailable (${what} failed: ${reason})`, {
    hint: `Check that the ${backend} server is running and reachable, then retry.`,
    details: { backend, url: redactUrl(url), reason },
    cause,
  });
}

/** A short human reason from a network or driver error, without secrets. */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    const inner = (cause as { cause?: unknown }).cause;
    const innerCode = inner && typeof inner === 'object' ? (inner as { code?: unknown }).code : undefined;
    const c = typeof code === 'string' ? code : typeof innerCode === 'string' ? innerCode : undefined;
    const msg = cause.message || (inner instanceof Error ? inner.message : '');
    return c && !msg.includes(c) ? `${c}: ${msg}` : msg || String(c ?? cause.name);
  }
  return String(cause);
}

/** Network failures worth retrying: refused/reset connections, timeouts, 5xx and 429 answers. */
export function isTransient(e: unknown): boolean {
  if (isTsiotError(e)) return e.retryable;
  const text =
    e instanceof Error
      ? `${(e as { code?: unknown }).code ?? ''} ${e.message} ${describeCause((e as { cause?: unknown }).cause ?? '')}`
      : String(e);
  return /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|socket hang up|other side closed|fetch failed|terminat|timeout|aborted/i.test(
    text,
  );
}

/** Reject with `onTimeout()` when `work` takes longer than `ms`. */
export async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface RetryOptions {
  /** Total attempts including the first (>= 1). */
  attempts: number;
  /** Delay before the second attempt; doubles each time up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Whether an error is worth another attempt (default: isTransient). */
  retryable?: (e: unknown) => boolean;
  /** Called before each retry, e.g. to log. */
  onRetry?: (e: unknown, attempt: number, delayMs: number) => void;
}

/** Run `fn` until it succeeds, the error is not retryable, or attempts run out (then the last error is thrown). */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const retryable = options.retryable ?? isTransient;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= options.attempts || !retryable(e)) throw e;
      const delay = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      options.onRetry?.(e, attempt, delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** Run a probe with a deadline and turn the outcome into a HealthStatus; never throws. */
export async function probeHealth(
  backend: string,
  url: string,
  probe: () => Promise<string | undefined>,
  timeoutMs = HEALTH_TIMEOUT_MS,
): Promise<HealthStatus> {
  const started = performance.now();
  try {
    const detail = await withTimeout(
      probe(),
      timeoutMs,
      () => new TsiotError('timeout', `no answer within ${timeoutMs} ms`),
    );
    return { backend, ok: true, latencyMs: Math.round(performance.now() - started), ...(detail ? { detail } : {}) };
  } catch (e) {
    return {
      backend,
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      detail: `${redactUrl(url)} unavailable: ${describeCause(e)}`,
    };
  }
}
