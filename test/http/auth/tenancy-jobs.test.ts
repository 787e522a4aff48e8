import { ResourceListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CALLER } from '../../../src/core/caller.js';
import { scopeEngines } from '../../../src/engines/tenancy/index.js';
import type { RunningHttpServer } from '../../../src/http/server.js';
import type { TestEngines } from '../../helpers/engines.js';
import { callersOf, type ProtectedServer, startProtectedServer } from './protected-server.js';

/**
 * What jobs store and what exports write belong to the tenant that made
 * them: another tenant gets 404 for the parts of a job, never hears of them,
 * and cannot list, download, replace or delete another tenant's export files.
 */

let ps: ProtectedServer;
let engines: TestEngines;
let server: RunningHttpServer;
const tokens: Record<'alice' | 'bob', string> = { alice: '', bob: '' };
type Who = keyof typeof tokens;
const { rest, mcpClient } = callersOf<Who>(() => server, tokens);
async function runJob(who: Who, type: string, data: unknown) {
  const r = await rest(who, 'POST', '/v1/jobs', { type, data, waitMs: 30_000 });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.result.job as { id: string; state: string; result?: any; error?: any; tenant: string };
}

beforeAll(async () => {
  ps = await startProtectedServer();
  ({ engines, server } = ps);
  for (const who of ['alice', 'bob'] as const)
    tokens[who] = await ps.tokenFor(who, 'series:read series:write models jobs privacy');
}, 60_000);
afterAll(async () => {
  await ps?.close();
});

describe('series stored by jobs belong to the job tenant', () => {
  it("a generation job's parts are alice's: bob gets 404 and never hears of them", async () => {
    const bob = await mcpClient('bob');
    const alice = await mcpClient('alice');
    const heard: Record<Who, number> = { alice: 0, bob: 0 };
    bob.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
      heard.bob++;
    });
    alice.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
      heard.alice++;
    });
    try {
      const job = await runJob('alice', 'generation', {
        params: { devices: 2, duration: '1h', interval: '10m' },
        seed: 4,
      });
      expect(job.state, JSON.stringify(job)).toBe('completed');
      expect(job.tenant).toBe('alice');
      const parts = await rest('alice', 'POST', '/v1/tools/list_series', { tags: { 'tsiot.job': job.id } });
      expect(parts.status, JSON.stringify(parts.body)).toBe(200);
      const ids = (parts.body.result.items as { id: string }[]).map((s) => s.id);
      expect(ids.length).toBe(2);
      for (const id of ids) {
        expect((await rest('alice', 'GET', `/v1/series/${id}`)).status).toBe(200);
        expect((await rest('bob', 'GET', `/v1/series/${id}`)).status).toBe(404);
      }
      const bobs = await rest('bob', 'GET', '/v1/series');
      for (const id of ids) expect(JSON.stringify(bobs.body)).not.toContain(id);
      // the default tenant (the local user) does not own them either
      const local = scopeEngines(engines, LOCAL_CALLER);
      for (const id of ids) expect(await local.storage.describe(id)).toBeUndefined();
      // alice's session heard of her new series; bob's heard nothing
      await expect.poll(() => heard.alice, { timeout: 5_000 }).toBeGreaterThan(0);
      expect(heard.bob).toBe(0);
    } finally {
      await bob.close();
      await alice.close();
    }
  });

  it('a validation job of bob cannot read alice series, and its report is bob’s own', async () => {
    const gen = await rest('alice', 'POST', '/v1/generate', { duration: '2h', interval: '10m', seed: 1 });
    const aliceSeries = gen.body.result.series[0].id as string;
    const refused = await runJob('bob', 'validation', { synthetic: [aliceSeries] });
    expect(refused.state).toBe('dead');
    expect(refused.error.code).toBe('not_found');
    const own = await rest('bob', 'POST', '/v1/generate', { duration: '2h', interval: '10m', seed: 2 });
    const done = await runJob('bob', 'validation', { synthetic: [own.body.result.series[0].id] });
    expect(done.state, JSON.stringify(done)).toBe('completed');
    const reportId = done.result.reportId as string;
    const bobMcp = await mcpClient('bob');
    const aliceMcp = await mcpClient('alice');
    try {
      const read = await bobMcp.readResource({ uri: `tsiot://reports/${reportId}` });
      expect(read.contents.length).toBe(1);
      await expect(aliceMcp.readResource({ uri: `tsiot://reports/${reportId}` })).rejects.toThrow();
    } finally {
      await bobMcp.close();
      await aliceMcp.close();
    }
  });

  it('an export job of bob cannot export alice series, by id or by selection', async () => {
    const gen = await rest('alice', 'POST', '/v1/generate', {
      duration: '2h',
      interval: '10m',
      seed: 5,
      tags: { fleet: 'alice-only' },
    });
    expect(gen.status, JSON.stringify(gen.body)).toBe(200);
    const id = gen.body.result.series[0].id as string;
    const byId = await runJob('bob', 'export', { ids: [id] });
    expect(byId.state).toBe('dead');
    expect(byId.error.code).toBe('not_found');
    const bySelection = await runJob('bob', 'export', { selection: { tags: { fleet: 'alice-only' } } });
    expect(bySelection.state).toBe('dead');
    expect(bySelection.error.code).toBe('not_found');
    const mine = await runJob('alice', 'export', { selection: { tags: { fleet: 'alice-only' } } });
    expect(mine.state, JSON.stringify(mine)).toBe('completed');
    expect(mine.result.series).toBe(1);
  });
});

