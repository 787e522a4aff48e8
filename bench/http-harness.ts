// A tsiot HTTP server on 127.0.0.1 for the event-loop, load and serving benchmarks, a bounded client loop
// and latency statistics.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prompts } from '../prompts/index.js';
import { resources } from '../resources/index.js';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logger.js';
import { createEngines } from '../src/engines/engines.js';
import { startHttpServer } from '../src/http/server.js';
import { createMcpServer } from '../src/mcp/server.js';
import { tools } from '../tools/index.js';

export async function startBenchServer(maxPoints = 50_000_000) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tsiot-bench-'));
  const config = loadConfig({ dataDir, logLevel: 'silent', maxPointsPerRequest: maxPoints }, {});
  const engines = await createEngines(config, createLogger('silent'));
  const server = await startHttpServer({
    engines,
    tools,
    createMcpServer: () => createMcpServer(engines, { tools, resources, prompts }),
    host: '127.0.0.1',
    port: 0,
    logger: engines.logger,
    // thousands of calls from one address a minute: the rate limiter is not what is measured
    limits: { requestsPerIp: 100_000_000, requestsPerSubject: 100_000_000 },
  });
  return {
    url: server.url,
    engines,
    async close() {
      await server.close();
      await engines.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function post(url: string, tool: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}/v1/tools/${tool}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

/** What a bounded load gave: requests per second over the whole run, latencies, failed requests. */
export interface LoadResult {
  reqPerSec: number;
  latency: ReturnType<typeof stats>;
  errors: number;
}

/**
 * Bounded load on a URL: `clients` concurrent loops POST `tool` with `body(i)` (i counts requests across
 * clients) for `seconds`, each waiting for its answer before the next. A non-200 or a failed fetch counts
 * as an error; every request's latency is kept.
 */
export async function loadLoop(
  url: string,
  tool: string,
  body: (i: number) => unknown,
  options: { clients: number; seconds: number },
): Promise<LoadResult> {
  const lat: number[] = [];
  let errors = 0;
  let i = 0;
  const began = performance.now();
  const end = began + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          const r = await post(url, tool, body(i++));
          if (r.status !== 200) errors++;
        } catch {
          errors++;
        }
        lat.push(performance.now() - t);
      }
    }),
  );
  const secs = (performance.now() - began) / 1000;
  return { reqPerSec: lat.length / secs, latency: stats(lat), errors };
}

export function stats(ms: number[]): { n: number; p50: number; p99: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : Number.NaN);
  return { n: s.length, p50: q(0.5), p99: q(0.99), max: s.length ? s[s.length - 1]! : Number.NaN };
}

export const fmt = (x: { n: number; p50: number; p99: number; max: number }) =>
  `n=${x.n} p50=${x.p50.toFixed(1)} ms p99=${x.p99.toFixed(1)} ms max=${x.max.toFixed(1)} ms`;
