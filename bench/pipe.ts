/**
 * The pipe after the generation kernel, each path as a ratio to the engine's
 * own bulk path on the same data in the same run (ratio = reference time /
 * tsiot time, so 1.0 is parity and the goal is ≥ 0.8):
 *
 *   files     `tsiot generate … -f parquet|csv|line -o FILE` (the built CLI, a
 *             child process, as a user runs it) vs DuckDB `COPY table TO` of
 *             the same rows (one thread, and two for Parquet, which tsiot
 *             writes in a worker thread; line protocol as one SQL string per
 *             row), the table read from tsiot's Parquet in this process
 *   store     DuckDbStorage.store of the same fleet into a fresh file vs
 *             DuckDB `CREATE TABLE … AS SELECT * FROM read_parquet(…)` into a
 *             fresh file with the same settings
 *   fleet     a TSBS-shaped fleet (devices × 3 days × 10 s × 3 sensors) to
 *             Parquet, and into the embedded store (`--store-only`), through
 *             the CLI, with wall time and peak RSS (TSBS's IoT case is 4,000
 *             devices: --tsbs-devices 4000)
 *   start-up  `tsiot --help` vs `node -e 0`, median of 5
 *   serving   REST small generate vs a bare Hono handler, stdio MCP tool-call
 *             latency with and without store (bench/serving.ts)
 *
 *   npm run build && node --import tsx bench/pipe.ts [--devices 20] [--days 7] [--tsbs-devices 100] [--rounds 3]
 *     [--only files,store,fleet,startup,serving]
 *
 * The default fleet is 20 devices × 7 days × 10 s × 4 sensors (2.4 M values);
 * the case is --devices 100 (24.2 M values).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createRng } from '../src/core/rng.js';
import { createBuiltinFactory } from '../src/engines/generation/builtin.js';
import { DuckDbStorage } from '../src/engines/storage/duckdb/index.js';
import { SERVING_DEFAULTS, servingSection } from './serving.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const DEVICES = arg('devices', 20);
const DAYS = arg('days', 7);
const TSBS_DEVICES = arg('tsbs-devices', 100);
const ROUNDS = arg('rounds', 3);
const only = process.argv.indexOf('--only');
const SECTIONS = only > 0 ? new Set(process.argv[only + 1]?.split(',')) : undefined;
const runs = (section: string) => !SECTIONS || SECTIONS.has(section);
for (const s of SECTIONS ?? []) {
  if (!['files', 'store', 'fleet', 'startup', 'serving'].includes(s)) {
    console.error(
      `--only: unknown section "${s}"; expected a comma-separated list of files, store, fleet, startup, serving (e.g. --only serving)`,
    );
    process.exit(1);
  }
}
const SENSORS = 'temperature,humidity,pressure,power';
const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'tsiot-bench-pipe-'));
const env = { ...process.env, TSIOT_MAX_POINTS: String(10_000_000_000), TSIOT_DATA_DIR: join(dir, 'data') };

if (!existsSync(CLI)) {
  console.error(`bench:pipe runs the built CLI; run npm run build first (missing ${CLI})`);
  process.exit(1);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Run the CLI under /usr/bin/time: wall ms and peak RSS in bytes. */
function cli(args: string[]): { ms: number; rss: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, CLI, ...args], { env, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`tsiot ${args.join(' ')} failed:\n${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  return { ms, rss: Number(lines[lines.length - 1]) * 1024 };
}

function generateArgs(devices: number, days: number, sensors: string, format: string, out: string): string[] {
  return [...fleetArgs(devices, days, sensors), '-f', format, '-o', out];
}

/** `tsiot generate` of a fleet, without saying where it goes. */
function fleetArgs(devices: number, days: number, sensors: string): string[] {
  return [
    'generate',
    '--seed',
    '7',
    '--devices',
    String(devices),
    '--duration',
    `${days}d`,
    '--interval',
    '10s',
    '--sensors',
    sensors,
  ];
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const report: string[] = [];
const line = (s: string) => {
  console.log(s);
  report.push(s);
};

async function files(): Promise<void> {
  const values = DEVICES * DAYS * 8640 * 4;
  line(`\n## files: ${DEVICES} devices × ${DAYS} d × 10 s × 4 sensors = ${(values / 1e6).toFixed(1)} M values`);
  // a first, untimed Parquet run gives the reference its table (and warms the page cache for both)
  cli(generateArgs(DEVICES, DAYS, SENSORS, 'parquet', join(dir, 'tsiot.parquet')));
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const c = await db.connect();
  await c.run(`CREATE TABLE t AS SELECT * FROM read_parquet('${join(dir, 'tsiot.parquet')}')`);
  const cols = (await c.runAndReadAll(`SELECT column_name FROM information_schema.columns WHERE table_name = 't'`))
    .getRowsJS()
    .map((r) => String(r[0]))
    .filter((n) => n !== 'timestamp' && n !== 'series');
  const fields = cols.map((n) => `'${n}=' || "${n}"`).join(` || ',' || `);
  const refs: Record<string, string> = {
    parquet: `COPY t TO '${join(dir, 'ref.parquet')}' (FORMAT parquet)`,
    csv: `COPY t TO '${join(dir, 'ref.csv')}' (FORMAT csv, HEADER true)`,
    line: `COPY (SELECT 'tsiot,series=' || series || ' ' || ${fields} || ' ' || epoch_ms("timestamp") FROM t) TO '${join(dir, 'ref.line')}' (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\t')`,
  };
  // tsiot and the reference alternate, round by round, so a change in the machine's load meets both
  const formats = ['parquet', 'csv', 'line'];
  const ours = Object.fromEntries(formats.map((f) => [f, { ms: [] as number[], rss: 0 }]));
  const theirs = Object.fromEntries(formats.map((f) => [f, [] as number[]]));
  const parquet2: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const format of formats) {
      const res = cli(generateArgs(DEVICES, DAYS, SENSORS, format, join(dir, `tsiot.${format}`)));
      const mine = ours[format]!;
      mine.ms.push(res.ms);
      mine.rss = Math.max(mine.rss, res.rss);
      theirs[format]!.push(await timed(() => c.run(refs[format]!)));
    }
    // tsiot's Parquet uses two threads (generation, and the writer in a worker): DuckDB with two as well
    await c.run('SET threads = 2');
    parquet2.push(await timed(() => c.run(refs.parquet!)));
    await c.run('SET threads = 1');
  }
  for (const format of formats) {
    const ref = median(theirs[format]!);
    const mine = median(ours[format]!.ms);
    const size = statSync(join(dir, `tsiot.${format}`)).size;
    const refSize = statSync(join(dir, `ref.${format}`)).size;
    line(
      `${format.padEnd(8)} tsiot ${fmt(mine)} (peak RSS ${mb(ours[format]!.rss)}, ${mb(size)})  DuckDB COPY ${fmt(ref)} (${mb(refSize)})  ratio ${(ref / mine).toFixed(2)}`,
    );
  }
  line(
    `parquet  DuckDB COPY with 2 threads ${fmt(median(parquet2))}  ratio ${(median(parquet2) / median(ours.parquet!.ms)).toFixed(2)}`,
  );
  c.closeSync();
  db.closeSync();
}

