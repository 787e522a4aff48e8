import { connect, type Socket } from 'node:net';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nestingDepth } from '../../src/http/json-body.js';
import { WindowCounter } from '../../src/http/limits.js';
import { type RunningHttpServer, startHttpServer } from '../../src/http/server.js';
import { requireServer, runName } from '../helpers/servers.js';
import { mcpServerFactory, silentLogger } from '../mcp/transports/fixtures.js';
import { engineStub, fixtureTools, healthy } from './fixtures.js';

const redis = await requireServer('Redis', 'TSIOT_TEST_REDIS_URL', 6379);

function start(options: Partial<Parameters<typeof startHttpServer>[0]> = {}): Promise<RunningHttpServer> {
  return startHttpServer({
    engines: engineStub(healthy),
    tools: fixtureTools,
    createMcpServer: mcpServerFactory().create,
    port: 0,
    logger: silentLogger,
    ...options,
  });
}

const call = (server: RunningHttpServer) =>
  fetch(`${server.url}/v1/tools/add_numbers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"a": 1, "b": 2}',
  });

describe('abuse limits', () => {
  let server: RunningHttpServer;
  let burst: RunningHttpServer;
  beforeAll(async () => {
    burst = await start({ limits: { requestsPerIp: 5, windowSeconds: 30 } });
    server = await start({
      limits: { headersTimeoutMs: 1_000, requestTimeoutMs: 3_000 },
      maxBodyBytes: 1024 * 1024,
      corsOrigins: ['https://dash.example.com'],
    });
  });
  afterAll(async () => {
    await server?.close();
    await burst?.close();
  });

  it('answers a burst past the limit with 429, Retry-After and RateLimit headers', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 7; i++) {
      last = await call(burst);
      statuses.push(last.status);
      if (last.status === 200) expect(last.headers.get('ratelimit-limit')).toBe('5');
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.headers.get('ratelimit-remaining')).toBe('0');
    expect(((await last!.json()) as { code: string }).code).toBe('rate_limited');
    // probes stay reachable
    expect((await fetch(`${burst.url}/healthz`)).status).toBe(200);
  });

  it('sends security headers, and CORS headers only to an allowed origin', async () => {
    const r = await fetch(`${server.url}/healthz`, { headers: { origin: 'https://dash.example.com' } });
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(r.headers.get('access-control-allow-origin')).toBe('https://dash.example.com');
    const other = await fetch(`${server.url}/healthz`, { headers: { origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('closes slow-header sockets at the headers timeout while other clients are served', async () => {
    const { port } = new URL(server.url);
    const sockets: Socket[] = [];
    const closed: Promise<number>[] = [];
    const begun = Date.now();
    for (let i = 0; i < 50; i++) {
      const s = connect(Number(port), '127.0.0.1');
      s.on('error', () => undefined);
      s.resume(); // read the 408, so the end of the socket is seen
      s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      sockets.push(s);
      closed.push(new Promise((resolve) => s.on('close', () => resolve(Date.now() - begun))));
    }
    const ok = await fetch(`${server.url}/healthz`);
    expect(ok.status).toBe(200);
    const times = await Promise.all(closed);
    // headersTimeout 1 s, checked every second: all closed within a few seconds, not the 90 s of before
    expect(Math.max(...times)).toBeLessThan(8_000);
  }, 20_000);

  it('refuses a 64 MB body with 413 without reading it, and 100,000-deep JSON with 400; the server stays up', async () => {
    const { hostname, port } = new URL(server.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: hostname,
        port,
        path: '/v1/tools/add_numbers',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(64 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
      // only the first bytes are ever sent: the answer comes from Content-Length alone
      req.write('{"a": 1');
    });
    expect(status).toBe(413);
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(nestingDepth(deep, 64)).toBe(65);
    expect(nestingDepth('{"a": "[[[[[[", "b": [[1]]}')).toBe(3);
    const r = await fetch(`${server.url}/v1/tools/add_numbers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: deep,
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { detail: string }).detail).toContain('deeper than 64');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('counts a chunked body without Content-Length while reading it: 413 past the cap, parsed below it', async () => {
    const { hostname, port } = new URL(server.url);
    const send = (chunks: string[]) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({
          host: hostname,
          port,
          path: '/v1/tools/add_numbers',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        });
        req.on('response', (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', (e) =>
          e.message.includes('socket hang up') || e.message.includes('EPIPE') ? undefined : reject(e),
        );
        for (const c of chunks) req.write(c);
        req.end();
      });
    // 1.5 MB in 64 KiB chunks against the 1 MiB cap, no length declared
    const pad = 'x'.repeat(64 * 1024);
    const big = await send(['{"a": 1, "b": 2, "pad": "', ...Array.from({ length: 24 }, () => pad), '"}']);
    expect(big.status).toBe(413);
    expect(big.body).toContain('1048576-byte limit');
    const small = await send(['{"a": ', '40, "b"', ': 2}']);
    expect(small.status).toBe(200);
    expect((JSON.parse(small.body) as { result: { sum: number } }).result.sum).toBe(42);
  });

  it('refuses a body that is not UTF-8, and reads the next ones, multi-byte characters included', async () => {
    const post = (body: Uint8Array<ArrayBuffer>) =>
      fetch(`${server.url}/v1/tools/get_thing`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const bad = await post(new Uint8Array([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toContain('not valid UTF-8');
    for (let i = 0; i < 3; i++) {
      const ok = await post(new TextEncoder().encode(JSON.stringify({ id: `capteur-°C-Δ-${i}` })));
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { result: { input: { id: string } } }).result.input.id).toBe(`capteur-°C-Δ-${i}`);
    }
  });
});

describe('the in-memory rate counter', () => {
  it('counts fixed windows per key from their first request, refuses past the limit, and forgets ended windows', () => {
    let now = 1_000_000;
    const counter = new WindowCounter(3, 10_000, () => now);
    const take = (key: string) => ({ ...counter.take(key) });
    expect(take('a')).toEqual({ ok: true, remaining: 2, msBeforeNext: 10_000 });
    now += 4_000;
    expect(take('a')).toEqual({ ok: true, remaining: 1, msBeforeNext: 6_000 });
    expect(take('b')).toEqual({ ok: true, remaining: 2, msBeforeNext: 10_000 });
    expect(take('a')).toEqual({ ok: true, remaining: 0, msBeforeNext: 6_000 });
    expect(take('a')).toEqual({ ok: false, remaining: 0, msBeforeNext: 6_000 });
    now += 5_999;
    expect(take('a')).toMatchObject({ ok: false, msBeforeNext: 1 });
    now += 1;
    // a's window ended: a new one starts with this request
    expect(take('a')).toEqual({ ok: true, remaining: 2, msBeforeNext: 10_000 });
    expect(counter.size).toBe(2);
    now += 20_000;
    expect(take('c')).toEqual({ ok: true, remaining: 2, msBeforeNext: 10_000 });
    expect(counter.size).toBe(1);
  });
});

describe.skipIf(!redis.ok)('rate limits shared through Redis', () => {
  it('two instances on one Redis share one limit', async () => {
    const prefix = runName('tsiot-rl');
    const options = {
      limits: { requestsPerIp: 4, windowSeconds: 30 },
      rateLimitRedisUrl: redis.url,
      rateLimitRedisPrefix: prefix,
    };
    const one = await start(options);
    const two = await start(options);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await call(one)).status);
      for (let i = 0; i < 3; i++) statuses.push((await call(two)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
