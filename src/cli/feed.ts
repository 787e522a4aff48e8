/**
 * `tsiot feed <seriesId>`: read the live feed of a series (Redis Streams,
 * filled by a storage URL with ?feed=redis://…) and print each point as one
 * NDJSON line, in the shape of `tsiot generate --format ndjson`:
 *
 *   {"timestamp":"2025-01-01T00:00:00.000Z","series":"ser_…","temperature":21.4}
 *
 * A missing value is left out, as the feed keeps it. Points are read as a
 * consumer group and acknowledged once written: a named --group shares its
 * points among its consumers and never delivers an acknowledged point to it
 * again; without one, a private group reads everything and is removed at exit.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { TsiotError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { connectRedis } from '../engines/storage/redis/index.js';
import { type FeedPoint, RedisLiveFeed } from '../engines/storage/redis/live-feed.js';
import { redactUrl } from '../engines/storage/url.js';

export interface FeedCommandOptions {
  seriesId: string;
  redisUrl: string;
  prefix: string;
  group?: string;
  consumer?: string;
  from: 'start' | 'new';
  follow: boolean;
  count?: number;
  timestamps: 'iso' | 'ms';
  logger: Logger;
  out?: NodeJS.WritableStream;
  /** Stops a --follow read (SIGINT/SIGTERM in the CLI). */
  signal?: AbortSignal;
}

const BATCH = 1_000;
const BLOCK_MS = 1_000;

function line(p: FeedPoint, timestamps: 'iso' | 'ms'): string {
  const t = timestamps === 'iso' ? JSON.stringify(new Date(p.t).toISOString()) : String(p.t);
  let out = `{"timestamp":${t},"series":${JSON.stringify(p.seriesId)}`;
  for (const [k, v] of Object.entries(p.values)) out += `,${JSON.stringify(k)}:${Number.isFinite(v) ? v : 'null'}`;
  return `${out}}\n`;
}

/** Print the feed of one series; returns how many points were written. */
export async function runFeed(o: FeedCommandOptions): Promise<number> {
  if (!o.seriesId.trim())
    throw new TsiotError('invalid_input', 'seriesId: expected the id of a stored series', {
      details: { field: 'seriesId', example: 'ser_9f2kQ0aB1cD2eF3g' },
    });
  if (o.count !== undefined && (!Number.isInteger(o.count) || o.count < 1))
    throw new TsiotError('invalid_input', `--count: expected a whole number ≥ 1, got ${o.count}`, {
      details: { field: 'count', example: 100 },
    });
  const out = o.out ?? process.stdout;
  const redis = connectRedis(o.redisUrl, o.logger, 'live feed');
  const feed = new RedisLiveFeed(redis, { prefix: o.prefix });
  const key = feed.streamKey(o.seriesId);
  const group = o.group ?? `tsiot-feed-${randomBytes(6).toString('base64url')}`;
  const consumer = o.consumer ?? `${hostname()}-${process.pid}`;
  let existed = true;
  let grouped = false;
  let written = 0;
  let broken = false;
  const onError = () => {
    broken = true; // the reader went away (a closed pipe): stop quietly
  };
  out.on('error', onError);
  try {
    try {
      existed = (await redis.exists(key)) === 1;
    } catch (e) {
      throw new TsiotError('unavailable', `the live feed at ${redactUrl(o.redisUrl)} cannot be reached`, {
        hint: 'Check that Redis is running and the URL is right, then retry.',
        cause: e,
      });
    }
    if (!existed && !o.follow)
      throw new TsiotError('not_found', `no live feed for series "${o.seriesId}" under the prefix "${o.prefix}"`, {
        hint: 'Store the series through a storage URL with ?feed=redis://… (and the same feedPrefix), or pass --follow to wait for it.',
      });
    await feed.createGroup(o.seriesId, group, o.from === 'new' ? '$' : '0');
    grouped = true;
    while (!broken && !o.signal?.aborted) {
      const want = o.count === undefined ? BATCH : Math.min(BATCH, o.count - written);
      const points = await feed.read(o.seriesId, group, consumer, {
        count: want,
        ...(o.follow ? { blockMs: BLOCK_MS } : {}),
      });
      if (!points.length) {
        if (o.follow) continue;
        break;
      }
      let text = '';
      for (const p of points) text += line(p, o.timestamps);
      if (!out.write(text)) await Promise.race([once(out, 'drain'), once(out, 'error')]);
      if (broken) break;
      await feed.ack(
        o.seriesId,
        group,
        points.map((p) => p.entryId),
      );
      written += points.length;
      if (o.count !== undefined && written >= o.count) break;
    }
    return written;
  } finally {
    out.off('error', onError);
    try {
      if (grouped && o.group === undefined) await feed.destroyGroup(o.seriesId, group);
      // --follow made an empty stream for a series that never came: take it away again
      if (!existed && (await feed.length(o.seriesId)) === 0) await redis.del(key);
    } catch (e) {
      o.logger.debug({ err: (e as Error).message }, 'feed: could not tidy up the private group');
    } finally {
      redis.disconnect();
    }
  }
}
