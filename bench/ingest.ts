/**
 * Ingest speed of the server backends, each as a ratio to the server's own
 * bulk path on the same data in the same run:
 *
 *   InfluxDB 1.x    InfluxDbStorage.store (line protocol, batched /write)
 *                   vs curl --data-binary of the same line-protocol file
 *   VictoriaMetrics InfluxDbStorage.store over /api/v2/write (influxdb-client)
 *                   vs curl --data-binary of the same file to /api/v2/write
 *   PostgreSQL      PostgresStorage.store (COPY FROM STDIN in a transaction)
 *                   vs psql \copy of the same rows as CSV into the same table
 *
 * Points are rows (timestamps) of a 2-column series. Each side runs `rounds`
 * times, alternating, into a freshly emptied target; the median is reported.
 *
 *   node --import tsx bench/ingest.ts [--rows 1000000] [--rounds 3]
 *
 * Server URLs as in the tests (TSIOT_TEST_INFLUX_URL, TSIOT_TEST_VM_URL,
 * TSIOT_TEST_PG_URL or scripts/services/start.sh's env file); a server that
 * does not answer is skipped with a note.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TimeSeries } from '../src/core/types.js';
import { InfluxDbStorage } from '../src/engines/storage/influxdb/index.js';
import { dataLines } from '../src/engines/storage/influxdb/line-protocol.js';
import { PostgresStorage } from '../src/engines/storage/postgres/index.js';
import { copyRows } from '../src/engines/storage/postgres/copy-codec.js';
import { serverUrl } from '../test/helpers/servers.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const ROWS = arg('rows', 1_000_000);
const ROUNDS = arg('rounds', 3);
const dir = mkdtempSync(join(tmpdir(), 'tsiot-bench-'));

/** A deterministic 2-column series: a daily-ish wave with a slow drift, and a counter with gaps. */
function makeSeries(id: string): TimeSeries {
  const timestamps = new Float64Array(ROWS);
  const a = new Float64Array(ROWS);
  const b = new Float64Array(ROWS);
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < ROWS; i++) {
    timestamps[i] = t0 + i * 1_000;
    a[i] = 20 + 5 * Math.sin(i / 1_375) + i * 1e-6;
    b[i] = i % 97 === 0 ? NaN : i / 7;
  }
  return {
    id,
    name: id,
    metadata: { tags: { site: 'bench' } },
    timestamps,
    columns: [
      { name: 'temp', values: a },
      { name: 'load', values: b },
    ],
    labels: [],
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[s.length >> 1]!;
}

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

interface Row {
  target: string;
  ours: number;
  bulk: number;
}

async function reachable(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
    () => true,
    () => false,
  );
}

/** InfluxDB-compatible servers: the backend vs curl of the same line protocol. */
async function benchLineProtocol(
  label: string,
  url: string,
  bulkPath: (db: string) => string,
  reset: (base: string, db: string) => Promise<void>,
  cleanup: (base: string, db: string) => Promise<void>,
): Promise<Row | undefined> {
  const probe = new InfluxDbStorage({ url });
  const { baseUrl, database } = probe.config;
  if (!(await reachable(`${baseUrl}/ping`))) {
    console.log(`${label}: not reachable at ${baseUrl}, skipped`);
    return undefined;
  }
  const series = makeSeries('bench');
  // The same lines the backend sends (a fixed generation tag of the same length as its random ones).
  const file = join(dir, `${label}.lp`);
  writeFileSync(file, [...dataLines(series, 'tsiot', 'GENxxxxx', 'ms', 50_000)].join(''));
  const ours: number[] = [];
  const bulk: number[] = [];
  // A fresh database (bucket) per side and round, so every write lands in an empty target.
  for (let r = 0; r < ROUNDS; r++) {
    const curlDb = `${database}_curl_${r}`;
    const oursDb = `${database}_ours_${r}`;
    await reset(baseUrl, curlDb);
    bulk.push(
      await timed(() =>
        execFileSync('curl', [
          '-sS',
          '-f',
          '-XPOST',
          `${baseUrl}${bulkPath(curlDb)}`,
          '--data-binary',
          `@${file}`,
          '-H',
          'Content-Type: text/plain',
        ]),
      ),
    );
    await reset(baseUrl, oursDb);
    const target = new URL(url);
    target.pathname = `/${oursDb}`;
    target.searchParams.set('measurement', 'tsiot');
    const storage = new InfluxDbStorage({ url: target.toString() });
    await storage.init();
    ours.push(await timed(() => storage.store(series)));
    await storage.close();
    await cleanup(baseUrl, curlDb);
    await cleanup(baseUrl, oursDb);
  }
  return { target: label, ours: ROWS / median(ours), bulk: ROWS / median(bulk) };
}

