import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createHttpApp, type HttpAppOptions } from '../../src/http/app.js';
import { memoryLogger, silentLogger } from '../mcp/transports/fixtures.js';
import { engineStub, fixtureTools, healthy } from './fixtures.js';

function app(options: Partial<HttpAppOptions> = {}) {
  return createHttpApp({
    engines: engineStub(healthy),
    tools: fixtureTools,
    version: '1.2.3',
    logger: silentLogger,
    ...options,
  });
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };

async function problemOf(res: Response): Promise<Record<string, unknown>> {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({
    type: expect.stringMatching(/^urn:tsiot:problem:/),
    title: expect.any(String),
    status: res.status,
    retryable: expect.any(Boolean),
  });
  return body;
}

describe('REST: POST /v1/tools/:name', () => {
  it('runs the tool and answers { result, summary }', async () => {
    const res = await app().request('/v1/tools/add_numbers', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ a: 2, b: 40 }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: { sum: 42 }, summary: '2 + 40 = 42' });
  });

  it('answers bad input with a 400 problem naming the field', async () => {
    const res = await app().request('/v1/tools/add_numbers', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ a: 'two', b: 1 }),
    });
    expect(res.status).toBe(400);
    const problem = await problemOf(res);
    expect(problem.code).toBe('invalid_input');
    expect(problem.detail).toMatch(/\ba: /);
    expect(problem.detail).toContain('example: 1');
    expect(problem.details).toMatchObject({ issues: [{ path: 'a' }] });
  });

  it('answers an unknown tool with a 404 problem', async () => {
    const res = await app().request('/v1/tools/no_such_tool', { method: 'POST', headers: JSON_HEADERS, body: '{}' });
    expect(res.status).toBe(404);
    const problem = await problemOf(res);
    expect(problem).toMatchObject({
      code: 'not_found',
      detail: expect.stringContaining('no_such_tool'),
      hint: expect.stringContaining('/v1/tools'),
    });
  });

  it('answers a body that is not JSON with a 400 problem naming the body', async () => {
    const res = await app().request('/v1/tools/add_numbers', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{"a": 1,',
    });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).detail).toMatch(/request body is not valid JSON/);

    const form = await app().request('/v1/tools/add_numbers', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'a=1&b=2',
    });
    expect(form.status).toBe(400);
    expect((await problemOf(form)).detail).toMatch(/must be JSON/);
  });

  it('answers a body over the limit with 413', async () => {
    const res = await app({ maxBodyBytes: 1024 }).request('/v1/tools/add_numbers', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ a: 1, b: 2, pad: 'x'.repeat(4096) }),
    });
    expect(res.status).toBe(413);
    expect(await problemOf(res)).toMatchObject({ code: 'too_large', details: { limitBytes: 1024 } });
  });

  it('maps domain errors to their status, keeping hint and details', async () => {
    const res = await app().request('/v1/tools/find_missing', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await problemOf(res)).toMatchObject({
      code: 'not_found',
      hint: 'list_series shows stored ids',
      details: { id: 'ser_x' },
      retryable: false,
    });
  });

  it('answers a bug with a bare 500 and logs the error', async () => {
    const memory = memoryLogger();
    const res = await app({ logger: memory.logger }).request('/v1/tools/explode', { method: 'POST' });
    expect(res.status).toBe(500);
    const text = JSON.stringify(await problemOf(res));
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('/srv/secret');
    expect(text).not.toMatch(/at .*\.ts:\d+/);
    memory.logger.flush();
    const logged = memory.lines().find((l) => l.msg === 'HTTP request failed');
    expect(logged).toMatchObject({ level: 50, path: '/v1/tools/explode' });
  });
});

