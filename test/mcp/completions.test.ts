/**
 * MCP completion/complete through a real SDK Client, over an in-memory pair,
 * stdio (a spawned `tsiot mcp`) and Streamable HTTP (`tsiot serve`'s stack):
 * stored ids of series, reports, jobs and models by prefix, and the
 * arguments of design_sensor_fleet.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimeSeries } from '../../src/core/types.js';
import { startHttpServer } from '../../src/http/server.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import { tools } from '../../tools/index.js';
import { cliArgs, repoRoot } from '../helpers/cli.js';
import { makeEngines, type TestEngines } from '../helpers/engines.js';

interface Connection {
  client: Client;
  /** The engines behind the server, when it runs in this process. */
  engines?: TestEngines;
  close(): Promise<void>;
}

type Structured = Record<string, any>;

async function ok(client: Client, name: string, args: Record<string, unknown>): Promise<Structured> {
  const r = (await client.callTool({ name, arguments: args })) as {
    isError?: boolean;
    structuredContent?: Structured;
    content: { text: string }[];
  };
  if (r.isError) throw new Error(`${name} failed: ${r.content[0]?.text}`);
  return r.structuredContent!;
}

const resource = (uri: string, value: string) =>
  ({ ref: { type: 'ref/resource', uri }, argument: { name: 'id', value } }) as const;
const promptArg = (name: string, value: string, prompt = 'design_sensor_fleet') =>
  ({ ref: { type: 'ref/prompt', name: prompt }, argument: { name, value } }) as const;

function describeCompletions(transport: string, connect: () => Promise<Connection>): void {
  describe(`MCP completions over ${transport}`, () => {
    let conn: Connection;
    let client: Client;
    const ids = { series: [] as string[], later: [] as string[], report: '', job: '', model: '' };

    beforeAll(async () => {
      conn = await connect();
      client = conn.client;
      const gen = (seed: number) =>
        ok(client, 'generate_timeseries', {
          devices: 2,
          duration: '6h',
          interval: '1m',
          sensors: [{ type: 'temperature' }],
          seed,
        });
      ids.series = (await gen(1)).series.map((x: { id: string }) => x.id);
      const checked = await ok(client, 'generate_timeseries', {
        devices: 1,
        duration: '6h',
        interval: '1m',
        sensors: [{ type: 'humidity' }],
        seed: 2,
        validate: true,
      });
      ids.later = checked.series.map((x: { id: string }) => x.id);
      ids.report = checked.validation.reportId;
      ids.job = (await ok(client, 'start_job', { type: 'cleanup', data: { olderThan: '30d', dryRun: true } })).job.id;
      const fit = await ok(client, 'fit_model', {
        generator: 'arima',
        data: { seriesId: ids.series[0] },
        seed: 1,
        waitSeconds: 120,
      });
      expect(fit.status).toBe('ready');
      ids.model = fit.id;
    }, 180_000);

    afterAll(async () => {
      await conn?.close();
    });

    it('declares the completions capability', () => {
      expect(client.getServerCapabilities()?.completions).toEqual({});
    });

    it('completes series ids from storage by prefix', async () => {
      const all = (await client.complete(resource('tsiot://series/{id}', ''))).completion;
      for (const id of [...ids.series, ...ids.later]) expect(all.values).toContain(id);
      expect(all.hasMore).toBe(false);
      expect(all.total).toBe(all.values.length);
      const target = ids.series[1]!;
      const some = (await client.complete(resource('tsiot://series/{id}', target.slice(0, 7)))).completion;
      expect(some.values).toContain(target);
      expect(some.values.every((v) => v.startsWith(target.slice(0, 7)))).toBe(true);
      expect((await client.complete(resource('tsiot://series/{id}', target))).completion.values).toEqual([target]);
      expect((await client.complete(resource('tsiot://series/{id}', 'ser_no-such-'))).completion).toEqual({
        values: [],
        total: 0,
        hasMore: false,
      });
    });

    it('completes report, job and model ids', async () => {
      const report = (await client.complete(resource('tsiot://reports/{id}', ids.report.slice(0, 5)))).completion;
      expect(report.values).toContain(ids.report);
      const job = (await client.complete(resource('tsiot://jobs/{id}', 'cleanup-'))).completion;
      expect(job.values).toContain(ids.job);
      expect(job.values.every((v) => v.startsWith('cleanup-'))).toBe(true);
      expect((await client.complete(resource('tsiot://jobs/{id}', 'generation-'))).completion.values).not.toContain(
        ids.job,
      );
      const model = (await client.complete(resource('tsiot://models/{id}', 'mdl_'))).completion;
      expect(model.values).toEqual([ids.model]);
    });

    it('the model resource is listed and readable', async () => {
      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('tsiot://models/{id}');
      const { resources: listed } = await client.listResources();
      const uri = `tsiot://models/${ids.model}`;
      expect(listed.map((r) => r.uri)).toContain(uri);
      const read = await client.readResource({ uri });
      const body = JSON.parse((read.contents[0] as { text: string }).text);
      expect(body).toMatchObject({ id: ids.model, generator: 'arima', columns: ['temperature'] });
      await expect(client.readResource({ uri: 'tsiot://models/mdl_missing' })).rejects.toThrow(/does not exist/);
    });

    it('completes design_sensor_fleet arguments: sensor presets, generator names, purposes', async () => {
      expect((await client.complete(promptArg('sensors', 'vib'))).completion.values).toEqual(['vibration']);
      expect((await client.complete(promptArg('sensors', 'temperature,hu'))).completion.values).toEqual([
        'temperature,humidity',
      ]);
      // presets already chosen are not offered again
      const rest = (await client.complete(promptArg('sensors', 'temperature, '))).completion.values;
      expect(rest).toContain('temperature,vibration');
      expect(rest).not.toContain('temperature,temperature');
      expect((await client.complete(promptArg('sensors', 'P'))).completion.values).toEqual(['pressure', 'power']);
      const gens = (await client.complete(promptArg('generator', ''))).completion.values;
      expect(gens).toEqual(expect.arrayContaining(['statistical', 'arima']));
      expect((await client.complete(promptArg('generator', 'sta'))).completion.values).toEqual(['statistical']);
      expect((await client.complete(promptArg('purpose', 'anomaly'))).completion.values).toEqual([
        'anomaly-detector training',
      ]);
      const got = await client.getPrompt({
        name: 'design_sensor_fleet',
        arguments: { description: 'pumps', sensors: 'vibration,temperature', generator: 'statistical' },
      });
      expect((got.messages[0]!.content as { text: string }).text).toContain(
        'Use these sensor presets: vibration, temperature.',
      );
      await expect(
        client.getPrompt({ name: 'design_sensor_fleet', arguments: { description: 'pumps', sensors: 'lava' } }),
      ).rejects.toThrow(/sensors: expected comma-separated sensor presets/);
    });

    it('has nothing to offer for arguments without completion or references it does not know', async () => {
      const none = { values: [], total: 0, hasMore: false };
      expect((await client.complete(promptArg('description', '50 pumps'))).completion).toEqual(none);
      expect((await client.complete(promptArg('arg1', 'test', 'test_prompt_with_arguments'))).completion).toEqual(none);
      expect((await client.complete(resource('tsiot://generators', ''))).completion).toEqual(none);
      expect((await client.complete(resource('tsiot://nothing/{id}', ''))).completion).toEqual(none);
      expect((await client.complete(resource('tsiot://series/{id}', 'x'.repeat(300)))).completion).toEqual(none);
    });
  });
}

