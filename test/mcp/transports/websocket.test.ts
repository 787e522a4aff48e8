import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { attachMcpWebSocket, type McpWebSocketHandle } from '../../../src/mcp/transports/websocket-server.js';
import { ensureGlobalWebSocket, mcpServerFactory, silentLogger } from './fixtures.js';

interface Endpoint {
  http: Server;
  handle: McpWebSocketHandle;
  url: string;
  factory: ReturnType<typeof mcpServerFactory>;
}

async function startEndpoint(
  options: { allowedOrigins?: string[]; maxPayload?: number; maxConnections?: number } = {},
): Promise<Endpoint> {
  const http = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const factory = mcpServerFactory();
  const handle = attachMcpWebSocket(http, { createServer: factory.create, logger: silentLogger, ...options });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return { http, handle, factory, url: `ws://127.0.0.1:${port}/ws` };
}

async function stopEndpoint(endpoint: Endpoint): Promise<void> {
  await endpoint.handle.close();
  endpoint.http.closeAllConnections();
  await new Promise<void>((resolve) => endpoint.http.close(() => resolve()));
}

async function connectClient(url: string): Promise<Client> {
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await client.connect(new WebSocketClientTransport(new URL(url)));
  return client;
}

/** Open a raw socket with the mcp subprotocol; resolves once open. */
function rawSocket(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'mcp', options);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** The HTTP status a refused upgrade gets. */
function refusedStatus(
  url: string,
  protocols: string[],
  options: ConstructorParameters<typeof WebSocket>[2] = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, options);
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => reject(new Error('upgrade was accepted')));
    ws.once('error', () => undefined);
  });
}

function nextMessage(ws: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve) =>
    ws.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>)),
  );
}

describe('MCP over WebSocket', () => {
  let endpoint: Endpoint;
  const clients: Client[] = [];

  beforeAll(async () => {
    ensureGlobalWebSocket();
    endpoint = await startEndpoint({ allowedOrigins: ['https://app.example.com'], maxPayload: 64 * 1024 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await stopEndpoint(endpoint);
  });

  it('serves the SDK client: initialize, list and call a tool', async () => {
    const client = await connectClient(endpoint.url);
    clients.push(client);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['echo', 'whoami']);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hello over ws' } });
    expect(result.structuredContent).toEqual({ text: 'hello over ws' });
    expect(result.isError).toBeFalsy();
  });

  it('gives each connection its own server instance and closes it with the socket', async () => {
    const before = endpoint.factory.created();
    const [a, b] = await Promise.all([connectClient(endpoint.url), connectClient(endpoint.url)]);
    clients.push(a, b);
    const [ra, rb] = await Promise.all([a.callTool({ name: 'whoami' }), b.callTool({ name: 'whoami' })]);
    const ids = [
      (ra.structuredContent as { instance: number }).instance,
      (rb.structuredContent as { instance: number }).instance,
    ];
    expect(new Set(ids).size).toBe(2);
    expect(endpoint.factory.created()).toBe(before + 2);
    expect(endpoint.handle.size).toBe(2);
    // Each session keeps answering from its own instance.
    expect(((await a.callTool({ name: 'whoami' })).structuredContent as { instance: number }).instance).toBe(ids[0]);

    await a.close();
    await vi.waitFor(() => expect(endpoint.handle.size).toBe(1));
  });

  it('refuses a browser Origin that is not allowed, accepts loopback and configured ones', async () => {
    expect(await refusedStatus(endpoint.url, ['mcp'], { origin: 'https://evil.example' })).toBe(403);
    for (const origin of ['http://localhost:5173', 'https://app.example.com']) {
      const ws = await rawSocket(endpoint.url, { origin });
      ws.close();
    }
  });

  it('refuses a Host that is not allowed (DNS rebinding)', async () => {
    expect(await refusedStatus(endpoint.url, ['mcp'], { headers: { Host: 'rebound.attacker.example' } })).toBe(403);
  });

  it('refuses upgrades without the mcp subprotocol and on other paths', async () => {
    expect(await refusedStatus(endpoint.url, ['graphql-ws'])).toBe(400);
    expect(await refusedStatus(endpoint.url.replace('/ws', '/other'), ['mcp'])).toBe(404);
  });

  it('answers malformed frames with JSON-RPC errors and keeps serving', async () => {
    const ws = await rawSocket(endpoint.url);
    try {
      let reply = nextMessage(ws);
      ws.send('this is not json');
      expect(await reply).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });

      reply = nextMessage(ws);
      ws.send(JSON.stringify({ id: 7, hello: 'world' }));
      expect(await reply).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32600 } });

      reply = nextMessage(ws);
      ws.send(JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'ping' }]));
      expect(await reply).toMatchObject({ error: { code: -32600, message: expect.stringContaining('batches') } });

      reply = nextMessage(ws);
      ws.send(Buffer.from([0xff, 0xfe, 0x00]), { binary: true });
      expect(await reply).toMatchObject({ error: { code: -32700 } });

      // A valid request in a binary frame is served like a text one.
      reply = nextMessage(ws);
      const init = {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
      };
      ws.send(Buffer.from(JSON.stringify(init)), { binary: true });
      expect(await reply).toMatchObject({ id: 1, result: { serverInfo: { name: 'fixture' } } });
    } finally {
      ws.close();
    }
    // The server still accepts new clients.
    const client = await connectClient(endpoint.url);
    clients.push(client);
    expect((await client.listTools()).tools.length).toBe(2);
  });

  it('closes a connection that sends a frame over maxPayload with 1009', async () => {
    const ws = await rawSocket(endpoint.url);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('error', () => undefined);
    ws.send('x'.repeat(128 * 1024));
    expect(await closed).toBe(1009);
    await vi.waitFor(() => expect(endpoint.handle.size).toBe(0));
  });
});

describe('WebSocket endpoint lifecycle', () => {
  it('refuses connections over the limit with 503', async () => {
    ensureGlobalWebSocket();
    const endpoint = await startEndpoint({ maxConnections: 1 });
    try {
      const first = await connectClient(endpoint.url);
      expect(await refusedStatus(endpoint.url, ['mcp'])).toBe(503);
      await first.close();
    } finally {
      await stopEndpoint(endpoint);
    }
  });

  it('close() ends every session with 1001 and refuses new upgrades', async () => {
    ensureGlobalWebSocket();
    const endpoint = await startEndpoint();
    const ws = await rawSocket(endpoint.url);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await vi.waitFor(() => expect(endpoint.handle.size).toBe(1));
    await endpoint.handle.close();
    expect(await closed).toBe(1001);
    expect(endpoint.handle.size).toBe(0);
    endpoint.http.closeAllConnections();
    await new Promise<void>((resolve) => endpoint.http.close(() => resolve()));
  });
});
