import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RunningHttpServer } from '../../../src/http/server.js';
import { RATE_LIMITED_CODE, WS_CLOSE } from '../../../src/mcp/transports/websocket.js';
import { type JwksServer, token } from './jwks.js';
import { type ProtectedServer, startProtectedServer } from './protected-server.js';

/**
 * /ws as a browser uses it: the token as a `bearer.<token>` subprotocol (a
 * browser cannot set headers), never in the query string; its messages
 * counted by the per-subject rate limit; closed with 4401 when its token
 * expires.
 */

const LIMIT = 12;
let ps: ProtectedServer;
let jwks: JwksServer;
let server: RunningHttpServer;
let wsUrl = '';

const tokenFor = (subject: string, expiresIn = 300) =>
  token(jwks.keys[0]!, { issuer: jwks.issuer, audience: server.url, subject, scope: 'series:read', expiresIn });

/** Open a raw WebSocket; resolves with the socket once open, or rejects with the refusal's status. */
function connect(protocols: string[], init: { headers?: Record<string, string>; query?: string } = {}) {
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`${wsUrl}${init.query ?? ''}`, protocols, { headers: init.headers ?? {} });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode }));
    });
    ws.once('error', reject);
  });
}

/** The status of an upgrade request sent by hand with this Sec-WebSocket-Protocol header. */
function rawUpgrade(protocols: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(server.url);
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      path: '/ws',
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': Buffer.from('0123456789abcdef').toString('base64'),
        'sec-websocket-protocol': protocols,
      },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve(101);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Send JSON-RPC requests and collect the answers by id. */
function rpc(ws: WebSocket) {
  const waiting = new Map<number, (m: any) => void>();
  ws.on('message', (data) => {
    const m = JSON.parse(String(data));
    waiting.get(m.id)?.(m);
  });
  let next = 1;
  return (method: string, params: unknown = {}) =>
    new Promise<any>((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
}

const INIT = { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'browser', version: '0' } };

beforeAll(async () => {
  ps = await startProtectedServer({ limits: { requestsPerSubject: LIMIT, windowSeconds: 60 } });
  ({ jwks, server } = ps);
  wsUrl = `${server.url.replace(/^http/, 'ws')}/ws`;
}, 60_000);
afterAll(async () => {
  await ps?.close();
});

describe('WebSocket credentials', () => {
  it('accepts the token as a bearer subprotocol, selects "mcp" and never echoes the token', async () => {
    const ws = await connect(['mcp', `bearer.${await tokenFor('browser-1')}`]);
    try {
      expect(ws.protocol).toBe('mcp');
      const call = rpc(ws);
      const init = await call('initialize', INIT);
      expect(init.result?.serverInfo).toBeDefined();
      ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
      const listed = await call('tools/list');
      expect(listed.result.tools.length).toBeGreaterThan(0);
    } finally {
      ws.close();
    }
  });

  it('refuses a bad subprotocol token (401), two credentials (400) and tokens in the query string (400)', async () => {
    await expect(connect(['mcp', 'bearer.not-a-token'])).rejects.toMatchObject({ status: 401 });
    const t = await tokenFor('browser-2');
    await expect(connect(['mcp', `bearer.${t}`], { headers: { authorization: `Bearer ${t}` } })).rejects.toMatchObject({
      status: 400,
    });
    // clients refuse to send one subprotocol twice; a hand-made request may
    expect(await rawUpgrade(`mcp, bearer.${t}, bearer.${t}`)).toBe(400);
    expect(await rawUpgrade('mcp, bearer.')).toBe(400);
    await expect(connect(['mcp'], { query: `?access_token=${t}` })).rejects.toMatchObject({ status: 400 });
    await expect(connect(['mcp'], { query: `?token=${t}` })).rejects.toMatchObject({ status: 400 });
    await expect(connect(['mcp'])).rejects.toMatchObject({ status: 401 });
  });
});

describe('WebSocket limits', () => {
  it('counts every message against the subject rate limit and answers the excess with a retry time', async () => {
    const ws = await connect(['mcp', `bearer.${await tokenFor('busy-client')}`]);
    try {
      const call = rpc(ws);
      await call('initialize', INIT);
      const answers = await Promise.all(Array.from({ length: LIMIT + 4 }, () => call('ping')));
      const refused = answers.filter((a) => a.error?.code === RATE_LIMITED_CODE);
      const served = answers.filter((a) => a.result !== undefined);
      // initialize took one point: LIMIT - 1 pings served, the rest refused
      expect(served.length).toBe(LIMIT - 1);
      expect(refused.length).toBe(5);
      expect(refused[0].error.data.retryAfterSeconds).toBeGreaterThan(0);
      expect(refused[0].error.message).toMatch(/retry in \d+ s/);
      // the limit is per subject: the same subject over REST is refused too, another subject is not
      const rest = await fetch(`${server.url}/v1/series`, {
        headers: { authorization: `Bearer ${await tokenFor('busy-client')}` },
      });
      expect(rest.status).toBe(429);
      const other = await fetch(`${server.url}/v1/series`, {
        headers: { authorization: `Bearer ${await tokenFor('calm-client')}` },
      });
      expect(other.status).toBe(200);
    } finally {
      ws.close();
    }
  });

  it('closes the socket with 4401 when its token expires', async () => {
    const ws = await connect(['mcp', `bearer.${await tokenFor('short-lived', 2)}`]);
    const closed = await new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    expect(closed.code).toBe(WS_CLOSE.tokenExpired);
    expect(closed.reason).toContain('expired');
  }, 15_000);
});
