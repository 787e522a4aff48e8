/**
 * Serving latency, each side measured in the same run on the same machine:
 *
 *   REST   a small generate_timeseries (60 values, store: false) against a
 *          `tsiot serve` child process of the built CLI, as a user runs it
 *          (default logging, in-memory storage),
 *          vs a bare Hono handler in its own child process that parses the
 *          same body, draws 60 numbers from a seeded PRNG and answers JSON of
 *          the same size; the same client (a bounded fetch loop on 127.0.0.1,
 *          http-harness.ts) drives both, alternating, `rounds` times each:
 *          req/s and p99, ratio = ours / bare (goal ≥ 0.8), and each server's
 *          CPU time per request (/proc; steadier than req/s on a shared machine)
 *   stdio  `tsiot mcp` (the built CLI, a child process) driven by the MCP
 *          SDK client: sequential generate_timeseries calls of 60 values
 *          after a warm-up, with store: false and store: true (into the
 *          default embedded DuckDB file): p50/p99 (goal with store: p50 ≤ 2 ms,
 *          p99 ≤ 10 ms), beside the floor of a durable commit: DuckDB alone
 *          (a file, the same memory_limit) running BEGIN; one-row INSERT;
 *          COMMIT as many times, in the same run
 *
 *   npm run build && node --import tsx bench/serving.ts [--seconds 5] [--clients 32] [--calls 300] [--rounds 3]
 *   … [--profile DIR]   writes a CPU profile of the `tsiot serve` process under the REST load to DIR
 *
 * bench/pipe.ts runs the same measurements as its `serving` section.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DuckDBInstance } from '@duckdb/node-api';
import { getRequestListener } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Hono } from 'hono';
import { createRng } from '../src/core/rng.js';
import { startServe } from '../test/helpers/serve.js';
import { type LoadResult, loadLoop, stats } from './http-harness.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');

export interface ServingOptions {
  /** Seconds of load per REST round (after a one-second warm-up per server). */
  seconds: number;
  /** Concurrent REST clients. */
  clients: number;
  /** Measured stdio calls per phase (after a warm-up of a tenth as many, at least 20). */
  calls: number;
  /** REST rounds per server, alternating; the median round is reported. */
  rounds: number;
  /** Write a CPU profile of the tsiot server under the REST load here. */
  profileDir?: string;
}

export const SERVING_DEFAULTS: ServingOptions = { seconds: 5, clients: 32, calls: 300, rounds: 3 };

/** The small request of both REST sides. */
const smallGenerate = (seed: number) => ({ points: 60, store: false, seed, preview: 0, tags: { bench: 'serving' } });

/**
 * The reference: a Hono app on node:http with comparable work per request
 * (read the JSON body, 60 values from a seeded PRNG, a JSON answer of `bytes`
 * bytes) and nothing else.
 */
function bareApp(bytes: number): Hono {
  const app = new Hono();
  app.post('/v1/tools/:name', async (c) => {
    const input = (await c.req.json()) as { seed?: number; points?: number };
    const rng = createRng(input.seed ?? 0);
    const values = Array.from({ length: input.points ?? 60 }, () => rng.next());
    const body = { result: { values }, summary: '' };
    const pad = bytes - JSON.stringify(body).length;
    body.summary = 'x'.repeat(Math.max(0, pad));
    return c.json(body);
  });
  return app;
}

/** Run the bare server in this process (the child side of startBare), as @hono/node-server serves by default: prints its port on stdout. */
function serveBare(bytes: number): void {
  const server = createServer(getRequestListener(bareApp(bytes).fetch));
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

/** The bare server as a child process (its own event loop, like tsiot's), answering `bytes`-byte bodies. */
async function startBare(bytes: number): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', import.meta.filename, '--bare-server', String(bytes)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out.trim());
    });
    void exited.then(() => reject(new Error('the bare server exited before listening')));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A load run with the server's CPU time per request: steadier than req/s on a shared machine. */
export interface ServedLoad extends LoadResult {
  cpuMsPerRequest: number;
}

export interface RestResult {
  ours: ServedLoad;
  bare: ServedLoad;
  /** Bytes of one answer (both sides). */
  bytes: number;
}

