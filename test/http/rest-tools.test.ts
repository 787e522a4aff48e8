import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { createHttpApp } from '../../src/http/app.js';
import { tools } from '../../tools/index.js';
import { makeEngines, type TestEngines } from '../helpers/engines.js';
import { closedPort } from '../helpers/servers.js';
import { createStorage } from '../../src/engines/storage/index.js';

/** The REST adapter over the real tool registry and the embedded backend, through Hono's request API. */
describe('REST routes over the real tools', () => {
  let engines: TestEngines;
  let app: Hono;
  beforeAll(async () => {
    engines = await makeEngines();
    app = createHttpApp({ engines, tools, version: 'test', logger: engines.logger });
  });
  afterAll(async () => engines.close());

  const post = (path: string, body: unknown) =>
    app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', host: '127.0.0.1' },
      body: JSON.stringify(body),
    });
  const get = (path: string, method = 'GET') => app.request(path, { method, headers: { host: '127.0.0.1' } });

  it('generates through POST /v1/tools/generate_timeseries and reads through GET /v1/series/:id', async () => {
    const r = await post('/v1/tools/generate_timeseries', {
      devices: 2,
      duration: '2h',
      sensors: [{ type: 'power' }],
      seed: 9,
      tags: { rest: 'yes' },
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { result: { series: { id: string }[] }; summary: string };
    expect(body.summary).toMatch(/Generated 2 series/);
    const id = body.result.series[0]!.id;

    const read = await get(`/v1/series/${id}?bucket=30m&aggregation=avg&columns=power`);
    expect(read.status).toBe(200);
    const series = (await read.json()) as { result: { rows: number; values: Record<string, number[]> } };
    expect(series.result.rows).toBe(4);
    expect(series.result.values.power!.every((v) => v >= 0)).toBe(true);

    const list = await get(`/v1/series?limit=1&tags=${encodeURIComponent(JSON.stringify({ rest: 'yes' }))}`);
    expect(list.status).toBe(200);
    const listed = (await list.json()) as { result: { total: number; items: unknown[]; nextOffset: number } };
    expect(listed.result).toMatchObject({ total: 2, nextOffset: 1 });
    expect(listed.result.items).toHaveLength(1);

    const del = await get(`/v1/series/${id}`, 'DELETE');
    expect(((await del.json()) as { result: { deleted: boolean } }).result.deleted).toBe(true);
    const gone = await get(`/v1/series/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.headers.get('content-type')).toContain('application/problem+json');
  });

  it('answers bad input with a 400 problem naming the field, and a huge request with 413 before any work', async () => {
    const before = (await engines.storage.list()).total;
    const bad = await post('/v1/tools/generate_timeseries', { devices: -3 });
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as { detail: string; code: string };
    expect(problem.code).toBe('invalid_input');
    expect(problem.detail).toMatch(/devices/);
    const huge = await post('/v1/generate', { devices: 10_000, duration: '7d', interval: '1s' });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { detail: string }).detail).toMatch(/6,048,000,000 values/);
    expect((await engines.storage.list()).total).toBe(before);
  });

  it('serves the generator catalogue and an OpenAPI document covering every tool', async () => {
    const gens = (await (await get('/v1/generators')).json()) as { result: { generators: { name: string }[] } };
    expect(gens.result.generators.map((g) => g.name)).toContain('statistical');
    const d = await get('/v1/generators/statistical');
    expect(d.status).toBe(200);
    const spec = (await (await get('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toMatch(/^3\.1/);
    for (const t of tools) expect(Object.keys(spec.paths)).toContain(`/v1/tools/${t.name}`);
    expect(Object.keys(spec.paths)).toContain('/v1/series/{id}');
  });

  it('reports health and readiness from the storage backend', async () => {
    expect((await get('/healthz')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
  });
});

describe('REST export limits', () => {
  it('refuses an export over the per-request value limit before reading the data, naming the numbers', async () => {
    const engines = await makeEngines({ maxPointsPerRequest: 1000 });
    try {
      const app = createHttpApp({ engines, tools, version: 'test', logger: engines.logger });
      const post = (path: string, body: unknown) =>
        app.request(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', host: '127.0.0.1' },
          body: JSON.stringify(body),
        });
      const ids: string[] = [];
      for (const seed of [1, 2]) {
        const r = (await (await post('/v1/generate', { points: 600, seed })).json()) as {
          result: { series: { id: string }[] };
        };
        ids.push(r.result.series[0]!.id);
      }
      const one = await post('/v1/export', { ids: [ids[0]], format: 'csv' });
      expect(one.status).toBe(200);
      const both = await post('/v1/export', { ids, format: 'csv' });
      expect(both.status).toBe(413);
      expect(((await both.json()) as { detail: string }).detail).toMatch(
        /1,200 values; one export may hold at most 1,000/,
      );
    } finally {
      await engines.close();
    }
  });
});

describe('readiness against a real backend that is down', () => {
  it('GET /readyz answers 503 quickly when PostgreSQL does not answer, without leaking the URL', async () => {
    const engines = await makeEngines();
    const down = await createStorage(`postgres://tsiot:secret-pw@127.0.0.1:${await closedPort()}/tsiot`);
    try {
      const app = createHttpApp({
        engines: { ...engines, storage: down },
        tools,
        version: 'test',
        logger: engines.logger,
      });
      const started = Date.now();
      const r = await app.request('/readyz', { headers: { host: '127.0.0.1' } });
      expect(r.status).toBe(503);
      const text = await r.text();
      expect(text).not.toContain('secret-pw');
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await down.close();
      await engines.close();
    }
  });
});
