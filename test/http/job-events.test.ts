import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TsiotEvent } from '../../src/engines/events/types.js';
import { mountJobEvents, parseJobEventFilter } from '../../src/http/job-events.js';
import { startHttpServer, type RunningHttpServer } from '../../src/http/server.js';
import { tools } from '../../tools/index.js';
import { makeEngines, type TestEngines } from '../helpers/engines.js';
import { mcpServerFactory, silentLogger } from '../mcp/transports/fixtures.js';

/** An open SSE response read frame by frame. */
interface Feed {
  /** The next frame (event or comment), waiting for it. */
  next(): Promise<{ event?: string; id?: string; data?: string; comment?: string }>;
  close(): void;
}

async function openFeed(url: string): Promise<Feed & { status: number; contentType: string | null }> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    async next() {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const out: { event?: string; id?: string; data?: string; comment?: string } = {};
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) out.comment = line.slice(1).trim();
            else if (line.startsWith('event: ')) out.event = line.slice(7);
            else if (line.startsWith('id: ')) out.id = line.slice(4);
            else if (line.startsWith('data: '))
              out.data = (out.data === undefined ? '' : `${out.data}\n`) + line.slice(6);
          }
          return out;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the feed ended');
        buffer += decoder.decode(value, { stream: true });
      }
    },
    close: () => abort.abort(),
  };
}

/** Read events until `stop` says so; returns them all. */
async function readUntil(feed: Feed, stop: (e: TsiotEvent) => boolean): Promise<TsiotEvent[]> {
  const seen: TsiotEvent[] = [];
  for (;;) {
    const frame = await feed.next();
    if (frame.data === undefined) continue;
    const event = JSON.parse(frame.data) as TsiotEvent;
    expect(frame.event).toBe(event.type);
    expect(frame.id).toBe(event.id);
    seen.push(event);
    if (stop(event)) return seen;
  }
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const generationJob = {
  type: 'generation',
  data: { params: { devices: 2, duration: '2h', interval: '1m' }, seed: 11, name: 'feed-test' },
};

describe('GET /v1/jobs/events', () => {
  let engines: TestEngines;
  let server: RunningHttpServer;
  let active = 0;

  beforeAll(async () => {
    engines = await makeEngines();
    // count live subscriptions on the real bus, to see clients leave
    const bus = engines.jobs.events;
    const subscribe = bus.subscribe.bind(bus);
    bus.subscribe = (listener) => {
      active++;
      const off = subscribe(listener);
      return () => {
        active--;
        off();
      };
    };
    server = await startHttpServer({
      engines,
      tools,
      createMcpServer: mcpServerFactory().create,
      port: 0,
      logger: silentLogger,
    });
  });
  afterAll(async () => {
    await server.close();
    await engines.close();
  });

  async function startJob(): Promise<string> {
    const res = await fetch(`${server.url}/v1/tools/start_job`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(generationJob),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { job: { id: string } } };
    return body.result.job.id;
  }

  it('streams a generation job from job.started to job.completed', { timeout: 30_000 }, async () => {
    const feed = await openFeed(`${server.url}/v1/jobs/events`);
    expect(feed.status).toBe(200);
    expect(feed.contentType).toMatch(/^text\/event-stream/);
    await until(() => active === 1, 'the subscription');
    const jobId = await startJob();
    const events = (
      await readUntil(feed, (e) => e.jobId === jobId && (e.type === 'job.completed' || e.type === 'job.failed'))
    ).filter((e) => e.jobId === jobId);
    feed.close();
    const types = events.map((e) => e.type);
    expect(types.at(-1)).toBe('job.completed');
    expect(types).toContain('job.started');
    expect(types.indexOf('job.started')).toBeLessThan(types.indexOf('job.completed'));
    await until(() => active === 0, 'the unsubscribe after the client left');
  });

  it('with ?job and ?types replays the logged history once, then follows live', { timeout: 30_000 }, async () => {
    const jobId = await startJob();
    const live = await openFeed(`${server.url}/v1/jobs/events?job=${jobId}&types=job.completed,job.failed`);
    const [done] = await readUntil(live, () => true);
    expect(done).toMatchObject({ type: 'job.completed', jobId });
    live.close();
    // after it finished: the history holds it, sent exactly once
    const late = await openFeed(`${server.url}/v1/jobs/events?job=${jobId}`);
    const history = await readUntil(late, (e) => e.type === 'job.completed');
    late.close();
    expect(history.map((e) => e.type)).toContain('job.started');
    expect(history.every((e) => e.jobId === jobId)).toBe(true);
    expect(new Set(history.map((e) => e.id)).size).toBe(history.length);
    await until(() => active === 0, 'the unsubscribes');
  });

  it('refuses a malformed filter with a 400 problem naming the parameter', async () => {
    const res = await fetch(`${server.url}/v1/jobs/events?types=job.completed,,bad%20type`);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { code: string; detail: string };
    expect(problem.code).toBe('invalid_input');
    expect(problem.detail).toContain('types');
    expect(active).toBe(0);
  });

  it('leaves GET /v1/jobs/:id to get_job', async () => {
    const res = await fetch(`${server.url}/v1/jobs/job_doesnotexist`);
    expect(res.status).toBe(404);
  });
});

describe('job event feed heartbeat', () => {
  it('sends a comment when idle', { timeout: 10_000 }, async () => {
    const engines = await makeEngines();
    const app = new Hono();
    mountJobEvents(app, { events: () => engines.jobs.events, logger: silentLogger, heartbeatMs: 50 });
    const http = createServer(getRequestListener(app.fetch, { overrideGlobalObjects: false }));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const feed = await openFeed(`http://127.0.0.1:${(http.address() as AddressInfo).port}/v1/jobs/events`);
      expect(await feed.next()).toEqual({ comment: 'heartbeat' });
      expect(await feed.next()).toEqual({ comment: 'heartbeat' });
      feed.close();
    } finally {
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
      await engines.close();
    }
  });
});

describe('parseJobEventFilter', () => {
  it('reads job and types', () => {
    expect(parseJobEventFilter({})).toEqual({});
    const f = parseJobEventFilter({ job: 'job_1', types: 'job.completed, job.failed' });
    expect(f.job).toBe('job_1');
    expect([...f.types!]).toEqual(['job.completed', 'job.failed']);
    expect(() => parseJobEventFilter({ job: '' })).toThrow(/job/);
    expect(() => parseJobEventFilter({ types: '' })).toThrow(/types/);
  });
});
