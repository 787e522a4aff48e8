// Is the server still answering while heavy calls run? /healthz and a small generate_timeseries are
// timed on an idle server (the reference, same run), then while a validation and an analysis of a long
// stored series, a large unstored generation and two model fits run at once.
//
//   npm run bench:eventloop                       # 1 M-row series (bounded default)
//   BENCH_ROWS=5000000 npm run bench:eventloop    # the 5 M rows
//   BENCH_FITS=0 npm run bench:eventloop          # without the fits (which run in the worker pool)
import { fmt, post, startBenchServer, stats } from './http-harness.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const FITS = Number(process.env.BENCH_FITS ?? 2);

async function probe(url: string, until: () => boolean, minSamples: number) {
  const health: number[] = [];
  const small: number[] = [];
  while (!until() || health.length < minSamples) {
    let t = performance.now();
    await fetch(`${url}/healthz`).then((r) => r.text());
    health.push(performance.now() - t);
    t = performance.now();
    const r = await post(url, 'generate_timeseries', { points: 60, store: false, seed: 1, preview: 0 });
    if (r.status !== 200) throw new Error(`small generate failed: ${JSON.stringify(r.json)}`);
    small.push(performance.now() - t);
    await new Promise((res) => setTimeout(res, 20));
  }
  return { health: stats(health), small: stats(small) };
}

const bench = await startBenchServer();
try {
  const stored = await post(bench.url, 'generate_timeseries', {
    points: ROWS,
    interval: '1s',
    seed: 3,
    preview: 0,
    name: 'long',
  });
  const id = stored.json.result.series[0].id as string;
  const fitData = await post(bench.url, 'generate_timeseries', {
    points: 5_000,
    interval: '1m',
    seed: 4,
    preview: 0,
    name: 'fit',
  });
  const fitId = fitData.json.result.series[0].id as string;
  console.log(`stored ${ROWS.toLocaleString('en-US')} rows as ${id}`);

  const idle = await probe(bench.url, () => true, 100);
  console.log(`idle      /healthz ${fmt(idle.health)}`);
  console.log(`idle      small generate ${fmt(idle.small)}`);

  let running = 0;
  const heavy: Promise<void>[] = [];
  const timed = (label: string, tool: string, body: unknown) => {
    running++;
    const t = performance.now();
    heavy.push(
      post(bench.url, tool, body).then((r) => {
        running--;
        console.log(`  ${label}: HTTP ${r.status} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      }),
    );
  };
  timed(`validate ${ROWS} rows`, 'validate_timeseries', { synthetic: id, store: false });
  timed(`analyze ${ROWS} rows`, 'analyze_series', { id });
  timed(`generate ${ROWS} rows unstored`, 'generate_timeseries', { points: ROWS, store: false, seed: 9, preview: 0 });
  for (let f = 0; f < FITS; f++)
    timed(`fit arima #${f + 1}`, 'fit_model', { generator: 'arima', data: { seriesId: fitId }, seed: f });
  const loaded = await probe(bench.url, () => running === 0, 20);
  await Promise.all(heavy);
  console.log(`loaded    /healthz ${fmt(loaded.health)}   (goal p99 < 50 ms)`);
  console.log(`loaded    small generate ${fmt(loaded.small)}   (goal p99 < 100 ms)`);
  console.log(
    `ratio loaded/idle p99: /healthz ${(loaded.health.p99 / idle.health.p99).toFixed(1)}×, small generate ${(loaded.small.p99 / idle.small.p99).toFixed(1)}×`,
  );
} finally {
  await bench.close();
}
