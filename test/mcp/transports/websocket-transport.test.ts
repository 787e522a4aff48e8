import type { AddressInfo } from 'node:net';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import {
  WebSocketServerTransport,
  type WebSocketServerTransportOptions,
} from '../../../src/mcp/transports/websocket.js';

/** A real socket pair on a loopback port: the server side wrapped in the transport, the client side raw. */
async function pair(
  options: WebSocketServerTransportOptions = {},
): Promise<{ transport: WebSocketServerTransport; client: WebSocket; wss: WebSocketServer }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const accepted = new Promise<WebSocketServerTransport>((resolve) =>
    wss.once('connection', (ws) => resolve(new WebSocketServerTransport(ws, options))),
  );
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, 'mcp');
  await new Promise((resolve) => client.once('open', resolve));
  return { transport: await accepted, client, wss };
}

const ping = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, method: 'ping' });

describe('WebSocketServerTransport', () => {
  const servers: WebSocketServer[] = [];
  afterEach(async () => {
    for (const wss of servers.splice(0)) {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((resolve) => wss.close(resolve));
    }
  });

  it('keeps frames that arrive before start() and delivers them in order', async () => {
    const { transport, client, wss } = await pair();
    servers.push(wss);
    const received: unknown[] = [];
    client.send(JSON.stringify(ping(1)));
    client.send(JSON.stringify(ping(2)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    transport.onmessage = (message) => received.push((message as { id: number }).id);
    await transport.start();
    client.send(JSON.stringify(ping(3)));
    await expect.poll(() => received).toEqual([1, 2, 3]);
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends one message per text frame and reports close once', async () => {
    const { transport, client, wss } = await pair();
    servers.push(wss);
    let closes = 0;
    transport.onclose = () => closes++;
    await transport.start();
    const frame = new Promise<{ data: string; isBinary: boolean }>((resolve) =>
      client.once('message', (data, isBinary) => resolve({ data: String(data), isBinary })),
    );
    await transport.send({ jsonrpc: '2.0', id: 9, result: {} });
    expect(await frame).toEqual({ data: '{"jsonrpc":"2.0","id":9,"result":{}}', isBinary: false });

    const clientClosed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
    await transport.close();
    await transport.close();
    expect(await clientClosed).toBe(1000);
    expect(closes).toBe(1);
    await expect(transport.send(ping(1))).rejects.toThrow(/not open/);
  });

  it('reports a peer that closes first', async () => {
    const { transport, client, wss } = await pair();
    servers.push(wss);
    const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
    await transport.start();
    client.close(1001);
    await closed;
  });

  it('disconnects a peer that stops reading instead of buffering without bound', async () => {
    const { transport, client, wss } = await pair({ maxBufferedBytes: 256 * 1024 });
    servers.push(wss);
    await transport.start();
    // The client stops reading from its socket; the server keeps sending.
    (client as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = { jsonrpc: '2.0' as const, method: 'notifications/message', params: { data: 'x'.repeat(512 * 1024) } };
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        transport.send(big).then(
          () => 'sent',
          (e: Error) => e.message,
        ),
      ),
    );
    expect(results).toContain('sent');
    expect(results.some((r) => /peer is not reading/.test(r))).toBe(true);
    client.terminate();
  });
});
