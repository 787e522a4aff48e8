// Bounded load on 127.0.0.1: C concurrent clients call generate_timeseries (small requests) for D seconds,
// first with store:false, then store:true; req/s, p50/p99, errors and the server's RSS every 5 s.
// (A fetch loop in this process rather than autocannon: same counters, no extra dependency.)
//
//   npm run bench:load                           # 20 s per phase, 16 clients
//   BENCH_SECONDS=60 BENCH_CLIENTS=32 npm run bench:load
import { fmt, loadLoop, startBenchServer } from './http-harness.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);

async function phase(url: string, store: boolean) {
  const began = Date.now();
  const rss: string[] = [];
  const sampler = setInterval(() => {
    rss.push(`${Math.round((Date.now() - began) / 1000)}s ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`);
  }, 5_000);
  const r = await loadLoop(
    url,
    'generate_timeseries',
    (seed) => ({ points: 60, store, seed, preview: 0, tags: { bench: 'load' } }),
    { clients: CLIENTS, seconds: SECONDS },
  );
  clearInterval(sampler);
  console.log(`store:${store}  ${r.reqPerSec.toFixed(0)} req/s  ${fmt(r.latency)}  errors=${r.errors}`);
  console.log(`  RSS every 5 s: ${rss.join(', ')}`);
}

const bench = await startBenchServer();
try {
  await phase(bench.url, false);
  await phase(bench.url, true);
} finally {
  await bench.close();
}
