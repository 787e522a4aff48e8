import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { startHttpServer, type RunningHttpServer } from '../../src/http/server.js';
import { defineTool } from '../../src/registry/tool.js';
import { ensureGlobalWebSocket, mcpServerFactory, silentLogger } from '../mcp/transports/fixtures.js';
import { engineStub, fixtureTools, healthy } from './fixtures.js';

/** A tool that waits until its call is cancelled, and tells the test when it started and when it saw the abort. */
function abortProbe() {
  let started!: () => void;
  let aborted!: (reason: unknown) => void;
  const startedP = new Promise<void>((resolve) => (started = resolve));
  const abortedP = new Promise<unknown>((resolve) => (aborted = resolve));
  const tool = defineTool({
    name: 'wait_for_cancel',
    title: 'Wait for cancel',
    description: 'Waits until the caller goes away.',
    inputSchema: z.object({}),
    outputSchema: z.object({}),
    async handler(_input, ctx) {
      started();
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      aborted(ctx.signal.reason);
      return { structured: {}, summary: 'cancelled' };
    },
  });
  return { tool, started: startedP, aborted: abortedP };
}

describe('startHttpServer: REST, /mcp and /ws on one port', () => {
  let server: RunningHttpServer;
  const probe = abortProbe();

  beforeAll(async () => {
    ensureGlobalWebSocket();
    server = await startHttpServer({
      engines: engineStub(healthy),
      tools: [...fixtureTools, probe.tool],
      createMcpServer: mcpServerFactory().create,
      port: 0,
      logger: silentLogger,
      version: '9.9.9',
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('binds loopback on a free port', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('serves REST', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(await health.json()).toMatchObject({ status: 'ok', version: '9.9.9' });
    const call = await fetch(`${server.url}/v1/tools/add_numbers`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"a":20,"b":22}',
    });
    expect(await call.json()).toMatchObject({ result: { sum: 42 } });
    const read = await fetch(`${server.url}/v1/things/x1?limit=3&columns=a&columns=b`);
    expect(await read.json()).toMatchObject({ result: { input: { id: 'x1', limit: 3, columns: ['a', 'b'] } } });
    const openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(openapi.paths['/mcp']).toBeDefined();
  });

  it('serves MCP over Streamable HTTP and WebSocket', async () => {
    const http = new Client({ name: 'http', version: '1' });
    await http.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
    const ws = new Client({ name: 'ws', version: '1' });
    await ws.connect(new WebSocketClientTransport(new URL(`${server.url.replace('http', 'ws')}/ws`)));
    try {
      expect((await http.callTool({ name: 'echo', arguments: { text: 'via http' } })).structuredContent).toEqual({
        text: 'via http',
      });
      expect((await ws.callTool({ name: 'echo', arguments: { text: 'via ws' } })).structuredContent).toEqual({
        text: 'via ws',
      });
    } finally {
      await Promise.all([http.close(), ws.close()]);
    }
  });

  it('aborts the tool signal when the REST client disconnects', async () => {
    const controller = new AbortController();
    const pending = fetch(`${server.url}/v1/tools/wait_for_cancel`, {
      method: 'POST',
      signal: controller.signal,
    }).catch((e: unknown) => e);
    await probe.started;
    controller.abort();
    expect(await probe.aborted).toBeDefined();
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('startHttpServer lifecycle', () => {
  it('close() ends MCP sessions and websockets, then stops listening', async () => {
    ensureGlobalWebSocket();
    const server = await startHttpServer({
      engines: engineStub(healthy),
      tools: fixtureTools,
      createMcpServer: mcpServerFactory().create,
      port: 0,
      logger: silentLogger,
    });
    const socket = await new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`, 'mcp');
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
    const wsClosed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));

    const init = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
      }),
    });
    await init.text();
    const sessionId = init.headers.get('mcp-session-id')!;
    // Keep a standalone SSE stream open, as a long-lived client would.
    const sse = await fetch(`${server.url}/mcp`, {
      headers: { Accept: 'text/event-stream', 'mcp-session-id': sessionId },
    });
    expect(sse.status).toBe(200);
    const sseEnded = sse.body!.pipeTo(new WritableStream()).then(
      () => 'ended',
      () => 'ended',
    );

    const begun = Date.now();
    await server.close();
    // Nothing was left for the grace period to cut off.
    expect(Date.now() - begun).toBeLessThan(4_000);
    expect(await wsClosed).toBe(1001);
    expect(await sseEnded).toBe('ended');
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('close() lets a request in flight finish and does not wait on idle sockets', async () => {
    const sleep = defineTool({
      name: 'sleep',
      title: 'Sleep',
      description: 'Answers after ms milliseconds.',
      inputSchema: z.object({ ms: z.number() }),
      outputSchema: z.object({ slept: z.number() }),
      async handler({ ms }) {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return { structured: { slept: ms }, summary: 'slept' };
      },
    });
    const server = await startHttpServer({
      engines: engineStub(healthy),
      tools: [sleep],
      createMcpServer: mcpServerFactory().create,
      port: 0,
      logger: silentLogger,
      shutdownGraceMs: 30_000,
    });
    // A keep-alive connection left idle, and a socket that never sends a request.
    await (await fetch(`${server.url}/healthz`)).text();
    const silent = connect(server.port, '127.0.0.1');
    const silentClosed = new Promise<void>((resolve) => silent.once('close', () => resolve()));
    silent.on('error', () => undefined);
    await new Promise((resolve) => silent.once('connect', resolve));

    const inFlight = fetch(`${server.url}/v1/tools/sleep`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"ms":300}',
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const begun = Date.now();
    await server.close();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ result: { slept: 300 } });
    await silentClosed;
    // Far below the 30 s grace: nothing idle held the shutdown up.
    expect(Date.now() - begun).toBeLessThan(10_000);
  });

  it('fails to start on a port already in use, leaving nothing running', async () => {
    const first = await startHttpServer({
      engines: engineStub(healthy),
      tools: [],
      createMcpServer: mcpServerFactory().create,
      port: 0,
      logger: silentLogger,
    });
    try {
      await expect(
        startHttpServer({
          engines: engineStub(healthy),
          tools: [],
          createMcpServer: mcpServerFactory().create,
          port: first.port,
          logger: silentLogger,
        }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
