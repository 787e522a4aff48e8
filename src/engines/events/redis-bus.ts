import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import type { EventBus, NewEvent, TsiotEvent } from './types.js';

const GLOBAL_MAXLEN = 100_000;
const JOB_MAXLEN = 2_000;
const JOB_TTL_S = 14 * 86_400;
/** How long a publish waits for a reader that is starting to learn where the stream ends. */
const ANCHOR_TIMEOUT_MS = 2_000;

// KEYS[1] the shared stream, KEYS[2] (optional) the job's stream; ARGV: body, maxlen, job maxlen, job ttl.
// The job's entry takes the shared entry's id, so an event has one id live and in its history. Should
// the job's stream be ahead (the shared stream was deleted meanwhile), it gets an id of its own.
const PUBLISH = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'e', ARGV[1])
if KEYS[2] then
  local ok = redis.pcall('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], id, 'e', ARGV[1])
  if type(ok) == 'table' and ok.err then
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'e', ARGV[1])
  end
  redis.call('EXPIRE', KEYS[2], ARGV[4])
end
return id
`;

/**
 * A stream id ("1700000000000-7") as a string that sorts like the stream
 * (the sequence zero-padded), so event ids of both buses compare as strings.
 */
export function sortableStreamId(raw: string): string {
  const dash = raw.indexOf('-');
  if (dash < 0) return raw;
  return `${raw.slice(0, dash).padStart(13, '0')}-${raw.slice(dash + 1).padStart(6, '0')}`;
}

/**
 * The Redis bus: one stream `<prefix>:events` every process reads with
 * XREAD (the live feed), plus a stream per job `<prefix>:events:job:<id>`
 * (its replayable history, kept 14 days).
 */
export class RedisEventBus implements EventBus {
  readonly kind = 'redis' as const;
  /** Each listener with the last id this bus had published when it subscribed. */
  private readonly listeners = new Map<(e: TsiotEvent) => void, string>();
  /** The newest id this bus has published (sortable form). */
  private lastPublished = '';
  private reader: Redis | undefined;
  /** Settles once the reader knows where the stream ends: from there on nothing published here is missed. */
  private listening: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly prefix = 'tsiot',
  ) {}

  async publish(event: NewEvent): Promise<TsiotEvent> {
    // a subscriber that has just joined must see this event
    if (this.listening) await this.listening;
    const at = new Date().toISOString();
    const body = JSON.stringify({ at, ...event });
    const keys = [`${this.prefix}:events`, ...(event.jobId ? [`${this.prefix}:events:job:${event.jobId}`] : [])];
    const raw = await this.redis.eval(PUBLISH, keys.length, ...keys, body, GLOBAL_MAXLEN, JOB_MAXLEN, JOB_TTL_S);
    const id = sortableStreamId(String(raw));
    if (id > this.lastPublished) this.lastPublished = id;
    return { id, at, ...event };
  }

  subscribe(listener: (event: TsiotEvent) => void): () => void {
    // events this bus published before now may still be on their way through XREAD: not for this listener
    this.listeners.set(listener, this.lastPublished);
    if (!this.reader && !this.closed) this.listening = this.startReading();
    return () => {
      this.listeners.delete(listener);
    };
  }

  async history(jobId: string): Promise<TsiotEvent[]> {
    const rows = await this.redis.xrange(`${this.prefix}:events:job:${jobId}`, '-', '+');
    return rows.map(([id, fields]) => decode(id, fields));
  }

  private startReading(): Promise<void> {
    const reader = this.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    reader.on('error', () => undefined);
    this.reader = reader;
    const stream = `${this.prefix}:events`;
    let last = '$';
    let timer: NodeJS.Timeout | undefined;
    // Start after the stream's last entry as of now, rather than "$" at the first XREAD, so events
    // published between subscribe() and that XREAD still arrive.
    const anchored = Promise.race([
      reader.xrevrange(stream, '+', '-', 'COUNT', 1).then((tail) => {
        last = tail[0]?.[0] ?? '0-0';
      }),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ANCHOR_TIMEOUT_MS);
      }),
    ])
      .catch((err: unknown) => this.logger.warn({ err }, 'event stream position unknown; reading new events only'))
      .finally(() => clearTimeout(timer));
    const loop = async () => {
      while (!this.closed) {
        try {
          const res = (await reader.xread('BLOCK', 1000, 'STREAMS', stream, last)) as
            | [string, [string, string[]][]][]
            | null;
          for (const [, entries] of res ?? []) {
            for (const [id, fields] of entries) {
              last = id;
              this.deliver(decode(id, fields));
            }
          }
        } catch (err) {
          if (this.closed) return;
          this.logger.warn({ err }, 'event stream read failed; retrying');
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    };
    void anchored.then(loop);
    return anchored;
  }

  /** Hand an event to every listener; one that throws is logged and keeps it from no one. */
  private deliver(event: TsiotEvent): void {
    for (const [l, since] of [...this.listeners]) {
      if (event.id <= since) continue;
      try {
        l(event);
      } catch (err) {
        this.logger.warn({ err, event: event.type }, 'event listener failed');
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.reader?.disconnect();
  }
}

function decode(id: string, fields: string[]): TsiotEvent {
  return { id: sortableStreamId(id), ...(JSON.parse(fields[1] ?? '{}') as Omit<TsiotEvent, 'id'>) };
}