async function influxQuery(base: string, q: string): Promise<void> {
  await fetch(`${base}/query?${new URLSearchParams({ q })}`, { method: 'POST' });
}
const influxCreate = (base: string, db: string) => influxQuery(base, `CREATE DATABASE "${db}"`);
const influxDrop = (base: string, db: string) => influxQuery(base, `DROP DATABASE "${db}"`);

/** VictoriaMetrics ignores the bucket: every round clears the benchmark's series instead. */
async function vmClear(base: string): Promise<void> {
  await fetch(`${base}/api/v1/admin/tsdb/delete_series?${new URLSearchParams({ 'match[]': '{tsiot_id="bench"}' })}`, {
    method: 'POST',
  });
}

/** PostgreSQL: the backend's COPY vs psql \copy of the same rows as CSV, into the same table. */
async function benchPostgres(url: string): Promise<Row | undefined> {
  const admin = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 2_000 });
  try {
    await admin.query('SELECT 1');
  } catch {
    console.log('PostgreSQL: not reachable, skipped');
    await admin.end();
    return undefined;
  }
  const schema = 'tsiot_bench';
  const storage = new PostgresStorage({ url, schema });
  await storage.init();
  const series = makeSeries('bench');
  // The same rows as CSV: id, seq, ISO time, array literal.
  const csv = join(dir, 'points.csv');
  const text = [...copyRows('bench', series.timestamps, series.columns)]
    .join('')
    .replace(/\t(\{[^}]*\})\n/g, '\t"$1"\n')
    .replaceAll('\t', ',');
  writeFileSync(csv, text);
  const psqlUrl = new URL(url);
  psqlUrl.search = '';
  const ours: number[] = [];
  const bulk: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    await admin.query(`TRUNCATE "${schema}".points, "${schema}".series`);
    await admin.query(`VACUUM "${schema}".points`);
    bulk.push(
      await timed(() =>
        execFileSync('psql', [
          psqlUrl.toString(),
          '-q',
          '-c',
          `\\copy "${schema}".points (series_id, seq, ts, vals) FROM '${csv}' WITH (FORMAT csv)`,
        ]),
      ),
    );
    await admin.query(`TRUNCATE "${schema}".points, "${schema}".series`);
    await admin.query(`VACUUM "${schema}".points`);
    ours.push(await timed(() => storage.store(series)));
  }
  await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
  await storage.close();
  await admin.end();
  return { target: 'PostgreSQL', ours: ROWS / median(ours), bulk: ROWS / median(bulk) };
}

async function main(): Promise<void> {
  console.log(`ingest benchmark: ${ROWS.toLocaleString('en')} rows × 2 columns, median of ${ROUNDS} rounds\n`);
  const rows: Row[] = [];
  const influx = serverUrl('TSIOT_TEST_INFLUX_URL');
  if (influx) {
    const r = await benchLineProtocol(
      'InfluxDB 1.x',
      influx.replace(/\/[^/?]*(\?|$)/, '/tsiot_bench$1'),
      (db) => `/write?db=${db}&precision=ms`,
      influxCreate,
      influxDrop,
    );
    if (r) rows.push(r);
  }
  const vm = serverUrl('TSIOT_TEST_VM_URL');
  if (vm) {
    const r = await benchLineProtocol(
      'VictoriaMetrics (v2 write)',
      vm,
      (db) => `/api/v2/write?org=tsiot&bucket=${db}&precision=ms`,
      vmClear,
      vmClear,
    );
    if (r) rows.push(r);
  }
  const pgUrl = serverUrl('TSIOT_TEST_PG_URL');
  if (pgUrl) {
    const r = await benchPostgres(pgUrl);
    if (r) rows.push(r);
  }
  console.log('\ntarget                        tsiot pts/s    server bulk pts/s   ratio');
  for (const r of rows) {
    console.log(
      `${r.target.padEnd(28)} ${Math.round(r.ours).toLocaleString('en').padStart(12)} ${Math.round(r.bulk).toLocaleString('en').padStart(20)}   ${(r.ours / r.bulk).toFixed(2)}`,
    );
  }
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
