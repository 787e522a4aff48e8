import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHttpServer } from '../../../src/http/server.js';
import { callersOf, type ProtectedServer, startProtectedServer } from './protected-server.js';

let ps: ProtectedServer;
let server: RunningHttpServer;
const tokens: Record<'alice' | 'bob', string> = { alice: '', bob: '' };
type Who = keyof typeof tokens;
const { rest, mcpClient } = callersOf<Who>(() => server, tokens);
// what alice made
const a = { series: '', model: '', job: '', report: '' };

beforeAll(async () => {
  ps = await startProtectedServer();
  ({ server } = ps);
  for (const who of ['alice', 'bob'] as const)
    tokens[who] = await ps.tokenFor(who, 'series:read series:write models jobs');

  const gen = await rest('alice', 'POST', '/v1/generate', {
    duration: '6h',
    interval: '5m',
    seed: 3,
    validate: true,
  });
  expect(gen.status).toBe(200);
  a.series = gen.body.result.series[0].id;
  a.report = gen.body.result.validation?.reportId ?? '';
  const fit = await rest('alice', 'POST', '/v1/models', {
    generator: 'arima',
    data: { seriesId: a.series },
    seed: 1,
    waitSeconds: 60,
  });
  expect(fit.status, JSON.stringify(fit.body)).toBe(200);
  a.model = fit.body.result.id;
  const job = await rest('alice', 'POST', '/v1/jobs', {
    type: 'generation',
    data: { params: { duration: '1h', interval: '10m' }, seed: 2 },
    waitMs: 20_000,
  });
  expect(job.status, JSON.stringify(job.body)).toBe(200);
  a.job = job.body.result.job.id;
}, 120_000);
afterAll(async () => {
  await ps?.close();
});

describe('two tenants on one server', () => {
  it('alice sees her own series, model and job', async () => {
    expect((await rest('alice', 'GET', `/v1/series/${a.series}`)).status).toBe(200);
    expect((await rest('alice', 'GET', `/v1/models/${a.model}`)).status).toBe(200);
    const job = await rest('alice', 'GET', `/v1/jobs/${a.job}`);
    expect(job.status).toBe(200);
    expect(job.body.result.job.tenant).toBe('alice');
    expect((await rest('alice', 'GET', '/v1/series')).body.result.total).toBeGreaterThanOrEqual(1);
  });

  it("bob cannot list, read, export, validate against, search or delete alice's series: 404, never 403", async () => {
    const list = await rest('bob', 'GET', '/v1/series');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(a.series);
    for (const [method, path, body] of [
      ['GET', `/v1/series/${a.series}`],
      ['GET', `/v1/series/${a.series}/analysis`],
      ['GET', `/v1/series/${a.series}/similar`],
      ['POST', '/v1/export', { ids: [a.series], inline: true }],
      ['POST', '/v1/validate', { synthetic: a.series }],
      ['POST', '/v1/models', { generator: 'arima', data: { seriesId: a.series } }],
    ] as [string, string, unknown?][]) {
      const r = await rest('bob', method, path, body);
      expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBe(404);
      expect(JSON.stringify(r.body)).not.toContain('alice');
    }
    const del = await rest('bob', 'DELETE', `/v1/series/${a.series}`);
    expect(del.body.result).toEqual({ id: a.series, deleted: false });
    // a series id that exists nowhere answers exactly the same
    const ghost = await rest('bob', 'GET', '/v1/series/ser_doesnotexist');
    const other = await rest('bob', 'GET', `/v1/series/${a.series}`);
    expect(other.body.detail.replace(a.series, 'ID')).toBe(ghost.body.detail.replace('ser_doesnotexist', 'ID'));
    expect((await rest('alice', 'GET', `/v1/series/${a.series}`)).status).toBe(200);
  });

  it("bob cannot see or use alice's model, report or job", async () => {
    expect(JSON.stringify((await rest('bob', 'GET', '/v1/models')).body)).not.toContain(a.model);
    expect((await rest('bob', 'GET', `/v1/models/${a.model}`)).status).toBe(404);
    expect((await rest('bob', 'POST', `/v1/models/${a.model}/generate`, { length: 5 })).status).toBe(404);
    expect((await rest('bob', 'POST', '/v1/generate', { model: a.model, params: { length: 5 } })).status).toBe(404);
    expect((await rest('bob', 'DELETE', `/v1/models/${a.model}`)).body.result.deleted).toBe(false);
    expect(JSON.stringify((await rest('bob', 'GET', '/v1/jobs')).body)).not.toContain(a.job);
    expect((await rest('bob', 'GET', `/v1/jobs/${a.job}`)).status).toBe(404);
    expect((await rest('bob', 'DELETE', `/v1/jobs/${a.job}`)).status).toBe(404);
    expect((await rest('alice', 'GET', `/v1/models/${a.model}`)).status).toBe(200);
  });

  it('over the MCP SDK client too: tools, resources and subscriptions', async () => {
    const bob = await mcpClient('bob');
    try {
      const got = await bob.callTool({ name: 'get_series', arguments: { id: a.series } });
      expect(got.isError).toBe(true);
      expect(JSON.stringify(got.content)).toContain('[not_found]');
      const listed = await bob.listResources();
      expect(JSON.stringify(listed)).not.toContain(a.series);
      expect(JSON.stringify(listed)).not.toContain(a.model);
      await expect(bob.readResource({ uri: `tsiot://series/${a.series}` })).rejects.toThrow();
      await expect(bob.readResource({ uri: `tsiot://models/${a.model}` })).rejects.toThrow();
      await expect(bob.readResource({ uri: `tsiot://jobs/${a.job}` })).rejects.toThrow();
      if (a.report) await expect(bob.readResource({ uri: `tsiot://reports/${a.report}` })).rejects.toThrow();
      await expect(bob.subscribeResource({ uri: `tsiot://series/${a.series}` })).rejects.toThrow('does not exist');
      await expect(bob.subscribeResource({ uri: `tsiot://jobs/${a.job}` })).rejects.toThrow('does not exist');
    } finally {
      await bob.close();
    }
    const alice = await mcpClient('alice');
    try {
      const read = await alice.readResource({ uri: `tsiot://series/${a.series}` });
      expect(read.contents.length).toBeGreaterThan(0);
      await alice.subscribeResource({ uri: `tsiot://series/${a.series}` });
    } finally {
      await alice.close();
    }
  });

  it('cleanup jobs and schedules need the admin scope', async () => {
    const cleanup = await rest('bob', 'POST', '/v1/jobs', { type: 'cleanup', data: {} });
    expect(cleanup.status).toBe(403);
    const cron = await rest('bob', 'POST', '/v1/jobs', {
      type: 'generation',
      data: { params: { duration: '1h' } },
      schedule: { id: 'every-minute', cron: '* * * * *' },
    });
    expect(cron.status).toBe(403);
    expect(cron.body.details).toMatchObject({ requiredScope: 'admin' });
  });
});
