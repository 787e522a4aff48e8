import { TsiotError } from './errors.js';

/**
 * At most `limit` holders at a time, at most `maxWaiting` callers queued
 * behind them; beyond that a caller is refused at once with `rate_limited`
 * (retryable) rather than queued without end. Waiters leave the queue when
 * their signal aborts.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(
    readonly limit: number,
    readonly maxWaiting: number,
    private readonly what: string,
  ) {}

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new TsiotError('cancelled', `${this.what} was cancelled`));
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxWaiting) {
      return Promise.reject(
        new TsiotError(
          'rate_limited',
          `The server is busy: ${this.active} ${this.what} running and ${this.waiting.length} waiting`,
          {
            details: { running: this.active, waiting: this.waiting.length },
            hint: 'Retry in a few seconds.',
          },
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const entry = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new TsiotError('cancelled', `${this.what} was cancelled while waiting`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next.resolve();
    else this.active--;
  }
}
