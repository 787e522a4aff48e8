import { request as httpRequest } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { ConfigSchema } from '../../../src/core/config.js';
import { ApiKeyStore } from '../../../src/http/auth/api-keys.js';
import { type RunningHttpServer, startHttpServer } from '../../../src/http/server.js';
import { createMcpServer } from '../../../src/mcp/server.js';
import { prompts } from '../../../prompts/index.js';
import { resources } from '../../../resources/index.js';
import { tools } from '../../../tools/index.js';
import { makeEngines, type TestEngines } from '../../helpers/engines.js';
import { type JwksServer, token } from './jwks.js';
import { type ProtectedServer, startProtectedServer } from './protected-server.js';

let ps: ProtectedServer;
let jwks: JwksServer;
let engines: TestEngines;
let server: RunningHttpServer;
let admin: string;

/** A bearer token of the test issuer for this server, with these scopes. */
const tokenFor = (scope: string, subject = 'alice') =>
  token(jwks.keys[0]!, { issuer: jwks.issuer, audience: `${server.url}/mcp`, scope, subject });

/** The SDK's WebSocket client cannot set headers; this global one sends the Authorization header given. */
function installAuthorizingWebSocket(authorization: string | undefined): void {
  class AuthorizingWebSocket extends NodeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, authorization ? { headers: { authorization } } : {});
    }
  }
  (globalThis as { WebSocket?: unknown }).WebSocket = AuthorizingWebSocket;
}

