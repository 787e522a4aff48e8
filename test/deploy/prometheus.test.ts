import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';
import { type ServeProcess, startServe } from '../helpers/serve.js';
import { inCi } from '../helpers/servers.js';

/**
 * Debian's Prometheus scrapes a real `tsiot serve` on loopback, and every
 * PromQL query of the Grafana dashboard returns data after a short workload.
 */

function hasPrometheus(): boolean {
  try {
    execFileSync('prometheus', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const available = hasPrometheus();
if (!available) {
  if (inCi) throw new Error('prometheus is not installed (.ci/run installs it with apt-get install -y prometheus)');
  console.warn('\n*** SKIPPING the Prometheus test: no `prometheus` binary (apt-get install -y prometheus) ***\n');
}

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

const dashboard = JSON.parse(readFileSync(join(repoRoot, 'deploy/grafana/tsiot.json'), 'utf8')) as {
  panels: Panel[];
};
const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let serve: ServeProcess;
let prometheus: ChildProcess | undefined;
let promUrl = '';
let work = '';

async function promQuery(expr: string): Promise<unknown[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data!.result;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!available)('Prometheus scraping tsiot serve', () => {
  beforeAll(async () => {
    serve = await startServe();
    work = mkdtempSync(join(tmpdir(), 'tsiot-prom-'));
    const target = new URL(serve.url).host;
    writeFileSync(
      join(work, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        'scrape_configs:',
        '  - job_name: tsiot',
        '    metrics_path: /metrics',
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(work, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(work, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    );
    await until('Prometheus to scrape tsiot', async () => {
      const up = (await promQuery('up{job="tsiot"} == 1')) as unknown[];
      return up.length ? true : undefined;
    });
  }, 90_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus!.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await serve?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('every dashboard query returns data after a short workload', async () => {
    expect(queries.length).toBeGreaterThanOrEqual(15);
    const post = async (tool: string, body: unknown) => {
      const res = await fetch(`${serve.url}/v1/tools/${tool}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { result: Record<string, any> } };
    };
    const gen = await post('generate_timeseries', { seed: 3, points: 200, interval: '1m' });
    expect(gen.status).toBe(200);
    const id = gen.body.result.series[0].id as string;
    expect((await post('validate_timeseries', { synthetic: id })).status).toBe(200);
    expect((await post('get_series', { id: 'ser_doesnotexist' })).status).toBe(404);
    expect((await post('fit_model', { generator: 'statistical', data: { seriesId: id }, seed: 1 })).status).toBe(200);
    const job = await post('start_job', { type: 'generation', data: { params: { points: 100 }, seed: 2 } });
    expect(job.status).toBe(200);
    const client = new Client({ name: 'prometheus-test', version: '0.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${serve.url}/mcp`)));
    await client.callTool({ name: 'list_series', arguments: {} });
    await client.close();
    // the job finishes, and a few scrapes see everything
    await until('the job to complete', async () => {
      const r = await fetch(`${serve.url}/v1/tools/get_job`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ id: job.body.result.job.id }),
      });
      const { result } = (await r.json()) as { result: { job: { state: string } } };
      return result.job.state === 'completed' ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 3_500));

    const empty: string[] = [];
    for (const q of queries) {
      const expr = q.expr.replaceAll('$__rate_interval', '1m');
      const result = await promQuery(expr);
      if (result.length === 0) empty.push(`${q.panel}: ${expr}`);
    }
    expect(empty, `dashboard queries with no data:\n${empty.join('\n')}`).toEqual([]);
  }, 90_000);
});
