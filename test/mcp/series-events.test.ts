/**
 * Every path that stores a series tells a subscribed MCP client
 * (resources/list_changed), and every deletion tells the subscribers of that
 * series (resources/updated): the announcements come from the one store path
 * (engines.series), whichever tool or job made the change.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { tools } from '../../tools/index.js';
import { makeEngines, type TestEngines } from '../helpers/engines.js';

let engines: TestEngines;
let client: Client;
let server: ReturnType<typeof createMcpServer>;
let listChanged = 0;
let updated: string[] = [];
let trainingId = '';

type Out = Record<string, any>;

async function ok(name: string, args: Record<string, unknown>): Promise<Out> {
  const r = (await client.callTool({ name, arguments: args })) as {
    isError?: boolean;
    structuredContent?: Out;
    content: { text: string }[];
  };
  if (r.isError) throw new Error(`${name} failed: ${r.content[0]?.text}`);
  return r.structuredContent!;
}

async function waitFor(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  expect(cond(), what).toBe(true);
}

const storedIds = (out: Out) => (out.series as { id: string | null }[]).map((s) => s.id).filter(Boolean);

beforeAll(async () => {
  engines = await makeEngines();
  server = createMcpServer(engines, { tools, resources, prompts });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  client = new Client({ name: 'series-events', version: '0.0.0' });
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
    listChanged += 1;
  });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    updated.push(n.params.uri);
  });
  await client.connect(clientSide);
  const training = await ok('generate_timeseries', {
    seed: 'training',
    devices: 2,
    duration: '3d',
    interval: '1h',
    sensors: [{ type: 'temperature' }],
  });
  trainingId = storedIds(training)[0]!;
});
afterAll(async () => {
  await client?.close();
  await server?.close();
  await engines?.close();
});
beforeEach(async () => {
  // anything still in flight from the setup or the previous case lands before the count restarts
  await new Promise((r) => setTimeout(r, 100));
  listChanged = 0;
  updated = [];
});

async function fitStatistical(): Promise<string> {
  const fit = await ok('fit_model', {
    generator: 'statistical',
    data: { seriesId: trainingId },
    options: { periods: [24] },
    seed: 1,
    waitSeconds: 120,
  });
  expect(fit.status).toBe('ready');
  return fit.id;
}

describe('resources/list_changed for every path that stores a series', () => {
  it('generate_timeseries', async () => {
    const out = await ok('generate_timeseries', { duration: '1h', seed: 1 });
    expect(storedIds(out)).toHaveLength(1);
    await waitFor(() => listChanged > 0, 'list_changed after generate_timeseries');
  });

  it('generate_timeseries with validate', async () => {
    const out = await ok('generate_timeseries', { duration: '1h', seed: 2, validate: true });
    expect(out.validation.reportId).toBeTruthy();
    await waitFor(() => listChanged > 0, 'list_changed after generate_timeseries with validate');
  });

  it('generate_timeseries with a fitted model (fit, then sample)', async () => {
    const id = await fitStatistical();
    await new Promise((r) => setTimeout(r, 100));
    expect(listChanged, 'fitting stores no series').toBe(0);
    const out = await ok('generate_timeseries', { model: id, params: { length: 24 }, seed: 3 });
    expect(storedIds(out)).toHaveLength(1);
    await waitFor(() => listChanged > 0, 'list_changed after sampling a model through generate_timeseries');
  });

  it('generate_from_model', async () => {
    const id = await fitStatistical();
    const out = await ok('generate_from_model', { id, length: 24, count: 2, seed: 4 });
    expect(storedIds(out)).toHaveLength(2);
    await waitFor(() => listChanged > 0, 'list_changed after generate_from_model');
  });

  it('synthesize_like', async () => {
    const out = await ok('synthesize_like', { data: { seriesId: trainingId }, seed: 5, options: { periods: [24] } });
    expect(storedIds(out)).toHaveLength(1);
    await waitFor(() => listChanged > 0, 'list_changed after synthesize_like');
  });

  it('a generation job', async () => {
    const started = await ok('start_job', { type: 'generation', data: { params: { duration: '2h' }, seed: 6 } });
    const done = await ok('get_job', { id: started.job.id, waitMs: 20_000 });
    expect(done.job.state).toBe('completed');
    await waitFor(() => listChanged > 0, 'list_changed after a generation job stored its chunks');
  });

  it('and none when nothing is stored', async () => {
    await ok('generate_timeseries', { duration: '1h', seed: 7, store: false });
    const id = await fitStatistical();
    await ok('generate_from_model', { id, length: 24, seed: 7, store: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(listChanged).toBe(0);
  });
});

describe('resources/updated for a subscribed series that is deleted', () => {
  it('delete_series', async () => {
    const out = await ok('generate_timeseries', { duration: '1h', seed: 8 });
    const [id] = storedIds(out);
    const uri = `tsiot://series/${encodeURIComponent(id!)}`;
    const other = `tsiot://series/${encodeURIComponent(storedIds(await ok('generate_timeseries', { seed: 9, duration: '1h' }))[0]!)}`;
    await client.subscribeResource({ uri });
    await client.subscribeResource({ uri: other });
    listChanged = 0;
    await ok('delete_series', { id });
    await waitFor(() => updated.includes(uri), `resources/updated for ${uri}`);
    expect(listChanged).toBeGreaterThan(0);
    expect(updated).not.toContain(other);
    // deleting what is gone announces nothing
    updated = [];
    const again = await ok('delete_series', { id });
    expect(again.deleted).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(updated).toEqual([]);
  });

  it('a cleanup job', async () => {
    const out = await ok('generate_timeseries', { duration: '1h', seed: 10, tags: { cleanup: 'me' } });
    const [id] = storedIds(out);
    const uri = `tsiot://series/${encodeURIComponent(id!)}`;
    await client.subscribeResource({ uri });
    const started = await ok('start_job', {
      type: 'cleanup',
      data: { olderThan: '0s', by: 'data', tags: { cleanup: 'me' } },
    });
    const done = await ok('get_job', { id: started.job.id, waitMs: 20_000 });
    expect(done.job.state).toBe('completed');
    expect(done.job.result.deleted).toBe(1);
    await waitFor(() => updated.includes(uri), `resources/updated for ${uri} after cleanup`);
  });
});