describe('REST: readable routes', () => {
  it('coerces path and query parameters against the input schema', async () => {
    const res = await app().request(
      '/v1/things/th-1?limit=5&verbose=true&columns=temp,hum&ratios=0.5&ratios=2&tags={"site":"north"}&at=1700000000000',
    );
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as { result: { input: Record<string, unknown> } };
    expect(result.input).toEqual({
      id: 'th-1',
      limit: 5,
      verbose: true,
      columns: ['temp', 'hum'],
      ratios: [0.5, 2],
      tags: { site: 'north' },
      at: 1700000000000,
    });
  });

  it('applies defaults and keeps text where the schema wants text', async () => {
    const res = await app().request('/v1/things/42?at=2025-01-01T00:00:00Z');
    const { result } = (await res.json()) as { result: { input: Record<string, unknown> } };
    expect(result.input).toEqual({ id: '42', limit: 10, at: '2025-01-01T00:00:00Z' });
  });

  it('names the query parameter that does not fit', async () => {
    const res = await app().request('/v1/things/th-1?limit=lots');
    expect(res.status).toBe(400);
    expect((await problemOf(res)).detail).toMatch(/\blimit: /);

    const big = await app().request('/v1/things/th-1?limit=1000');
    expect(big.status).toBe(400);
    expect((await problemOf(big)).detail).toMatch(/\blimit: .*100/);
  });

  it('serves DELETE routes from the same tool', async () => {
    const res = await app().request('/v1/things/gone?verbose=0', { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { result: { input: unknown } }).result.input).toEqual({
      id: 'gone',
      limit: 10,
      verbose: false,
    });
  });

  it('merges path params into a POST route body', async () => {
    const res = await app().request('/v1/things/th-9/rename', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ name: 'pump', id: 'ignored' }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { result: unknown }).result).toEqual({ id: 'th-9', name: 'pump' });

    const bad = await app().request('/v1/things/th-9/rename', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ name: '' }),
    });
    expect(bad.status).toBe(400);
    expect((await problemOf(bad)).detail).toMatch(/\bname: /);
  });

  it('refuses two tools claiming the same route', () => {
    const clash = { ...fixtureTools[2]!, name: 'rename_again' };
    expect(() => app({ tools: [...fixtureTools, clash] })).toThrow(/already taken by "rename_thing"/);
  });
});

