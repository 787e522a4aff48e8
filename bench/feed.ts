// What the live feed costs a store: N points stored in an in-memory DuckDB
// with and without ?feed=redis://…, beside the reference of the same run —
// the same stream entries written by ioredis alone, pipelined (no tsiot code
// between), and a pipeline of plain SETs (the connection's own ceiling).
//
//   node --import tsx bench/feed.ts                         # 200,000 points, Redis at 127.0.0.1:6379/0
//   BENCH_POINTS=50000 BENCH_REDIS=redis://127.0.0.1:6379/1 node --import tsx bench/feed.ts
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { TimeSeries } from '../src/core/types.js';
import { createStorage } from '../src/engines/storage/index.js';

const n = Number(process.env.BENCH_POINTS ?? 200_000);
const redisUrl = process.env.BENCH_REDIS ?? 'redis://127.0.0.1:6379/0';
const prefix = `tsiot_bench_feed_${randomBytes(4).toString('hex')}`;

function series(id: string): TimeSeries {
  return {
    id,
    name: id,
    metadata: { tags: {} },
    timestamps: Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 1_000),
    columns: [
      { name: 'temperature', values: Float64Array.from({ length: n }, (_, i) => 20 + Math.sin(i / 60)) },
      { name: 'humidity', values: Float64Array.from({ length: n }, (_, i) => 50 + Math.cos(i / 90)) },
    ],
    labels: [],
  };
}

async function timed(what: string, fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  const seconds = (performance.now() - started) / 1000;
  console.log(`${what.padEnd(44)} ${(n / seconds).toFixed(0).padStart(10)} points/s  (${seconds.toFixed(2)} s)`);
  return seconds;
}

const redis = new Redis(redisUrl);
try {
  const plain = await createStorage('duckdb://:memory:');
  await plain.init();
  const fed = await createStorage(`duckdb://:memory:?feed=${redisUrl}&feedPrefix=${prefix}&feedMaxLen=${n}`);
  await fed.init();
  console.log(`${n} points × 2 columns, Redis ${redisUrl.replace(/\/\/[^@/]*@/, '//***@')}`);
  const store = await timed('store, no feed', () => plain.store(series('a')));
  const withFeed = await timed('store with ?feed=', () => fed.store(series('b')));
  const s = series('c');
  const raw = await timed('reference: XADD pipelined by ioredis alone', async () => {
    for (let start = 0; start < n; start += 1_000) {
      const pipe = redis.pipeline();
      for (let i = start; i < Math.min(n, start + 1_000); i++)
        pipe.xadd(
          `${prefix}:raw`,
          'MAXLEN',
          '~',
          String(n),
          '*',
          '_time',
          String(s.timestamps[i]),
          'temperature',
          String(s.columns[0]!.values[i]),
          'humidity',
          String(s.columns[1]!.values[i]),
        );
      await pipe.exec();
    }
  });
  const sets = await timed('reference: SET pipelined by ioredis alone', async () => {
    for (let start = 0; start < n; start += 1_000) {
      const pipe = redis.pipeline();
      for (let i = start; i < Math.min(n, start + 1_000); i++) pipe.set(`${prefix}:k${i % 1_000}`, 'x');
      await pipe.exec();
    }
  });
  console.log(
    `feed publish time / raw XADD time: ${((withFeed - store) / raw).toFixed(2)}; raw XADD / SET: ${(raw / sets).toFixed(2)}`,
  );
  await plain.close();
  await fed.close();
} finally {
  const keys = await redis.keys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  redis.disconnect();
}
