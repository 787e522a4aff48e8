/**
 * A live feed of generated points over Redis Streams, one stream per series
 * (`<prefix>:feed:<seriesId>`), read by consumer groups: each point goes to
 * one consumer of a group, stays pending until acknowledged, and can be
 * claimed by another consumer when its reader died.
 *
 *   const feed = new RedisLiveFeed(redis);
 *   await feed.createGroup('ser_1', 'dashboards');           // from new points on
 *   await feed.publish(series);                               // producer
 *   const points = await feed.read('ser_1', 'dashboards', 'worker-1', { count: 100, blockMs: 1000 });
 *   await feed.ack('ser_1', 'dashboards', points.map((p) => p.entryId));
 *
 * An entry holds the point's time in the field `_time` (epoch ms) and one
 * field per column; a missing value (NaN) is left out.
 *
 * From configuration, `?feed=redis://host:6379/0` on any storage URL
 * (storage/index.ts) publishes every stored series (withLiveFeed), and
 * `tsiot feed <seriesId>` reads it as NDJSON.
 */
import type { Redis } from 'ioredis';
import { TsiotError } from '../../../core/errors.js';
import type { TimeSeries } from '../../../core/types.js';
import { type LayeredStorage, layer } from '../layer.js';
import type { Storage } from '../storage.js';

export interface FeedPoint {
  /** The stream entry id, for ack/claim. */
  entryId: string;
  seriesId: string;
  t: number;
  /** Column name → value; a column missing at this point is absent. */
  values: Record<string, number>;
}

export interface LiveFeedOptions {
  /** Key prefix (default "tsiot"). */
  prefix?: string;
  /** Approximate most entries kept per stream (XADD MAXLEN ~; default 100,000). */
  maxLen?: number;
}

const TIME_FIELD = '_time';

type StreamEntries = [id: string, fields: string[]][];

export class RedisLiveFeed {
  private readonly prefix: string;
  private readonly maxLen: number;

  constructor(
    private readonly redis: Redis,
    options: LiveFeedOptions = {},
  ) {
    this.prefix = options.prefix ?? 'tsiot';
    this.maxLen = options.maxLen ?? 100_000;
  }

  /** The stream key of a series. */
  streamKey(seriesId: string): string {
    return `${this.prefix}:feed:${seriesId}`;
  }

  /** Append rows [from, to) of a series as entries, in order, pipelined; returns how many were added. */
  async publish(series: TimeSeries, range: { from?: number; to?: number } = {}): Promise<number> {
    const from = range.from ?? 0;
    const to = Math.min(range.to ?? series.timestamps.length, series.timestamps.length);
    const key = this.streamKey(series.id);
    if (series.columns.some((c) => c.name === TIME_FIELD)) {
      throw new TsiotError(
        'invalid_input',
        `feed.publish: column name "${TIME_FIELD}" is reserved for the point time`,
        { details: { field: 'columns', example: 'temperature' } },
      );
    }
    let added = 0;
    for (let start = from; start < to; start += 1_000) {
      const pipe = this.redis.pipeline();
      const end = Math.min(to, start + 1_000);
      for (let i = start; i < end; i++) {
        const fields: string[] = [TIME_FIELD, String(series.timestamps[i])];
        for (const c of series.columns) {
          const v = c.values[i]!;
          if (!Number.isNaN(v)) fields.push(c.name, String(v));
        }
        pipe.xadd(key, 'MAXLEN', '~', String(this.maxLen), '*', ...fields);
      }
      for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
      added += end - start;
    }
    return added;
  }