describe('REST: catalogue, OpenAPI, health', () => {
  it('GET /v1/tools lists every tool with input and output JSON Schemas', async () => {
    const res = await app().request('/v1/tools');
    const { tools } = (await res.json()) as {
      tools: {
        name: string;
        inputSchema: { properties: Record<string, unknown>; required?: string[] };
        outputSchema: unknown;
      }[];
    };
    expect(tools.map((t) => t.name)).toEqual(fixtureTools.map((t) => t.name));
    const getThing = tools.find((t) => t.name === 'get_thing')!;
    expect(getThing.inputSchema.properties.limit).toMatchObject({
      type: 'integer',
      default: 10,
      minimum: 1,
      maximum: 100,
    });
    expect(getThing.inputSchema.required).toEqual(['id']);
  });

  it('GET /openapi.json is an OpenAPI 3.1 document covering every tool, with resolvable refs', async () => {
    const res = await app().request('/openapi.json');
    const doc = (await res.json()) as {
      openapi: string;
      info: { version: string };
      paths: Record<
        string,
        Record<
          string,
          {
            operationId: string;
            parameters?: { name: string; in: string; required: boolean; content?: unknown }[];
            responses: Record<string, unknown>;
          }
        >
      >;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('1.2.3');
    const validation = await new Validator().validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(validation.errors ?? []).toEqual([]);
    expect(validation.valid).toBe(true);
    for (const tool of fixtureTools) {
      expect(doc.paths[`/v1/tools/${tool.name}`]?.post?.operationId).toBe(tool.name);
      expect(doc.components.schemas[`${tool.name}_input`]).toBeDefined();
      expect(doc.components.schemas[`${tool.name}_output`]).toBeDefined();
    }
    const get = doc.paths['/v1/things/{id}']!.get!;
    expect(get.parameters).toContainEqual(expect.objectContaining({ name: 'id', in: 'path', required: true }));
    expect(get.parameters).toContainEqual(expect.objectContaining({ name: 'limit', in: 'query', required: false }));
    expect(get.parameters!.find((p) => p.name === 'tags')).toHaveProperty('content');
    expect(doc.paths['/v1/things/{id}/rename']!.post!.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path' }),
    ]);
    expect(Object.keys(get.responses)).toEqual(expect.arrayContaining(['200', '400', '500', 'default']));
    const operationIds = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(new Set(operationIds).size).toBe(operationIds.length);

    // Every $ref points at something in the document.
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === '$ref' && typeof v === 'string') refs.push(v);
          else walk(v);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const target = ref
        .slice(2)
        .split('/')
        .reduce<unknown>(
          (node, key) => (node as Record<string, unknown> | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')],
          doc,
        );
      expect(target, ref).toBeDefined();
    }
  });

  it('GET /healthz answers without touching storage', async () => {
    const res = await app({ engines: engineStub(() => Promise.reject(new Error('storage down'))) }).request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', version: '1.2.3' });
  });

  it('GET /readyz reflects storage health: 200, 503 unhealthy, 503 thrown, 503 hanging', async () => {
    const ok = await app().request('/readyz');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ready: true, storage: { ok: true } });

    const unhealthy = await app({
      engines: engineStub(async () => ({ backend: 'stub', ok: false, latencyMs: 3, detail: 'disk full' })),
    }).request('/readyz');
    expect(unhealthy.status).toBe(503);
    expect(await unhealthy.json()).toMatchObject({ ready: false, reason: expect.stringContaining('disk full') });

    const thrown = await app({ engines: engineStub(() => Promise.reject(new Error('password=hunter2'))) }).request(
      '/readyz',
    );
    expect(thrown.status).toBe(503);
    expect(JSON.stringify(await thrown.json())).not.toContain('hunter2');

    const hanging = await app({ engines: engineStub(() => new Promise(() => undefined)), readyTimeoutMs: 50 }).request(
      '/readyz',
    );
    expect(hanging.status).toBe(503);
    expect(await hanging.json()).toMatchObject({ ready: false, reason: expect.stringContaining('50 ms') });
  });

  it('answers unknown routes with a 404 problem', async () => {
    const res = await app().request('/v2/nothing');
    expect(res.status).toBe(404);
    expect((await problemOf(res)).code).toBe('not_found');
  });
});

describe('REST: DNS rebinding protection', () => {
  it('refuses a foreign Host, allows configured hosts, and leaves probes open', async () => {
    const denied = await app().request('http://rebound.attacker.example/v1/tools');
    expect(denied.status).toBe(403);
    expect((await problemOf(denied)).code).toBe('forbidden');

    const configured = await app({ allowedHosts: ['tsiot.internal'] }).request('http://tsiot.internal:8080/v1/tools');
    expect(configured.status).toBe(200);

    const probe = await app().request('http://10.0.0.7:8080/healthz');
    expect(probe.status).toBe(200);
  });

  it('refuses a cross-site Origin, allows loopback, same-origin and configured ones', async () => {
    const call = (
      origin: string,
      options: Partial<HttpAppOptions> = {},
      url = 'http://localhost:8080/v1/tools/add_numbers',
    ) =>
      app(options).request(url, {
        method: 'POST',
        headers: { ...JSON_HEADERS, Origin: origin },
        body: '{"a":1,"b":1}',
      });
    expect((await call('https://evil.example')).status).toBe(403);
    expect((await call('http://localhost:5173')).status).toBe(200);
    expect((await call('https://dash.example.com', { allowedOrigins: ['https://dash.example.com'] })).status).toBe(200);
    expect(
      (
        await call(
          'http://tsiot.internal:8080',
          { allowedHosts: ['tsiot.internal'] },
          'http://tsiot.internal:8080/v1/tools/add_numbers',
        )
      ).status,
    ).toBe(200);
  });
});