async function store(): Promise<void> {
  const values = DEVICES * DAYS * 8640 * 4;
  line(`\n## store into the embedded database: ${(values / 1e6).toFixed(1)} M values`);
  const gen = createBuiltinFactory().create('statistical');
  const params = gen.paramsSchema.parse({
    devices: DEVICES,
    duration: `${DAYS}d`,
    interval: '10s',
    sensors: SENSORS.split(',').map((type) => ({ type })),
  });
  const { series } = await gen.generate(params, { rng: createRng(7) });
  const ours = [];
  const refs = [];
  for (let r = 0; r < ROUNDS; r++) {
    const file = join(dir, `store-${r}.duckdb`);
    const storage = new DuckDbStorage({ path: file });
    await storage.init();
    ours.push(
      await timed(async () => {
        for (const s of series) await storage.store(s);
      }),
    );
    await storage.close();
    const refFile = join(dir, `ref-${r}.duckdb`);
    const db = await DuckDBInstance.create(refFile, { memory_limit: '512MB' });
    const c = await db.connect();
    refs.push(
      await timed(() => c.run(`CREATE TABLE p AS SELECT * FROM read_parquet('${join(dir, 'tsiot.parquet')}')`)),
    );
    c.closeSync();
    db.closeSync();
  }
  const mine = median(ours);
  const ref = median(refs);
  line(
    `DuckDbStorage.store ${fmt(mine)} (${((values / mine) * 1e-3).toFixed(2)} M values/s)  DuckDB read_parquet ${fmt(ref)} (${((values / ref) * 1e-3).toFixed(2)} M values/s)  ratio ${(ref / mine).toFixed(2)}`,
  );
}

function fleet(): void {
  const values = TSBS_DEVICES * 3 * 8640 * 3;
  line(
    `\n## TSBS-shaped fleet: ${TSBS_DEVICES} devices × 3 d × 10 s × 3 sensors = ${(values / 1e6).toFixed(1)} M values`,
  );
  const sensors = 'temperature,humidity,power';
  const p = cli(generateArgs(TSBS_DEVICES, 3, sensors, 'parquet', join(dir, 'tsbs.parquet')));
  line(`to Parquet        ${fmt(p.ms)}  peak RSS ${mb(p.rss)}`);
  rmSync(join(dir, 'tsbs.parquet'), { force: true });
  // into the embedded database alone: the same fleet, stored and written nowhere else
  const s = cli([...fleetArgs(TSBS_DEVICES, 3, sensors), '--store-only']);
  line(`into the database ${fmt(s.ms)}  peak RSS ${mb(s.rss)}`);
}

function startup(): void {
  line('\n## start-up');
  const time = (args: string[]) => {
    const runs = [];
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      execFileSync(process.execPath, args, { env, stdio: 'ignore' });
      runs.push(performance.now() - t0);
    }
    return median(runs);
  };
  const bare = time(['-e', '0']);
  const help = time([CLI, '--help']);
  line(`tsiot --help ${help.toFixed(0)} ms  node -e 0 ${bare.toFixed(0)} ms`);
}

try {
  // store reads the Parquet file that files writes
  if (runs('files') || runs('store')) await files();
  if (runs('store')) await store();
  if (runs('fleet')) fleet();
  if (runs('startup')) startup();
  if (runs('serving')) await servingSection({ ...SERVING_DEFAULTS, rounds: ROUNDS }, line);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
