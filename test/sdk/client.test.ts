import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import { TOOL_NAMES, TsiotApiError, TsiotClient } from '../../src/index.js';
import { startHttpServer, type RunningHttpServer } from '../../src/http/server.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { tools } from '../../tools/index.js';
import { makeEngines, type TestEngines } from '../helpers/engines.js';
import { closedPort } from '../helpers/servers.js';

describe('TsiotClient against a real tsiot HTTP server', () => {
  let engines: TestEngines;
  let server: RunningHttpServer;
  let client: TsiotClient;

  beforeAll(async () => {
    engines = await makeEngines();
    server = await startHttpServer({
      engines,
      tools,
      createMcpServer: () => createMcpServer(engines, { tools, resources, prompts }),
      port: 0,
      logger: engines.logger,
    });
    client = new TsiotClient({ baseUrl: server.url });
  });
  afterAll(async () => {
    await server.close();
    await engines.close();
  });

  it('types every tool the server has', () => {
    expect([...TOOL_NAMES].sort()).toEqual(tools.map((t) => t.name).sort());
  });

  it('generates, lists, reads every point by async iteration, compares and plots', async () => {
    const gen = await client.generate({
      devices: 2,
      duration: '6h',
      interval: '1m',
      seed: 11,
      tags: { sdk: 'yes' },
      anomalies: [{ type: 'spike', count: 1 }],
    });
    expect(gen.series).toHaveLength(2);
    const [a, b] = gen.series.map((s) => s.id);
    const listed = await client.listSeries({ tags: { sdk: 'yes' } });
    expect(listed.total).toBe(2);

    let rows = 0;
    let last = -Infinity;
    for await (const p of client.points(a!, { pageSize: 100 })) {
      expect(p.t).toBeGreaterThan(last);
      last = p.t;
      rows++;
    }
    expect(rows).toBe(360);

    const cmp = await client.compare({ a: a!, b: b! });
    expect(cmp.score).toBeGreaterThanOrEqual(0);
    expect(cmp.columns[0]!.column).toBe('temperature');

    const plot = await client.plot({ series: a!, compare: b!, width: 300 });
    expect(plot.mimeType).toBe('image/png');
    const png = PNG.sync.read(Buffer.from(plot.image));
    expect([png.width, png.height]).toEqual([plot.info.width, plot.info.height]);
  });

  it('runs a job and reports progress until done', async () => {
    const job = await client.startJob({
      type: 'generation',
      data: { params: { devices: 2, duration: '2h', interval: '1m' }, seed: 3 },
    });
    const states: string[] = [];
    const done = await job.done({ onProgress: (j) => states.push(j.state), timeoutMs: 30_000 });
    expect(done.state).toBe('completed');
    expect(states.at(-1)).toBe('completed');
  });

  it('throws typed errors from the problem documents, and names an unreachable server', async () => {
    const notFound = await client.getSeries('ser_absent').catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(TsiotApiError);
    expect(notFound).toMatchObject({ status: 404, code: 'not_found' });
    const bad = await client.generate({ devices: -1 }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, code: 'invalid_input' });
    expect((bad as Error).message).toMatch(/devices/);
    const offline = new TsiotClient({ baseUrl: `http://127.0.0.1:${await closedPort()}` });
    const down = await offline.health().catch((e: unknown) => e);
    expect(down).toMatchObject({ code: 'unavailable', status: 0, retryable: true });
  });

  it('sends the token as a Bearer header', async () => {
    const seen: string[] = [];
    const spy = new TsiotClient({
      baseUrl: server.url,
      token: 's3cret',
      fetch: (url, init) => {
        seen.push(new Headers(init?.headers).get('authorization') ?? '');
        return fetch(url, init);
      },
    });
    expect((await spy.health()).status).toBe('ok');
    expect(seen).toEqual(['Bearer s3cret']);
  });
});
