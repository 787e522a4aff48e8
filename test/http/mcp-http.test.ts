import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Hono } from 'hono';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMcpHttpHandler, type McpHttpHandler, type McpHttpOptions } from '../../src/http/mcp-http.js';
import { mcpServerFactory, silentLogger } from '../mcp/transports/fixtures.js';

interface Endpoint {
  server: Server;
  mcp: McpHttpHandler;
  url: string;
  port: number;
}

/** /mcp mounted on a Hono app served by @hono/node-server on a real port. */
async function startEndpoint(options: Partial<McpHttpOptions> = {}): Promise<Endpoint> {
  const mcp = createMcpHttpHandler({ createServer: mcpServerFactory().create, logger: silentLogger, ...options });
  const app = new Hono();
  // the app authenticates in production; here the test names the subject in a header
  app.all('/mcp', (c) => {
    const subject = c.req.header('x-test-subject');
    return mcp.handle(c.req.raw, subject ? { origin: 'network', subject, tenant: subject, scopes: 'all' } : undefined);
  });
  const server = createServer(getRequestListener(app.fetch, { overrideGlobalObjects: false }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, mcp, port, url: `http://127.0.0.1:${port}/mcp` };
}

async function stopEndpoint(endpoint: Endpoint): Promise<void> {
  await endpoint.mcp.close();
  endpoint.server.closeAllConnections();
  await new Promise<void>((resolve) => endpoint.server.close(() => resolve()));
}

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
};
const MCP_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

async function connectClient(url: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  return { client, transport };
}

/** Initialize over raw fetch; returns the session id. */
async function initialize(url: string): Promise<string> {
  const res = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INITIALIZE) });
  expect(res.status).toBe(200);
  await res.body?.cancel();
  return res.headers.get('mcp-session-id')!;
}

describe('MCP Streamable HTTP at /mcp', () => {
  let endpoint: Endpoint;
  const clients: Client[] = [];

  beforeAll(async () => {
    endpoint = await startEndpoint({ allowedOrigins: ['https://app.example.com'], maxBodyBytes: 64 * 1024 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await stopEndpoint(endpoint);
  });

  it('serves the SDK client: initialize, list and call a tool in a session', async () => {
    const { client, transport } = await connectClient(endpoint.url);
    clients.push(client);
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['echo', 'whoami']);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hello over http' } });
    expect(result.structuredContent).toEqual({ text: 'hello over http' });
  });

  it('gives each session its own server instance', async () => {
    const [a, b] = await Promise.all([connectClient(endpoint.url), connectClient(endpoint.url)]);
    clients.push(a.client, b.client);
    expect(a.transport.sessionId).not.toBe(b.transport.sessionId);
    const ia = (await a.client.callTool({ name: 'whoami' })).structuredContent as { instance: number };
    const ib = (await b.client.callTool({ name: 'whoami' })).structuredContent as { instance: number };
    expect(ia.instance).not.toBe(ib.instance);
  });

  it('refuses a forbidden Origin with 403 and accepts loopback and configured ones', async () => {
    const res = await fetch(endpoint.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, Origin: 'https://evil.example' },
      body: JSON.stringify(INITIALIZE),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({
      jsonrpc: '2.0',
      error: { message: expect.stringContaining('evil.example') },
    });

    for (const origin of ['http://localhost:3000', 'https://app.example.com']) {
      const ok = await fetch(endpoint.url, {
        method: 'POST',
        headers: { ...MCP_HEADERS, Origin: origin },
        body: JSON.stringify(INITIALIZE),
      });
      expect(ok.status).toBe(200);
      await ok.body?.cancel();
    }
  });

  it('refuses a Host that is not allowed with 403 (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: endpoint.port,
          path: '/mcp',
          method: 'POST',
          headers: { ...MCP_HEADERS, Host: 'rebound.attacker.example' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(INITIALIZE));
    });
    expect(status).toBe(403);
  });

  it('answers an unknown session id with 404 and a missing one with 400', async () => {
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
    const unknown = await fetch(endpoint.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': '00000000-0000-4000-8000-000000000000' },
      body: JSON.stringify(list),
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: -32001 } });

    const missing = await fetch(endpoint.url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(list) });
    expect(missing.status).toBe(400);
    const get = await fetch(endpoint.url, { headers: { Accept: 'text/event-stream' } });
    expect(get.status).toBe(400);
  });

  it('DELETE ends the session', async () => {
    const { client, transport } = await connectClient(endpoint.url);
    clients.push(client);
    const id = transport.sessionId!;
    const before = endpoint.mcp.sessionCount;
    await transport.terminateSession();
    expect(endpoint.mcp.sessionCount).toBe(before - 1);
    const after = await fetch(endpoint.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': id },
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }),
    });
    expect(after.status).toBe(404);
  });

  it('rejects bad bodies before they reach a session', async () => {
    const notJson = await fetch(endpoint.url, { method: 'POST', headers: MCP_HEADERS, body: '{"jsonrpc": "2.0", ' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { code: -32700 } });

    const wrongType = await fetch(endpoint.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'Content-Type': 'text/plain' },
      body: JSON.stringify(INITIALIZE),
    });
    expect(wrongType.status).toBe(415);

    const big = { ...INITIALIZE, params: { ...INITIALIZE.params, padding: 'x'.repeat(100 * 1024) } };
    const tooLarge = await fetch(endpoint.url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(big) });
    expect(tooLarge.status).toBe(413);

    const put = await fetch(endpoint.url, { method: 'PUT', headers: MCP_HEADERS, body: '{}' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST, DELETE');
  });
});