/** REST small generate: tsiot serve vs the bare handler, median round of each (by req/s). */
export async function measureRest(options: ServingOptions): Promise<RestResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tsiot-bench-serving-'));
  // thousands of calls from one address a minute: the rate limiter is not what is measured
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ http: { limits: { requestsPerIp: 1e9, requestsPerSubject: 1e9 } } }));
  const env: Record<string, string> = { TSIOT_CONFIG: config, TSIOT_LOG_LEVEL: 'info' };
  const profile = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  const ours = await startServe(env, [], 45_000, { nodeArgs: profile, cli: CLI });
  let bare: Awaited<ReturnType<typeof startBare>> | undefined;
  try {
    const probe = await fetch(`${ours.url}/v1/tools/generate_timeseries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(smallGenerate(0)),
    });
    const text = await probe.text();
    if (probe.status !== 200) throw new Error(`tsiot answered ${probe.status}: ${text}`);
    const bytes = Buffer.byteLength(text);
    bare = await startBare(bytes);
    const run = async (server: { url: string; pid: number }, seconds: number): Promise<ServedLoad> => {
      const cpu = cpuSeconds(server.pid);
      const r = await loadLoop(server.url, 'generate_timeseries', smallGenerate, { clients: options.clients, seconds });
      return { ...r, cpuMsPerRequest: ((cpuSeconds(server.pid) - cpu) * 1000) / r.latency.n };
    };
    const tsiot = { url: ours.url, pid: ours.child.pid! };
    await run(tsiot, 1);
    await run(bare, 1);
    const mine: ServedLoad[] = [];
    const refs: ServedLoad[] = [];
    for (let r = 0; r < options.rounds; r++) {
      mine.push(await run(tsiot, options.seconds));
      refs.push(await run(bare, options.seconds));
    }
    const median = (xs: ServedLoad[]) => [...xs].sort((a, b) => a.reqPerSec - b.reqPerSec)[Math.floor(xs.length / 2)]!;
    return { ours: median(mine), bare: median(refs), bytes };
  } finally {
    await bare?.stop();
    await ours.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface StdioResult {
  store: boolean;
  latency: ReturnType<typeof stats>;
}

/** Sequential small generate_timeseries calls to `tsiot mcp` over stdio, without and with store. */
export async function measureStdio(options: ServingOptions): Promise<StdioResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tsiot-bench-stdio-'));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp', '--data-dir', dir],
    env: { ...(process.env as Record<string, string>), TSIOT_LOG_LEVEL: 'info' },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'tsiot-bench-serving', version: '0.0.0' });
  await client.connect(transport);
  try {
    const results: StdioResult[] = [];
    let seed = 0;
    for (const store of [false, true]) {
      const call = async () => {
        const r = await client.callTool({
          name: 'generate_timeseries',
          arguments: { points: 60, store, seed: seed++, preview: 0, tags: { bench: 'serving' } },
        });
        if (r.isError) throw new Error(`generate_timeseries failed: ${JSON.stringify(r.content)}`);
      };
      for (let i = 0; i < Math.max(20, Math.round(options.calls / 10)); i++) await call();
      const lat: number[] = [];
      for (let i = 0; i < options.calls; i++) {
        const t = performance.now();
        await call();
        lat.push(performance.now() - t);
      }
      results.push({ store, latency: stats(lat) });
    }
    return results;
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The reference of a stored call: DuckDB alone, one-row transactions into a
 * file (BEGIN; INSERT; COMMIT, as prepared statements), sequential, after
 * the same warm-up as the stdio calls.
 */
export async function measureDuckDbCommit(options: ServingOptions): Promise<ReturnType<typeof stats>> {
  const dir = mkdtempSync(join(tmpdir(), 'tsiot-bench-commit-'));
  const db = await DuckDBInstance.create(join(dir, 'bare.duckdb'), { memory_limit: '512MB' });
  const c = await db.connect();
  try {
    await c.run('CREATE TABLE t (k INTEGER, v VARCHAR)');
    const [begin, insert, commit] = await Promise.all(
      ['BEGIN TRANSACTION', 'INSERT INTO t VALUES ($1, $2)', 'COMMIT'].map((sql) => c.prepare(sql)),
    );
    const lat: number[] = [];
    const warm = Math.max(20, Math.round(options.calls / 10));
    for (let i = 0; i < warm + options.calls; i++) {
      const t = performance.now();
      await begin!.run();
      insert!.bind([i, 'x']);
      await insert!.run();
      await commit!.run();
      if (i >= warm) lat.push(performance.now() - t);
    }
    return stats(lat);
  } finally {
    c.closeSync();
    db.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

/** Both measurements, printed through `line` as bench:pipe's sections are. */
export async function servingSection(options: ServingOptions, line: (s: string) => void): Promise<void> {
  if (!existsSync(CLI))
    throw new Error(`the serving benchmark runs the built CLI; run npm run build first (missing ${CLI})`);
  line(
    `\n## serving: small generate_timeseries (60 values); REST ${options.clients} clients × ${options.seconds} s × ${options.rounds} rounds, stdio ${options.calls} sequential calls`,
  );
  const rest = await measureRest(options);
  const { ours, bare } = rest;
  const side = (r: ServedLoad) =>
    `${r.reqPerSec.toFixed(0)} req/s p50 ${ms(r.latency.p50)} p99 ${ms(r.latency.p99)} server CPU ${r.cpuMsPerRequest.toFixed(2)} ms/req (errors ${r.errors})`;
  line(
    `REST store:false  tsiot ${side(ours)}  bare Hono ${side(bare)} (${rest.bytes} B answers)  ratio ${(ours.reqPerSec / bare.reqPerSec).toFixed(2)} (p99 ${(bare.latency.p99 / ours.latency.p99).toFixed(2)}, CPU per request ${(bare.cpuMsPerRequest / ours.cpuMsPerRequest).toFixed(2)})`,
  );
  for (const r of await measureStdio(options)) {
    line(
      `stdio store:${String(r.store).padEnd(5)} p50 ${ms(r.latency.p50)} p99 ${ms(r.latency.p99)} max ${ms(r.latency.max)} (n=${r.latency.n})`,
    );
  }
  const floor = await measureDuckDbCommit(options);
  line(
    `DuckDB alone, BEGIN; INSERT 1 row; COMMIT  p50 ${ms(floor.p50)} p99 ${ms(floor.p99)} max ${ms(floor.max)} (n=${floor.n})`,
  );
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] === import.meta.filename) {
  const bytes = flag('bare-server');
  if (bytes !== undefined) serveBare(Number(bytes));
  else {
    const num = (name: keyof ServingOptions) => Number(flag(name) ?? SERVING_DEFAULTS[name]);
    const profileDir = flag('profile');
    await servingSection(
      {
        seconds: num('seconds'),
        clients: num('clients'),
        calls: num('calls'),
        rounds: num('rounds'),
        ...(profileDir ? { profileDir } : {}),
      },
      console.log,
    );
  }
}