describe('export files are separated per tenant', () => {
  let aliceSeries = '';
  let aliceContent = '';

  beforeAll(async () => {
    const gen = await rest('alice', 'POST', '/v1/generate', { duration: '1h', interval: '10m', seed: 9 });
    aliceSeries = gen.body.result.series[0].id;
    const ex = await rest('alice', 'POST', '/v1/export', {
      ids: [aliceSeries],
      format: 'csv',
      fileName: 'shared-name.csv',
      inline: true,
    });
    expect(ex.status, JSON.stringify(ex.body)).toBe(200);
    aliceContent = ex.body.result.content;
  });

  it('alice lists and downloads her export', async () => {
    const list = await rest('alice', 'GET', '/v1/exports');
    expect(list.status).toBe(200);
    expect(list.body.exports.map((e: { name: string }) => e.name)).toContain('shared-name.csv');
    const got = await rest('alice', 'GET', '/v1/exports/shared-name.csv');
    expect(got.status).toBe(200);
    expect(got.text).toBe(aliceContent);
  });

  it("bob cannot list, fetch, delete or overwrite alice's export: 404, and his own file of that name is his", async () => {
    const list = await rest('bob', 'GET', '/v1/exports');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain('shared-name.csv');
    const fetched = await rest('bob', 'GET', '/v1/exports/shared-name.csv');
    expect(fetched.status).toBe(404);
    const ghost = await rest('bob', 'GET', '/v1/exports/never-written.csv');
    expect(fetched.body.detail.replace('shared-name.csv', 'X')).toBe(
      ghost.body.detail.replace('never-written.csv', 'X'),
    );
    expect((await rest('bob', 'DELETE', '/v1/exports/shared-name.csv')).status).toBe(404);
    // bob writing the same name (even with overwrite) writes into his own folder
    const own = await rest('bob', 'POST', '/v1/generate', { duration: '3h', interval: '10m', seed: 10 });
    const ex = await rest('bob', 'POST', '/v1/export', {
      ids: [own.body.result.series[0].id],
      fileName: 'shared-name.csv',
      overwrite: true,
      inline: true,
    });
    expect(ex.status, JSON.stringify(ex.body)).toBe(200);
    expect(ex.body.result.path).not.toBe((await rest('alice', 'GET', '/v1/exports')).body.exports[0]?.path);
    expect((await rest('bob', 'GET', '/v1/exports/shared-name.csv')).text).toBe(ex.body.result.content);
    expect((await rest('alice', 'GET', '/v1/exports/shared-name.csv')).text).toBe(aliceContent);
    // a path in the name is refused, not resolved
    expect((await rest('bob', 'GET', '/v1/exports/..%2F..%2Fexports%2Fshared-name.csv')).status).toBe(400);
  });

  it('a name is refused for a caller without the read scope', async () => {
    const none = await ps.tokenFor('alice', 'jobs');
    const r = await fetch(`${server.url}/v1/exports`, { headers: { authorization: `Bearer ${none}` } });
    expect(r.status).toBe(403);
    expect(r.headers.get('www-authenticate')).toContain('insufficient_scope');
  });
});

describe('the privacy ledger is the caller tenant’s', () => {
  it("bob's spend on a dataset of the same name never touches alice's ledger, and he cannot release her series", async () => {
    const release = async (who: Who, seriesId: string, epsilon: number) =>
      rest(who, 'POST', '/v1/privacy/releases', {
        seriesId,
        bounds: { temperature: { lower: -20, upper: 50 } },
        epsilon,
        unit: { kind: 'event' },
        dataset: 'plant-7',
      });
    const status = async (who: Who) =>
      (await rest(who, 'POST', '/v1/privacy/budget', { action: 'status', dataset: 'plant-7' })).body.result.status;
    const mine: Record<Who, string> = { alice: '', bob: '' };
    for (const who of ['alice', 'bob'] as const) {
      const gen = await rest(who, 'POST', '/v1/generate', { duration: '2h', interval: '10m', seed: 11 });
      mine[who] = gen.body.result.series[0].id;
    }
    const a = await release('alice', mine.alice, 1);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    const b = await release('bob', mine.bob, 2);
    expect(b.status, JSON.stringify(b.body)).toBe(200);
    expect((await status('alice')).spent.epsilon).toBeCloseTo(1, 6);
    expect((await status('bob')).spent.epsilon).toBeCloseTo(2, 6);
    expect((await status('alice')).tenant).toBe('alice');
    const bobsList = await rest('bob', 'POST', '/v1/privacy/budget', { action: 'list' });
    expect(bobsList.body.result.datasets.map((d: { tenant: string }) => d.tenant)).toEqual(['bob']);
    // alice's series is not bob's to release, and the refusal spends nothing
    expect((await release('bob', mine.alice, 1)).status).toBe(404);
    expect((await status('bob')).spent.epsilon).toBeCloseTo(2, 6);
    expect((await status('alice')).spent.epsilon).toBeCloseTo(1, 6);
    // the local user's single-tenant ledger is apart from both
    const local = scopeEngines(engines, LOCAL_CALLER).privacy.ledger;
    expect((await local.status('plant-7')).spent.epsilon).toBe(0);
  });
});
