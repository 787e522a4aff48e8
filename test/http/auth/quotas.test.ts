import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/core/config.js';
import type { RunningHttpServer } from '../../../src/http/server.js';
import { callersOf, type ProtectedServer, startProtectedServer } from './protected-server.js';

/** Per-tenant quotas: stored values and jobs at once, each tenant counted apart, refusals that say what to do. */

const MAX_VALUES = 200;
let ps: ProtectedServer;
let server: RunningHttpServer;
const tokens: Record<'alice' | 'bob', string> = { alice: '', bob: '' };
type Who = keyof typeof tokens;
const { rest } = callersOf<Who>(() => server, tokens);
/** Generator parameters of a one-sensor series of `rows` rows (rows × 1 values). */
const params = (rows: number) => ({ points: rows, interval: '1m', sensors: [{ type: 'temperature' }] });
const series = (rows: number, seed: number) => ({ ...params(rows), seed });

beforeAll(async () => {
  ps = await startProtectedServer({ config: { tenancy: { maxStoredValues: MAX_VALUES, maxRunningJobs: 1 } } });
  ({ server } = ps);
  for (const who of ['alice', 'bob'] as const) tokens[who] = await ps.tokenFor(who, 'series:read series:write jobs');
}, 60_000);
afterAll(async () => {
  await ps?.close();
});

describe('quota of stored values', () => {
  it('refuses a store past the quota with 403 naming the quota, the use, the limit and what to do', async () => {
    const first = await rest('alice', 'POST', '/v1/generate', series(150, 1));
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const id = first.body.result.series[0].id as string;
    const over = await rest('alice', 'POST', '/v1/generate', series(60, 2));
    expect(over.status).toBe(403);
    expect(over.body.detail).toContain('Storage quota exceeded');
    expect(over.body.detail).toContain(`${MAX_VALUES}`);
    expect(over.body.details).toMatchObject({ quota: 'storedValues', used: 150, adding: 60, limit: MAX_VALUES });
    expect(over.body.hint).toContain('TSIOT_QUOTA_STORED_VALUES');
    // nothing of the refused call was kept
    expect((await rest('alice', 'GET', '/v1/series')).body.result.total).toBe(1);
    // without storing, the same generation is not counted
    const unstored = await rest('alice', 'POST', '/v1/generate', { ...series(60, 2), store: false });
    expect(unstored.status, JSON.stringify(unstored.body)).toBe(200);
    // bob's quota is his own
    expect((await rest('bob', 'POST', '/v1/generate', series(150, 3))).status).toBe(200);
    // deleting frees room
    expect((await rest('alice', 'DELETE', `/v1/series/${id}`)).status).toBe(200);
    expect((await rest('alice', 'POST', '/v1/generate', series(60, 2))).status).toBe(200);
  });

  it('a generation job past the quota fails at once, naming the quota', async () => {
    const job = await rest('bob', 'POST', '/v1/jobs', {
      type: 'generation',
      data: { params: params(100), seed: 4 },
      waitMs: 20_000,
    });
    expect(job.status, JSON.stringify(job.body)).toBe(200);
    expect(job.body.result.job.state).toBe('dead');
    expect(job.body.result.job.attempts).toBe(1);
    expect(job.body.result.job.error.message).toContain('Storage quota exceeded');
  });
});

describe('quota of jobs at once', () => {
  it('refuses a second queued job with 429 naming the quota; another tenant and a finished job make room', async () => {
    const start = (who: Who) =>
      rest(who, 'POST', '/v1/jobs', { type: 'generation', data: { params: params(5), seed: 5 }, delayMs: 60_000 });
    const first = await start('alice');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const second = await start('alice');
    expect(second.status).toBe(429);
    expect(second.body.detail).toContain('Job quota reached');
    expect(second.body.details).toMatchObject({ quota: 'runningJobs', used: 1, limit: 1 });
    expect(second.body.hint).toContain('cancel_job');
    const bobs = await start('bob');
    expect(bobs.status).toBe(200);
    expect((await rest('alice', 'DELETE', `/v1/jobs/${first.body.result.job.id}`)).status).toBe(200);
    expect((await start('alice')).status).toBe(200);
  });
});

describe('configuration', () => {
  it('reads the quotas from the environment', () => {
    const config = loadConfig({}, { TSIOT_QUOTA_STORED_VALUES: '1000000', TSIOT_QUOTA_RUNNING_JOBS: '4' });
    expect(config.tenancy).toEqual({ maxStoredValues: 1_000_000, maxRunningJobs: 4 });
    expect(() => loadConfig({}, { TSIOT_QUOTA_RUNNING_JOBS: 'many' })).toThrow(/tenancy\.maxRunningJobs/);
  });
});