/** An HTTP upgrade to /ws answered with a refusal: its status and headers. */
function refusedUpgrade(headers: Record<string, string>): Promise<{ status: number; wwwAuthenticate?: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${server.url}/ws`);
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      path: '/ws',
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': Buffer.from('0123456789abcdef').toString('base64'),
        'sec-websocket-protocol': 'mcp',
        ...headers,
      },
    });
    req.on('response', (res) => {
      res.resume();
      resolve({
        status: res.statusCode ?? 0,
        ...(res.headers['www-authenticate'] ? { wwwAuthenticate: String(res.headers['www-authenticate']) } : {}),
      });
    });
    req.on('upgrade', () => reject(new Error('the upgrade was accepted')));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  ps = await startProtectedServer();
  ({ jwks, engines, server } = ps);
  admin = await tokenFor('admin');
});
afterAll(async () => {
  await ps?.close();
});

describe('an authenticated server', () => {
  it('publishes its Protected Resource Metadata and probes without credentials', async () => {
    const prm = await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`);
    expect(prm.status).toBe(200);
    expect(await prm.json()).toMatchObject({
      resource: `${server.url}/mcp`,
      authorization_servers: [jwks.issuer],
      scopes_supported: ['series:read', 'series:write', 'models', 'jobs', 'privacy', 'admin'],
      bearer_methods_supported: ['header'],
    });
    const root = (await (await fetch(`${server.url}/.well-known/oauth-protected-resource`)).json()) as {
      resource: string;
    };
    expect(root.resource).toBe(server.url);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect(server.authenticated).toBe(true);
  });

  it('answers every OpenAPI route, /mcp and /ws with 401 and a Bearer challenge without credentials', async () => {
    const doc = (await (
      await fetch(`${server.url}/openapi.json`, { headers: { authorization: `Bearer ${admin}` } })
    ).json()) as { paths: Record<string, Record<string, unknown>> };
    const open = new Set(['/healthz', '/readyz']);
    const routes = Object.entries(doc.paths)
      .filter(([path]) => !open.has(path))
      .flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'x') })),
      );
    expect(routes.length).toBeGreaterThan(20);
    routes.push(
      { method: 'GET', path: '/openapi.json' },
      { method: 'GET', path: '/v1/tools' },
      { method: 'GET', path: '/v1/jobs/events' },
      { method: 'GET', path: '/no/such/route' },
    );
    for (const { method, path } of routes) {
      const r = await fetch(`${server.url}${path}`, {
        method,
        ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}),
      });
      expect(r.status, `${method} ${path}`).toBe(401);
      const metadata = `${server.url}/.well-known/oauth-protected-resource${path === '/mcp' ? '/mcp' : ''}`;
      expect(r.headers.get('www-authenticate'), `${method} ${path}`).toBe(`Bearer resource_metadata="${metadata}"`);
    }
    const mcp = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
    });
    expect(mcp.status).toBe(401);
    expect(mcp.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`,
    );
    const ws = await refusedUpgrade({});
    expect(ws.status).toBe(401);
    expect(ws.wwwAuthenticate).toContain('resource_metadata=');
    const badWs = await refusedUpgrade({ authorization: 'Bearer nope' });
    expect(badWs.status).toBe(401);
    expect(badWs.wwwAuthenticate).toContain('error="invalid_token"');
  });

  it('refuses bad tokens with invalid_token, query-string tokens and duplicate headers with 400', async () => {
    const expired = await token(jwks.keys[0]!, { issuer: jwks.issuer, audience: server.url, expiresIn: -120 });
    const r = await fetch(`${server.url}/v1/series`, { headers: { authorization: `Bearer ${expired}` } });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toContain(
      'error="invalid_token", error_description="The token has expired."',
    );
    expect((await r.json()) as { detail: string }).toMatchObject({ detail: 'The token has expired.' });
    const q = await fetch(`${server.url}/v1/series?access_token=${admin}`);
    expect(q.status).toBe(400);
    const dup = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${server.url}/v1/series`);
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'GET' });
      req.setHeader('authorization', [`Bearer ${admin}`, `Bearer ${admin}`]);
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(dup).toBe(400);
  });

  it('checks scopes per tool: 403 insufficient_scope naming the scope, over REST and Streamable HTTP', async () => {
    const reader = await tokenFor('series:read', 'reader');
    const ok = await fetch(`${server.url}/v1/series`, { headers: { authorization: `Bearer ${reader}` } });
    expect(ok.status).toBe(200);
    const denied = await fetch(`${server.url}/v1/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/json' },
      body: JSON.stringify({ duration: '1h' }),
    });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toMatch(
      /^Bearer error="insufficient_scope", .*scope="series:write"/,
    );

    const client = new Client({ name: 'scoped', version: '0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${reader}` } },
      }),
    );
    const listed = await client.callTool({ name: 'list_series', arguments: {} });
    expect(listed.isError).toBeFalsy();
    // every tool says which scope it needs, in tools/list and in the OpenAPI document
    const catalogue = await client.listTools();
    const scopeOf = new Map(catalogue.tools.map((t) => [t.name, t._meta?.['tsiot/scope']]));
    expect(scopeOf.get('list_series')).toBe('series:read');
    expect(scopeOf.get('delete_series')).toBe('series:write');
    expect(scopeOf.get('start_job')).toBe('jobs');
    expect(scopeOf.get('fit_model')).toBe('models');
    expect([...scopeOf.values()].every((v) => typeof v === 'string')).toBe(true);
    const doc = (await (
      await fetch(`${server.url}/openapi.json`, { headers: { authorization: `Bearer ${admin}` } })
    ).json()) as { paths: Record<string, Record<string, { security?: unknown }>> };
    expect(doc.paths['/v1/tools/delete_series']!.post!.security).toEqual([{ bearer: ['series:write'] }]);
    const raw = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${reader}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': (client.transport as StreamableHTTPClientTransport).sessionId!,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'delete_series', arguments: { id: 'x' } },
      }),
    });
    expect(raw.status).toBe(403);
    expect(raw.headers.get('www-authenticate')).toContain('scope="series:write"');
    await client.close();
  });

  it('serves the MCP SDK client with a bearer token over Streamable HTTP and WebSocket, and binds sessions to their subject', async () => {
    const http = new Client({ name: 'http', version: '0' });
    await http.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${admin}` } },
      }),
    );
    const gen = await http.callTool({ name: 'generate_timeseries', arguments: { duration: '1h', seed: 1 } });
    expect(gen.isError).toBeFalsy();
    const sessionId = (http.transport as StreamableHTTPClientTransport).sessionId!;
    // another subject presenting that session id is told it does not exist
    const mallory = await tokenFor('admin', 'mallory');
    const stolen = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${mallory}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }),
    });
    expect(stolen.status).toBe(404);
    await http.close();

    installAuthorizingWebSocket(`Bearer ${admin}`);
    const ws = new Client({ name: 'ws', version: '0' });
    await ws.connect(new WebSocketClientTransport(new URL(`${server.url.replace(/^http/, 'ws')}/ws`)));
    const listed = await ws.callTool({ name: 'list_series', arguments: {} });
    expect(listed.isError).toBeFalsy();
    await ws.close();
  });

  it('accepts a tsiot API key and stops accepting it once revoked', async () => {
    const keys = new ApiKeyStore(engines.documents);
    const { key, info } = await keys.create({ name: 'ci', scopes: ['series:read'] });
    const get = () => fetch(`${server.url}/v1/series`, { headers: { authorization: `Bearer ${key}` } });
    expect((await get()).status).toBe(200);
    await keys.revoke(info.id);
    expect((await get()).status).toBe(401);
  });
});

describe('binding beyond loopback', () => {
  it('refuses to start without credentials configured, and says how to configure them', async () => {
    const bare = await makeEngines();
    try {
      const start = startHttpServer({
        engines: bare,
        tools,
        createMcpServer: (caller, transport) =>
          createMcpServer(bare, { tools, resources, prompts }, { caller, transport }),
        host: '0.0.0.0',
        port: 0,
        logger: bare.logger,
        auth: { config: ConfigSchema.shape.auth.parse({}), apiKeys: new ApiKeyStore(bare.documents) },
      });
      await expect(start).rejects.toThrow('Refusing to serve 0.0.0.0 without authentication');
      await expect(start).rejects.toMatchObject({ hint: expect.stringContaining('tsiot keys create') });
    } finally {
      await bare.close();
    }
  });
});