describeCompletions('an in-memory pair', async () => {
  const engines = await makeEngines();
  const server = createMcpServer(engines, { tools, resources, prompts });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: 'tsiot-completions', version: '0.0.0' });
  await client.connect(b);
  return {
    client,
    engines,
    async close() {
      await client.close();
      await server.close();
      await engines.close();
    },
  };
});

describeCompletions('stdio (a spawned `tsiot mcp`)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tsiot-complete-'));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: cliArgs('mcp', '--data-dir', dataDir),
    cwd: repoRoot,
    env: { ...(process.env as Record<string, string>), TSIOT_LOG_LEVEL: 'warn' },
    stderr: 'inherit',
  });
  const client = new Client({ name: 'tsiot-completions-stdio', version: '0.0.0' });
  await client.connect(transport);
  return {
    client,
    async close() {
      await client.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

describeCompletions('Streamable HTTP (/mcp)', async () => {
  const engines = await makeEngines();
  const server = await startHttpServer({
    engines,
    tools,
    createMcpServer: () => createMcpServer(engines, { tools, resources, prompts }),
    host: '127.0.0.1',
    port: 0,
    logger: engines.logger,
  });
  const client = new Client({ name: 'tsiot-completions-http', version: '0.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
  return {
    client,
    async close() {
      await client.close();
      await server.close();
      await engines.close();
    },
  };
});

describe('MCP completions: bounds', () => {
  let engines: TestEngines;
  let client: Client;

  beforeAll(async () => {
    engines = await makeEngines();
    const server = createMcpServer(engines, { tools, resources, prompts });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    client = new Client({ name: 'tsiot-completions-bounds', version: '0.0.0' });
    await client.connect(b);
  });

  afterAll(async () => {
    await client?.close();
    await engines?.close();
  });

  const series = (id: string, createdAt?: string): TimeSeries => ({
    id,
    name: id,
    metadata: { tags: {}, ...(createdAt ? { createdAt } : {}) },
    timestamps: Float64Array.from([0, 1000]),
    columns: [{ name: 'v', values: Float64Array.from([1, 2]) }],
    labels: [],
  });

  it('answers at most 100 values, newest first, and says how many matched', async () => {
    for (let i = 0; i < 130; i++) {
      const at = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
      await engines.storage.store(series(`bulk-${String(i).padStart(3, '0')}`, at));
    }
    await engines.storage.store(series('bulk-undated'));
    const r = (await client.complete(resource('tsiot://series/{id}', 'bulk-'))).completion;
    expect(r.values).toHaveLength(100);
    expect(r.total).toBe(131);
    expect(r.hasMore).toBe(true);
    expect(r.values.slice(0, 3)).toEqual(['bulk-129', 'bulk-128', 'bulk-127']);
    const few = (await client.complete(resource('tsiot://series/{id}', 'bulk-00'))).completion;
    expect(few).toEqual({
      values: [
        'bulk-009',
        'bulk-008',
        'bulk-007',
        'bulk-006',
        'bulk-005',
        'bulk-004',
        'bulk-003',
        'bulk-002',
        'bulk-001',
        'bulk-000',
      ],
      total: 10,
      hasMore: false,
    });
    // series without a creation time come after dated ones
    expect((await client.complete(resource('tsiot://series/{id}', 'bulk-u'))).completion.values).toEqual([
      'bulk-undated',
    ]);
  });
});
