import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeProcess, startServe } from '../helpers/serve.js';

// What a caller may send that must never reach a log line.
const TOKEN = 'tok_9Zq3LmVx7Pw2Hs8Kd4Rt';
const SECRET_URL = 'postgres://admin:Pw-7c1f-secret@db.internal:5432/tsiot';
const FILE_MARK = 424242.171717; // a value of the inline "file" data

let serve: ServeProcess;

beforeAll(async () => {
  serve = await startServe();
}, 60_000);

afterAll(async () => {
  await serve?.stop();
});

async function requestLines(
  reqId: string,
  until: (line: Record<string, unknown>) => boolean = () => true,
): Promise<Record<string, unknown>[]> {
  // pino writes asynchronously, and a streamed answer is logged once it ends: give the line a moment
  let lines: Record<string, unknown>[] = [];
  for (let i = 0; i < 50; i++) {
    lines = serve.logLines().filter((l) => l.msg === 'request' && l.reqId === reqId);
    if (lines.some(until)) return lines;
    await new Promise((r) => setTimeout(r, 100));
  }
  return lines;
}

describe('request log', () => {
  it('writes one line per request with the id, route, tool, status and duration, and nothing the caller sent', async () => {
    const headers = {
      Authorization: `Bearer ${TOKEN}`,
      'Content-Type': 'application/json',
      'X-Request-Id': 'req-log-0001',
      'X-Api-Key': TOKEN,
    };
    // inline data standing in for a file's content, and a secret URL in a field and in the query
    const values = Array.from({ length: 40 }, (_, i) => (i === 7 ? FILE_MARK : 20 + Math.sin(i)));
    const timestamps = values.map((_, i) => 1_700_000_000_000 + i * 60_000);
    const ok = await fetch(`${serve.url}/v1/tools/validate_timeseries?dsn=${encodeURIComponent(SECRET_URL)}`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ synthetic: { name: SECRET_URL, timestamps, values: { temperature: values } } }),
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toBe('req-log-0001');

    const missing = await fetch(`${serve.url}/v1/tools/get_series`, {
      method: 'POST',
      headers: { ...headers, 'X-Request-Id': 'req-log-0002' },
      body: JSON.stringify({ id: SECRET_URL }),
    });
    expect(missing.status).toBeGreaterThanOrEqual(400);

    // a request id that is not well-formed is replaced, never echoed or logged
    const forged = await fetch(`${serve.url}/healthz`, { headers: { 'X-Request-Id': `x y "${TOKEN}"` } });
    const madeId = forged.headers.get('x-request-id');
    expect(madeId).toMatch(/^[0-9a-f-]{36}$/);

    // an MCP tool call over Streamable HTTP, token in its headers
    const client = new Client({ name: 'log-test', version: '0.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${serve.url}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${TOKEN}`, 'X-Request-Id': 'req-log-mcp' } },
      }),
    );
    const called = await client.callTool({ name: 'get_series', arguments: { id: SECRET_URL } });
    expect(called.isError).toBe(true);
    await client.close();

    const [line] = await requestLines('req-log-0001');
    expect(line).toMatchObject({
      level: 30,
      transport: 'rest',
      method: 'POST',
      route: '/v1/tools/:name',
      status: 200,
      tool: 'validate_timeseries',
      toolStatus: 'ok',
    });
    expect(typeof line!.durationMs).toBe('number');
    expect(await requestLines('req-log-0002')).toMatchObject([{ tool: 'get_series', status: 404 }]);
    expect(await requestLines(madeId!)).toMatchObject([{ route: '/healthz', status: 200 }]);
    const mcpLines = await requestLines('req-log-mcp', (l) => l.tool === 'get_series');
    expect(mcpLines.find((l) => l.tool === 'get_series')).toMatchObject({
      transport: 'streamable-http',
      route: '/mcp',
      toolStatus: 'not_found',
    });

    const log = serve.stderr();
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain('Pw-7c1f-secret');
    expect(log).not.toContain('db.internal');
    expect(log).not.toContain(String(FILE_MARK));
    expect(log).not.toContain('424242');
  }, 60_000);
});