describe('MCP Streamable HTTP session limits', () => {
  it('makes room by closing the least recently used idle session; refuses with 503 only when all are busy', async () => {
    const endpoint = await startEndpoint({ maxSessions: 1 });
    try {
      const first = await initialize(endpoint.url);
      // the idle first session is closed for the newcomer: idle sessions cannot lock new clients out
      const second = await initialize(endpoint.url);
      expect(endpoint.mcp.sessionCount).toBe(1);
      const gone = await fetch(endpoint.url, {
        method: 'POST',
        headers: { ...MCP_HEADERS, 'mcp-session-id': first },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      });
      expect(gone.status).toBe(404);
      // a session holding a stream is busy, so it stays and the newcomer is told to retry
      const abort = new AbortController();
      const stream = await fetch(endpoint.url, {
        headers: { Accept: 'text/event-stream', 'mcp-session-id': second },
        signal: abort.signal,
      });
      expect(stream.status).toBe(200);
      const res = await fetch(endpoint.url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INITIALIZE) });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('30');
      abort.abort();
    } finally {
      await stopEndpoint(endpoint);
    }
  });

  it("caps sessions per subject, so one client cannot fill the server, and hides other subjects' sessions", async () => {
    const endpoint = await startEndpoint({ maxSessionsPerSubject: 2 });
    const as = (subject: string, extra: Record<string, string> = {}) => ({
      ...MCP_HEADERS,
      'x-test-subject': subject,
      ...extra,
    });
    const streams: AbortController[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const res = await fetch(endpoint.url, { method: 'POST', headers: as('a'), body: JSON.stringify(INITIALIZE) });
        expect(res.status).toBe(200);
        await res.body?.cancel();
        const abort = new AbortController();
        streams.push(abort);
        const stream = await fetch(endpoint.url, {
          headers: {
            Accept: 'text/event-stream',
            'x-test-subject': 'a',
            'mcp-session-id': res.headers.get('mcp-session-id')!,
          },
          signal: abort.signal,
        });
        expect(stream.status).toBe(200);
      }
      const third = await fetch(endpoint.url, { method: 'POST', headers: as('a'), body: JSON.stringify(INITIALIZE) });
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBe('30');
      const other = await fetch(endpoint.url, { method: 'POST', headers: as('b'), body: JSON.stringify(INITIALIZE) });
      expect(other.status).toBe(200);
      const bSession = other.headers.get('mcp-session-id')!;
      await other.body?.cancel();
      const hijack = await fetch(endpoint.url, {
        method: 'POST',
        headers: as('a', { 'mcp-session-id': bSession }),
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      });
      expect(hijack.status).toBe(404);
    } finally {
      for (const s of streams) s.abort();
      await stopEndpoint(endpoint);
    }
  });

  it('closes idle sessions, but not while a stream is open', async () => {
    const endpoint = await startEndpoint({ sessionIdleTimeoutMs: 150 });
    try {
      // A session with nothing open is closed after the timeout.
      await initialize(endpoint.url);
      await vi.waitFor(() => expect(endpoint.mcp.sessionCount).toBe(0), { timeout: 5_000 });

      // A session holding its GET stream stays until the stream ends.
      const id = await initialize(endpoint.url);
      const abort = new AbortController();
      const stream = await fetch(endpoint.url, {
        headers: { Accept: 'text/event-stream', 'mcp-session-id': id },
        signal: abort.signal,
      });
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toBe('text/event-stream');
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(endpoint.mcp.sessionCount).toBe(1);
      abort.abort();
      await vi.waitFor(() => expect(endpoint.mcp.sessionCount).toBe(0), { timeout: 5_000 });
    } finally {
      await stopEndpoint(endpoint);
    }
  });

  it('close() ends every session and refuses new requests', async () => {
    const endpoint = await startEndpoint();
    const id = await initialize(endpoint.url);
    expect(endpoint.mcp.sessionCount).toBe(1);
    await endpoint.mcp.close();
    expect(endpoint.mcp.sessionCount).toBe(0);
    const res = await fetch(endpoint.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': id },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(res.status).toBe(503);
    await stopEndpoint(endpoint);
  });
});
