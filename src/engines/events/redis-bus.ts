import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import type { EventBus, NewEvent, TsiotEvent } from './types.js';

const GLOBAL_MAXLEN = 100_000;
const JOB_MAXLEN = 2_000;
const JOB_TTL_S = 14 * 86_400;

/**
 * The Redis bus: one stream `<prefix>:events` every process reads with
 * XREAD (the live feed), plus a stream per job `<prefix>:events:job:<id>`
 * (its replayable history, kept 14 days).
 */
export class RedisEventBus implements EventBus {
  readonly kind = 'redis' as const;
  private readonly listeners = new Set<(e: TsiotEvent) => void>();
  private reader: Redis | undefined;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly prefix = 'tsiot',
  ) {}

  async publish(event: NewEvent): Promise<TsiotEvent> {
    const at = new Date().toISOString();
    const body = JSON.stringify({ at, ...event });
    const multi = this.redis.multi().xadd(`${this.prefix}:events`, 'MAXLEN', '~', GLOBAL_MAXLEN, '*', 'e', body);
    if (event.jobId) {
      const key = `${this.prefix}:events:job:${event.jobId}`;
      multi.xadd(key, 'MAXLEN', '~', JOB_MAXLEN, '*', 'e', body).expire(key, JOB_TTL_S);
    }
    const res = await multi.exec();
    const id = String(res?.[0]?.[1] ?? '');
    return { id, at, ...event };
  }

  subscribe(listener: (event: TsiotEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.reader) this.startReading();
    return () => this.listeners.delete(listener);
  }

  async history(jobId: string): Promise<TsiotEvent[]> {
    const rows = await this.redis.xrange(`${this.prefix}:events:job:${jobId}`, '-', '+');
    return rows.map(([id, fields]) => ({ id, ...(JSON.parse(fields[1] ?? '{}') as Omit<TsiotEvent, 'id'>) }));
  }

  private startReading(): void {
    const reader = this.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    reader.on('error', () => undefined);
    this.reader = reader;
    let last = '$';
    const loop = async () => {
      while (!this.closed) {
        try {
          const res = (await reader.xread('BLOCK', 1000, 'STREAMS', `${this.prefix}:events`, last)) as
            | [string, [string, string[]][]][]
            | null;
          for (const [, entries] of res ?? []) {
            for (const [id, fields] of entries) {
              last = id;
              const event = { id, ...(JSON.parse(fields[1] ?? '{}') as Omit<TsiotEvent, 'id'>) };
              for (const l of this.listeners) l(event);
            }
          }
        } catch (err) {
          if (this.closed) return;
          this.logger.warn({ err }, 'event stream read failed; retrying');
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    };
    void loop();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.reader?.disconnect();
  }
}
