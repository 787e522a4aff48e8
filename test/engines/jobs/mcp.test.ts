import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelJob } from '../../../tools/cancel-job.js';
import { getJob } from '../../../tools/get-job.js';
import { listJobs } from '../../../tools/list-jobs.js';
import { requeueJob } from '../../../tools/requeue-job.js';
import { startJob } from '../../../tools/start-job.js';
import { jobsResource, jobUri, notifyJobResourceUpdates } from '../../../resources/jobs.js';
import { InProcessEventBus } from '../../../src/engines/events/memory-bus.js';
import { defaultJobHandlers } from '../../../src/engines/jobs/index.js';
import { InProcessJobEngine } from '../../../src/engines/jobs/in-process.js';
import type { DocumentStore } from '../../../src/engines/storage/storage.js';
import { createMcpServer } from '../../../src/mcp/server.js';
import { makeEngines, type TestEngines } from '../../helpers/engines.js';
import { waitFor } from './helpers/redis.js';
import { windowGenerator } from './helpers/window-generator.js';

describe('job tools and the jobs resource over MCP', () => {
  let engines: TestEngines;
  let jobs: InProcessJobEngine;
  let client: Client;
  let stopNotifier: () => void;
  const updated: string[] = [];

  beforeAll(async () => {
    engines = await makeEngines();
    engines.generators.register(windowGenerator);
    const documents = engines.storage as unknown as DocumentStore;
    jobs = new InProcessJobEngine({
      documents,
      registry: defaultJobHandlers({ generators: engines.generators, storage: engines.storage }),
      events: new InProcessEventBus(documents),
      logger: engines.logger,
    });
    await jobs.init();
    Object.assign(engines, { jobs });
    const server = createMcpServer(engines, {
      tools: [startJob, getJob, listJobs, cancelJob, requeueJob],
      resources: [jobsResource],
      prompts: [],
    });
    stopNotifier = notifyJobResourceUpdates(server, jobs, { progressEveryMs: 0 });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    client = new Client({ name: 'test', version: '1' });
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
    await client.connect(b);
  });

  afterAll(async () => {
    stopNotifier?.();
    await client?.close();
    await jobs?.close();
    await engines?.close();
  });

  it('start_job with waitMs reports progress, and resource updates arrive for the job', async () => {
    const progress: number[] = [];
    const res = await client.callTool(
      {
        name: 'start_job',
        arguments: {
          type: 'generation',
          data: {
            generator: 'window-ramp',
            params: { start: 0, points: 4000, interval: 1000, slowMs: 20 },
            seed: 1,
            chunkValues: 1000,
          },
          waitMs: 20_000,
        },
      },
      undefined,
      { onprogress: (p) => void progress.push(p.progress) },
    );
    expect(res.isError).toBeFalsy();
    const job = (res.structuredContent as { job: { id: string; state: string } }).job;
    expect(job.state).toBe('completed');
    expect(progress.length).toBeGreaterThan(0);
    await waitFor('resource updated', async () => updated.includes(jobUri(job.id)));
    const read = await client.readResource({ uri: jobUri(job.id) });
    const body = JSON.parse((read.contents[0] as { text: string }).text) as {
      state: string;
      events: { type: string }[];
    };
    expect(body.state).toBe('completed');
    expect(body.events.map((e) => e.type)).toContain('generation.completed');
    const list = await client.callTool({ name: 'list_jobs', arguments: { state: 'completed' } });
    expect((list.structuredContent as { jobs: { id: string }[] }).jobs.map((j) => j.id)).toContain(job.id);
  });

  it('runs the statistical generator in chunks of device rows without gaps or duplicates', async () => {
    const res = await client.callTool({
      name: 'start_job',
      arguments: {
        type: 'generation',
        data: {
          params: { devices: 2, duration: '1d', interval: '1m', sensors: [{ type: 'temperature' }] },
          seed: 11,
          chunkValues: 1000,
        },
        waitMs: 30_000,
      },
    });
    const job = (
      res.structuredContent as { job: { id: string; state: string; result: { chunks: number; values: number } } }
    ).job;
    expect(job.state).toBe('completed');
    // each device's 1,440 rows exceed 1,000 values, so each is cut in two windows: 2 devices x 2
    expect(job.result).toMatchObject({ chunks: 4, values: 2 * 1440 });
    const parts = await engines.storage.list({ tags: { 'tsiot.job': job.id }, limit: 100 });
    expect(parts.items).toHaveLength(4);
    const byDevice = new Map<string, number[]>();
    for (const p of parts.items) {
      const part = await engines.storage.retrieve({ id: p.id });
      const device = String(part.metadata.deviceId);
      byDevice.set(device, [...(byDevice.get(device) ?? []), ...part.timestamps]);
    }
    expect(byDevice.size).toBe(2);
    for (const stamps of byDevice.values()) {
      expect(new Set(stamps).size).toBe(1440);
      expect(stamps.length).toBe(1440);
    }
  });

  it('errors are tool results naming the problem', async () => {
    const unknown = await client.callTool({ name: 'get_job', arguments: { id: 'generation-0123456789abcdef' } });
    expect(unknown.isError).toBe(true);
    expect(JSON.stringify(unknown.content)).toContain('not_found');
    const done = (await jobs.list({ state: 'completed', limit: 1 }))[0]!;
    const again = await client.callTool({ name: 'cancel_job', arguments: { id: done.id } });
    expect(again.isError).toBe(true);
    expect(JSON.stringify(again.content)).toContain('conflict');
    const cron = await client.callTool({
      name: 'start_job',
      arguments: { type: 'cleanup', data: { olderThan: '30d' }, schedule: { id: 'nightly', cron: '0 0 * *' } },
    });
    expect(cron.isError).toBe(true);
    expect((cron.content as { text: string }[])[0]!.text).toMatch(/cron.*Examples: "0 \* \* \* \*"/);
    const unsupported = await client.callTool({ name: 'start_job', arguments: { type: 'training', data: {} } });
    expect(unsupported.isError).toBe(true);
    expect(JSON.stringify(unsupported.content)).toContain('unsupported');
  });

  it('schedules are created, listed and removed through the tools', async () => {
    const s = await client.callTool({
      name: 'start_job',
      arguments: { type: 'cleanup', data: { olderThan: '30d' }, schedule: { id: 'nightly', cron: '0 3 * * *' } },
    });
    expect(s.isError).toBeFalsy();
    const list = await client.callTool({ name: 'list_jobs', arguments: { view: 'schedules' } });
    expect((list.structuredContent as { schedules: { id: string; next: string }[] }).schedules).toEqual([
      expect.objectContaining({ id: 'nightly', next: expect.stringMatching(/T03:00:00/) }),
    ]);
    expect((await client.callTool({ name: 'cancel_job', arguments: { scheduleId: 'nightly' } })).isError).toBeFalsy();
    expect((await client.callTool({ name: 'cancel_job', arguments: { scheduleId: 'nightly' } })).isError).toBe(true);
  });
});
