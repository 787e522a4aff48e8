// Bounded load on 127.0.0.1: C concurrent clients call generate_timeseries (small requests) for D seconds,
// first with store:false, then store:true; req/s, p50/p99, errors and the server's RSS every 5 s.
// (A fetch loop in this process rather than autocannon: same counters, no extra dependency.)
//
//   npm run bench:load                           # 20 s per phase, 16 clients
//   BENCH_SECONDS=60 BENCH_CLIENTS=32 npm run bench:load
import { fmt, post, startBenchServer, stats } from './http-harness.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);

async function phase(url: string, store: boolean) {
  const lat: number[] = [];
  let errors = 0;
  let done = 0;
  const end = Date.now() + SECONDS * 1000;
  const began = Date.now();
  const rss: string[] = [];
  const sampler = setInterval(() => {
    rss.push(`${Math.round((Date.now() - began) / 1000)}s ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`);
  }, 5_000);
  let seed = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < end) {
        const t = performance.now();
        try {
          const r = await post(url, 'generate_timeseries', {
            points: 60,
            store,
            seed: seed++,
            preview: 0,
            tags: { bench: 'load' },
          });
          if (r.status !== 200) errors++;
        } catch {
          errors++;
        }
        lat.push(performance.now() - t);
        done++;
      }
    }),
  );
  clearInterval(sampler);
  const secs = (Date.now() - began) / 1000;
  console.log(`store:${store}  ${(done / secs).toFixed(0)} req/s  ${fmt(stats(lat))}  errors=${errors}`);
  console.log(`  RSS every 5 s: ${rss.join(', ')}`);
}

const bench = await startBenchServer();
try {
  await phase(bench.url, false);
  await phase(bench.url, true);
} finally {
  await bench.close();
}
