/**
 * `tsiot feed` against the real Redis (TSIOT_TEST_REDIS_URL): series stored
 * through a storage URL with ?feed=… come out as NDJSON points in the shape
 * of the NDJSON export, a named group shares them between runs, --follow
 * waits for a series stored later, and a missing feed or Redis URL is refused
 * clearly. One run goes through the real command line; the rest call the
 * command's implementation in this process (a CLI start costs seconds here).
 */
import { execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import type { TimeSeries } from '../../src/core/types.js';
import { runFeed } from '../../src/cli/feed.js';
import { buildCli } from '../../src/cli/program.js';
import { writeSeries } from '../../src/engines/export/index.js';
import { createStorage } from '../../src/engines/storage/index.js';
import { cliArgs } from '../helpers/cli.js';
import { requireServer, runName } from '../helpers/servers.js';

const server = await requireServer('Redis', 'TSIOT_TEST_REDIS_URL', 6379, async (url) => {
  const r = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } finally {
    r.disconnect();
  }
});
const run = promisify(execFile);
const prefix = runName('tsiot_feed');
const logger = createLogger('silent');

function series(id: string, n: number): TimeSeries {
  return {
    id,
    name: id,
    metadata: { tags: {} },
    timestamps: Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 60_000),
    columns: [
      { name: 'temperature', values: Float64Array.from({ length: n }, (_, i) => 20 + i * 0.25) },
      { name: 'humidity', values: Float64Array.from({ length: n }, (_, i) => (i % 4 === 2 ? NaN : 50 - i)) },
    ],
    labels: [],
  };
}

const parse = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Run the feed command in this process and return what it printed. */
async function feed(options: Partial<Parameters<typeof runFeed>[0]> & { seriesId: string }): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await runFeed({
    redisUrl: server.url,
    prefix,
    from: 'start',
    follow: false,
    timestamps: 'iso',
    logger,
    out,
    ...options,
  });
  return Buffer.concat(chunks).toString('utf8');
}

describe.skipIf(!server.ok)('tsiot feed', () => {
  const storageUrl = `duckdb://:memory:?feed=${server.url}&feedPrefix=${prefix}`;
  let redis: Redis;

  async function store(s: TimeSeries): Promise<void> {
    const storage = await createStorage(storageUrl);
    await storage.init();
    await storage.store(s);
    await storage.close();
  }

  beforeAll(() => {
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('prints from the command line every point of a series stored through ?feed=, as the NDJSON export has it', async () => {
    const s = series('cli-run', 40);
    await store(s);
    const { stdout } = await run(
      process.execPath,
      cliArgs('feed', 'cli-run', '--redis', server.url, '--prefix', prefix),
      {
        env: { ...process.env, TSIOT_LOG_LEVEL: 'silent', TSIOT_STORAGE: '' },
      },
    );
    let exported = '';
    await writeSeries([s], 'ndjson', (chunk: Uint8Array) => {
      exported += Buffer.from(chunk).toString('utf8');
    });
    // the export writes a missing value as null; the feed keeps no field for it
    const expected = parse(exported).map((row) =>
      Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null)),
    );
    expect(parse(stdout)).toEqual(expected);
    // the run's private group is gone again
    expect(await redis.xinfo('GROUPS', `${prefix}:feed:cli-run`)).toEqual([]);
  });

  it('shares a named group between runs: each point is printed once, then nothing is left', async () => {
    await store(series('shared', 25));
    const runs: Record<string, unknown>[][] = [];
    for (let k = 0; k < 4; k++) runs.push(parse(await feed({ seriesId: 'shared', group: 'g1', count: 10 })));
    expect(runs.map((r) => r.length)).toEqual([10, 10, 5, 0]);
    expect(runs.flat().map((p) => p.temperature)).toEqual(Array.from({ length: 25 }, (_, i) => 20 + i * 0.25));
    // a private reader still sees all of them, in epoch ms on request
    const all = parse(await feed({ seriesId: 'shared', timestamps: 'ms' }));
    expect(all.map((p) => p.timestamp)).toEqual(Array.from(series('shared', 25).timestamps));
  });

  it('with --follow waits for a series stored later, and stops after --count points', async () => {
    const printed = feed({ seriesId: 'later', follow: true, count: 5 });
    // wait until the reader's group exists: the points come after it started waiting
    for (let i = 0; i < 100 && !(await redis.exists(`${prefix}:feed:later`)); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await redis.xlen(`${prefix}:feed:later`)).toBe(0);
    await store(series('later', 8));
    expect(parse(await printed).map((p) => p.temperature)).toEqual([20, 20.25, 20.5, 20.75, 21]);
  });

  it('stops a --follow read when told to, and takes away the empty stream it made', async () => {
    const stop = new AbortController();
    const printed = feed({ seriesId: 'never', follow: true, signal: stop.signal });
    await new Promise((r) => setTimeout(r, 300));
    stop.abort();
    expect(await printed).toBe('');
    expect(await redis.exists(`${prefix}:feed:never`)).toBe(0);
  });

  it('refuses a series without a feed, and a feed without a Redis URL', async () => {
    await expect(feed({ seriesId: 'no-such-series' })).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('no live feed for series "no-such-series"'),
    });
    const before = process.env.TSIOT_STORAGE;
    delete process.env.TSIOT_STORAGE;
    try {
      await expect(buildCli().parseAsync(['node', 'tsiot', 'feed', 'x'])).rejects.toMatchObject({
        code: 'invalid_input',
        message: expect.stringContaining('--redis: the feed needs a Redis URL'),
      });
    } finally {
      if (before !== undefined) process.env.TSIOT_STORAGE = before;
    }
  });
});
