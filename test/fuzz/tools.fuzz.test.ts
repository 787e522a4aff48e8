/**
 * Every tool fuzzed over MCP stdio, MCP Streamable HTTP and REST (see
 * fuzz.ts). FUZZ_RUNS cases per tool and transport (default 200), each pair
 * within FUZZ_BUDGET_MS (default 400 ms, so the file stays near a minute on a
 * loaded machine), seed FUZZ_SEED (default 20251202). `npm run fuzz` runs
 * 5,000 per tool without the time budget and prints a summary table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import { startHttpServer, type RunningHttpServer } from '../../src/http/server.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { tools } from '../../tools/index.js';
import { cliArgs, repoRoot } from '../helpers/cli.js';
import { makeEngines, type TestEngines } from '../helpers/engines.js';
import { fuzzTool, type ToolFuzzResult, type Transport } from './fuzz.js';
import { mcpTransport, restTransport, retryingFetch } from './transports.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 400);
const SEED = Number(process.env.FUZZ_SEED ?? 20251202);
const MAX_POINTS = 20_000;

let engines: TestEngines;
let server: RunningHttpServer;
const clients: Client[] = [];
const transports: Transport[] = [];
const results: (ToolFuzzResult & { transport: string })[] = [];
/** HTTP requests sent again after their kept-alive socket closed before any response (not failures; shown). */
const retried: string[] = [];
const stdioDir = mkdtempSync(join(tmpdir(), 'tsiot-fuzz-'));

beforeAll(async () => {
  engines = await makeEngines({ maxPointsPerRequest: MAX_POINTS });
  server = await startHttpServer({
    engines,
    tools,
    createMcpServer: () => createMcpServer(engines, { tools, resources, prompts }),
    port: 0,
    logger: engines.logger,
    // thousands of calls from one address in a minute: the rate limiter is not what is being fuzzed
    limits: { requestsPerIp: 1_000_000, requestsPerSubject: 1_000_000 },
  });
  const http = new Client({ name: 'fuzz-http', version: '0' });
  await http.connect(
    new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { fetch: retryingFetch(retried) }),
  );
  const stdio = new Client({ name: 'fuzz-stdio', version: '0' });
  await stdio.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: cliArgs('mcp', '--data-dir', stdioDir),
      cwd: repoRoot,
      env: {
        ...(process.env as Record<string, string>),
        TSIOT_LOG_LEVEL: 'silent',
        TSIOT_MAX_POINTS: String(MAX_POINTS),
      },
      stderr: 'ignore',
    }),
  );
  clients.push(http, stdio);
  transports.push(
    mcpTransport('MCP stdio', stdio),
    mcpTransport('MCP Streamable HTTP', http),
    restTransport(server.url, retried),
  );
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await server?.close();
  await engines?.close();
  rmSync(stdioDir, { recursive: true, force: true });
  if (retried.length)
    console.warn(
      `${retried.length} HTTP request(s) sent again after a closed socket: ${[...new Set(retried)].join('; ')}`,
    );
  if (process.env.FUZZ_REPORT) {
    const rows = results.map(
      (r) =>
        `| ${r.transport} | ${r.tool} | ${r.cases} | ${r.ok} | ${r.refused} | ${r.timeouts} | ${r.failures.length} |`,
    );
    console.log(
      [
        '| transport | tool | cases | ok | refused | timeouts | failures |',
        '|---|---|---|---|---|---|---|',
        ...rows,
      ].join('\n'),
    );
  }
});

describe('fuzzing every tool', () => {
  for (const tool of tools) {
    it(`${tool.name}: no crash, no 5xx or protocol error, errors name their field, server alive`, {
      timeout: 120_000,
    }, async () => {
      const failures: string[] = [];
      for (const t of transports) {
        const r = await fuzzTool(t, tool, { runs: RUNS, seed: SEED, timeoutMs: 5_000, budgetMs: BUDGET_MS });
        results.push({ ...r, transport: t.name });
        failures.push(...r.failures.map((f) => `[${t.name}] ${f}`));
        expect(r.cases).toBeGreaterThan(0);
      }
      expect(failures.slice(0, 5)).toEqual([]);
    });
  }
});