  /**
   * Create a consumer group (idempotent). `from` is "$" for points published
   * from now on (default) or "0" for everything still in the stream.
   */
  async createGroup(seriesId: string, group: string, from: '$' | '0' = '$'): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', this.streamKey(seriesId), group, from, 'MKSTREAM');
    } catch (e) {
      if (!/BUSYGROUP/.test((e as Error).message)) throw e;
    }
  }

  /** Remove a consumer group and what it had pending (the stream itself stays); true when it existed. */
  async destroyGroup(seriesId: string, group: string): Promise<boolean> {
    return Number(await this.redis.xgroup('DESTROY', this.streamKey(seriesId), group)) === 1;
  }

  /** Up to `count` points not yet delivered to the group, waiting up to blockMs for new ones (0: don't wait). */
  async read(
    seriesId: string,
    group: string,
    consumer: string,
    options: { count?: number; blockMs?: number } = {},
  ): Promise<FeedPoint[]> {
    const count = options.count ?? 100;
    if (!Number.isInteger(count) || count < 1)
      throw new TsiotError('invalid_input', 'feed.read: count must be a positive integer', {
        details: { field: 'count', example: 100 },
      });
    const args: (string | number)[] = ['GROUP', group, consumer, 'COUNT', count];
    if (options.blockMs) args.push('BLOCK', options.blockMs);
    args.push('STREAMS', this.streamKey(seriesId), '>');
    const reply = (await (this.redis.xreadgroup as (...a: (string | number)[]) => Promise<unknown>)(...args)) as
      | [string, StreamEntries][]
      | null;
    return reply ? this.points(seriesId, reply[0]![1]) : [];
  }

  /** Acknowledge processed points; returns how many were pending. */
  async ack(seriesId: string, group: string, entryIds: string[]): Promise<number> {
    if (!entryIds.length) return 0;
    return this.redis.xack(this.streamKey(seriesId), group, ...entryIds);
  }

  /** How many delivered points of the group are not yet acknowledged. */
  async pending(seriesId: string, group: string): Promise<number> {
    const summary = (await this.redis.xpending(this.streamKey(seriesId), group)) as [number, ...unknown[]];
    return Number(summary[0]);
  }

  /** Take over points pending for longer than minIdleMs (their consumer died); up to `count` of them. */
  async claimStale(
    seriesId: string,
    group: string,
    consumer: string,
    minIdleMs: number,
    count = 100,
  ): Promise<FeedPoint[]> {
    const reply = (await this.redis.xautoclaim(
      this.streamKey(seriesId),
      group,
      consumer,
      minIdleMs,
      '0-0',
      'COUNT',
      count,
    )) as [string, StreamEntries];
    return this.points(seriesId, reply[1]);
  }

  /** Entries kept in the stream of a series. */
  async length(seriesId: string): Promise<number> {
    return this.redis.xlen(this.streamKey(seriesId));
  }

  private points(seriesId: string, entries: StreamEntries): FeedPoint[] {
    return entries.map(([entryId, fields]) => {
      const values: Record<string, number> = {};
      let t = NaN;
      for (let i = 0; i < fields.length; i += 2) {
        if (fields[i] === TIME_FIELD) t = Number(fields[i + 1]);
        else values[fields[i]!] = Number(fields[i + 1]);
      }
      return { entryId, seriesId, t, values };
    });
  }
}

export interface LiveFeedLayerOptions {
  /** Called when a stored series could not be published; the store itself stands. */
  onError?: (err: unknown, seriesId: string) => void;
}

/**
 * A Storage that publishes every series it stores to the feed, after the
 * store has committed. A feed that cannot be reached does not undo the
 * store (the series is kept and readable); the failure goes to onError.
 * A stream is a log: points published stay when a caller takes a store back
 * later (SeriesStore removing the first series of a batch whose third
 * failed), as they would for any reader that already consumed them.
 */
export function withLiveFeed(inner: Storage, feed: RedisLiveFeed, options: LiveFeedLayerOptions = {}): LayeredStorage {
  const publish = async (series: TimeSeries) => {
    try {
      await feed.publish(series);
    } catch (err) {
      options.onError?.(err, series.id);
    }
  };
  return layer(inner, {
    async store(series, storeOptions) {
      const result = await inner.store(series, storeOptions);
      await publish(series);
      return result;
    },
    ...(inner.storeMany
      ? {
          async storeMany(list, storeOptions) {
            const results = await inner.storeMany!(list, storeOptions);
            for (const series of list) await publish(series);
            return results;
          },
        }
      : {}),
  });
}
