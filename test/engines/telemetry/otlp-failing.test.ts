import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { closedPort } from '../../helpers/servers.js';
import { type ServeProcess, startServe } from '../../helpers/serve.js';

/**
 * A `tsiot serve` whose OTLP endpoint is down (a closed port) or answers 500
 * keeps serving: every tool call succeeds, and its log says so once — one
 * warning naming the endpoint without its credentials, not a line per batch,
 * and neither the exporter's headers nor the URL's password anywhere.
 */

const TOKEN = 'otlp-token-4e2a9b';
const PASSWORD = 'otlp-pass-81c0f7';
const started: ServeProcess[] = [];
let failing: Server | undefined;

afterAll(async () => {
  for (const s of started) await s.stop();
  if (failing) await new Promise((r) => failing!.close(r));
});

async function serveExportingTo(endpoint: string): Promise<ServeProcess> {
  const serve = await startServe(
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${TOKEN}`,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
    },
    [],
    150_000,
  ); // from source, on a loaded machine
  started.push(serve);
  return serve;
}

/** Tool calls spread over several export batches; every one must succeed. */
async function workload(serve: ServeProcess): Promise<void> {
  for (let i = 0; i < 8; i++) {
    const res = await fetch(`${serve.url}/v1/tools/generate_timeseries`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ seed: i, points: 20 }),
    });
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function warnings(serve: ServeProcess, expected: number): Promise<Record<string, unknown>[]> {
  const find = () => serve.logLines().filter((l) => /OTLP endpoint/.test(String(l.msg)));
  for (let i = 0; i < 50 && find().length < expected; i++) await new Promise((r) => setTimeout(r, 100));
  // a little longer: a flood would show here
  await new Promise((r) => setTimeout(r, 500));
  return find();
}

function expectNoSecret(serve: ServeProcess): void {
  expect(serve.stderr()).not.toContain(TOKEN);
  expect(serve.stderr()).not.toContain(PASSWORD);
}

describe('an OTLP exporter that fails', () => {
  it('endpoint down: requests succeed, one warning', async () => {
    const port = await closedPort();
    const serve = await serveExportingTo(`http://127.0.0.1:${port}`);
    await workload(serve);
    const lines = await warnings(serve, 1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ endpoint: `http://127.0.0.1:${port}/v1/traces`, reason: 'ECONNREFUSED' });
    expect(Number(lines[0]!.level)).toBe(40); // warn
    expect((await fetch(`${serve.url}/readyz`)).status).toBe(200);
    expectNoSecret(serve);
  }, 240_000);

  it('endpoint answering 500: requests succeed, one warning, then one line when it accepts again', async () => {
    let answer = 500;
    let authorization: string | undefined;
    failing = createServer((req, res) => {
      authorization = req.headers.authorization;
      req.resume();
      req.on('end', () => res.writeHead(answer, { 'Content-Type': 'text/plain' }).end(`status ${answer}`));
    });
    await new Promise<void>((r) => failing!.listen(0, '127.0.0.1', r));
    const { port } = failing.address() as AddressInfo;
    const serve = await serveExportingTo(`http://tsiot:${PASSWORD}@127.0.0.1:${port}`);
    await workload(serve);
    const lines = await warnings(serve, 1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ endpoint: `http://127.0.0.1:${port}/v1/traces`, reason: 'HTTP 500' });
    // the exporter did reach it, with the configured headers
    expect(authorization).toBe(`Bearer ${TOKEN}`);
    answer = 200;
    await workload(serve);
    const after = await warnings(serve, 2);
    expect(after).toHaveLength(2);
    expect(after[1]!.msg).toMatch(/accepts spans again/);
    expectNoSecret(serve);
  }, 240_000);
});
