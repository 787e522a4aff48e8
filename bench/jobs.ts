// A 100 M-value generation job through the in-process job engine, in
// chunks: prints peak RSS and peak JS memory (heap + typed arrays) to show the
// job's memory is bounded by the chunk size, not the total.
//
//   node --import tsx bench/jobs.ts                    # 100 M values into a DuckDB file
//   BENCH_SINK=null node --import tsx bench/jobs.ts    # same job, values counted and dropped
//   BENCH_VALUES=20000000 BENCH_CHUNK=500000 node --import tsx bench/jobs.ts
//
// With DuckDB, RSS also holds DuckDB's own buffer pool (it caches pages up to
// its memory limit), which is why the RSS curve is printed along the way.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../src/core/logger.js';
import { InProcessEventBus } from '../src/engines/events/memory-bus.js';
import { GeneratorFactory } from '../src/engines/generation/factory.js';
import { registerBuiltinGenerators } from '../src/engines/generation/builtin.js';
import { defaultJobHandlers } from '../src/engines/jobs/index.js';
import { InProcessJobEngine } from '../src/engines/jobs/in-process.js';
import { DuckDbStorage } from '../src/engines/storage/duckdb/index.js';
import type { Storage } from '../src/engines/storage/storage.js';

function nullSink(): Storage {
  const fail = async (): Promise<never> => {
    throw new Error('the null sink keeps nothing');
  };
  return {
    kind: 'null',
    init: async () => undefined,
    store: async (s) => ({ id: s.id, points: s.timestamps.length, backend: 'null' }),
    retrieve: fail,
    describe: async () => undefined,
    list: async () => ({ items: [], total: 0 }),
    delete: async () => false,
    health: async () => ({ backend: 'null', ok: true, latencyMs: 0 }),
    close: async () => undefined,
  };
}

const total = Number(process.env.BENCH_VALUES ?? 100_000_000);
const chunkValues = Number(process.env.BENCH_CHUNK ?? 1_000_000);
const devices = 10;
const rows = Math.ceil(total / devices);

const dir = mkdtempSync(join(tmpdir(), 'tsiot-bench-jobs-'));
const file = join(dir, 'bench.duckdb');
const sinkKind = process.env.BENCH_SINK === 'null' ? 'null' : 'duckdb';
const db = new DuckDbStorage({ path: sinkKind === 'null' ? ':memory:' : file });
await db.init();
/** The series sink: the DuckDB file, or a counter that drops the values. */
const storage: Storage = sinkKind === 'null' ? nullSink() : db;
const generators = new GeneratorFactory();
registerBuiltinGenerators(generators);
const logger = createLogger('warn');
const jobs = new InProcessJobEngine({
  documents: db,
  registry: defaultJobHandlers({ generators, storage }),
  events: new InProcessEventBus(db),
  logger,
  concurrency: 1,
});
await jobs.init();

let peak = process.memoryUsage().rss;
let peakJs = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peak = Math.max(peak, m.rss);
  peakJs = Math.max(peakJs, m.heapUsed + m.arrayBuffers);
}, 20);
const curve: string[] = [];
let nextDecile = 1;
const baseline = process.memoryUsage().rss;
const t0 = performance.now();
const job = await jobs.start({
  type: 'generation',
  timeoutMs: 6 * 3_600_000,
  data: {
    generator: 'statistical',
    params: { devices, points: rows, interval: '1s', sensors: [{ type: 'temperature' }] },
    seed: 42,
    chunkValues,
  },
});
let last = '';
for (;;) {
  const j = await jobs.get(job.id);
  const line = `${j.state} ${j.progress ? `${j.progress.done}/${j.progress.total}` : ''}`;
  if (j.progress && j.progress.done / j.progress.total >= nextDecile / 10) {
    curve.push(`${nextDecile * 10}%: ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)}`);
    nextDecile = Math.floor((j.progress.done / j.progress.total) * 10) + 1;
  }
  if (line !== last) process.stderr.write(`\r${line}   `);
  last = line;
  if (j.state === 'completed' || j.state === 'dead' || j.state === 'cancelled') {
    clearInterval(sampler);
    const s = (performance.now() - t0) / 1000;
    const r = j.result as { values: number; chunks: number; parts: number } | undefined;
    const mb = (b: number) => (b / 1024 / 1024).toFixed(0);
    process.stderr.write('\n');
    console.log(`generation job: ${j.state}${j.error ? ` (${j.error.message})` : ''}`);
    console.log(
      `values: ${r?.values.toLocaleString('en-US')} in ${r?.chunks} chunks of ≤${chunkValues.toLocaleString('en-US')} (${r?.parts} stored parts, ${devices} devices × ${rows.toLocaleString('en-US')} rows)`,
    );
    console.log(
      `time: ${s.toFixed(1)} s (${((r?.values ?? 0) / s / 1e6).toFixed(2)} M values/s, generate + ${sinkKind === 'null' ? 'drop' : 'store in DuckDB'})`,
    );
    console.log(
      `RSS: baseline ${mb(baseline)} MB, peak ${mb(peak)} MB (sampled every 20 ms); kernel maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
    );
    console.log(`peak JS heap + typed arrays: ${mb(peakJs)} MB`);
    console.log(`RSS by progress (MB): ${curve.join(', ')}`);
    if (sinkKind === 'duckdb') console.log(`DuckDB file: ${mb(statSync(file).size)} MB`);
    break;
  }
  await new Promise((r) => setTimeout(r, 500));
}
await jobs.close();
await db.close();
rmSync(dir, { recursive: true, force: true });
