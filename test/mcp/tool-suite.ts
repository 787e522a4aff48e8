import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

export interface Connection {
  client: Client;
  close(): Promise<void>;
}

type Structured = Record<string, any>;

async function call(client: Client, name: string, args: Record<string, unknown>) {
  const r = await client.callTool({ name, arguments: args });
  return r as { isError?: boolean; structuredContent?: Structured; content: { type: string; text: string }[] };
}

async function ok(client: Client, name: string, args: Record<string, unknown>): Promise<Structured> {
  const r = await call(client, name, args);
  if (r.isError) throw new Error(`${name} failed: ${r.content[0]?.text}`);
  expect(r.content[0]?.type).toBe('text');
  expect(r.content[0]!.text.length).toBeGreaterThan(0);
  // the result's JSON as text too, for clients that read only content
  expect(r.content[1]?.type).toBe('text');
  return r.structuredContent!;
}

/**
 * The same cases for every way an MCP client can reach tsiot (in-memory,
 * stdio, WebSocket, Streamable HTTP): every tool through a real SDK Client.
 */
export function describeToolSuite(transportName: string, connect: () => Promise<Connection>): void {
  describe(`MCP tools over ${transportName}`, () => {
    let conn: Connection;
    let client: Client;
    beforeAll(async () => {
      conn = await connect();
      client = conn.client;
    });
    afterAll(async () => {
      await conn?.close();
    });

    it('lists every tool with a described input schema', async () => {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      for (const n of [
        'generate_timeseries',
        'list_generators',
        'describe_generator',
        'list_series',
        'get_series',
        'delete_series',
        'export_series',
      ]) {
        expect(names).toContain(n);
      }
      for (const t of tools) {
        expect(t.description!.length).toBeGreaterThan(60);
        const props = (t.inputSchema.properties ?? {}) as Record<string, { description?: string }>;
        for (const [field, schema] of Object.entries(props)) {
          expect(
            schema.description ?? (schema as { anyOf?: unknown }).anyOf,
            `${t.name}.${field} is described`,
          ).toBeDefined();
        }
      }
    });

    it('generates a labelled fleet, reads it back, exports it and deletes it', async () => {
      const gen = await ok(client, 'generate_timeseries', {
        devices: 2,
        duration: '6h',
        interval: '1m',
        sensors: [{ type: 'temperature' }, { type: 'humidity' }],
        anomalies: [{ type: 'spike', count: 2 }],
        seed: 42,
        tags: { suite: transportName },
      });
      expect(gen.seed).toBe(42);
      expect(gen.series).toHaveLength(2);
      expect(gen.values).toBe(2 * 360 * 2);
      expect(gen.labelsTotal).toBe(2);
      expect(gen.labels.every((l: Structured) => l.type === 'spike')).toBe(true);
      const id = gen.series[0].id as string;

      const listed = await ok(client, 'list_series', { tags: { suite: transportName } });
      expect(listed.total).toBe(2);
      expect(listed.items.map((s: Structured) => s.id).sort()).toEqual(gen.series.map((s: Structured) => s.id).sort());

      const full = await ok(client, 'get_series', { id, limit: 1000 });
      expect(full.rows).toBe(360);
      expect(full.truncated).toBe(false);
      expect(Object.keys(full.values)).toEqual(['temperature', 'humidity']);

      const cut = await ok(client, 'get_series', { id, limit: 100 });
      expect(cut.rows).toBe(100);
      expect(cut.truncated).toBe(true);
      expect(cut.suggestedBucket).toBe('5m');

      const hourly = await ok(client, 'get_series', { id, bucket: '1h', aggregation: 'max' });
      expect(hourly.rows).toBe(6);
      const firstHourMax = Math.max(...full.values.temperature.slice(0, 60).filter((v: number | null) => v !== null));
      expect(hourly.values.temperature[0]).toBeCloseTo(firstHourMax, 9);

      const exp = await ok(client, 'export_series', { ids: [id], format: 'csv', inline: true });
      expect(exp.rows).toBe(360);
      const lines = (exp.content as string).trim().split('\n');
      expect(lines[0]).toBe('timestamp,series,temperature,humidity');
      expect(lines).toHaveLength(361);

      const del = await ok(client, 'delete_series', { id });
      expect(del).toEqual({ id, deleted: true });
      const again = await ok(client, 'delete_series', { id });
      expect(again.deleted).toBe(false);
      const gone = await call(client, 'get_series', { id });
      expect(gone.isError).toBe(true);
      expect(gone.content[0]!.text).toContain(id);
    });

    it('gives byte-identical data for the same seed', async () => {
      const args = { duration: '2h', sensors: [{ type: 'vibration' }], store: true, seed: 'same-seed' };
      const a = await ok(client, 'generate_timeseries', args);
      const b = await ok(client, 'generate_timeseries', args);
      expect(a.series[0].id).not.toBe(b.series[0].id);
      const ea = await ok(client, 'export_series', { ids: [a.series[0].id], format: 'ndjson' });
      const eb = await ok(client, 'export_series', { ids: [b.series[0].id], format: 'ndjson' });
      expect(ea.sha256).toBe(eb.sha256);
    });

    it('answers bad input with isError naming the field, and refuses huge requests before work', async () => {
      const bad = await call(client, 'generate_timeseries', { devices: 'many' });
      expect(bad.isError).toBe(true);
      expect(bad.content[0]!.text).toMatch(/devices/);
      const huge = await call(client, 'generate_timeseries', { devices: 5000, duration: '30d', interval: '1s' });
      expect(huge.isError).toBe(true);
      expect(huge.content[0]!.text).toMatch(/12,960,000,000 values.*limit/);
      const unknown = await call(client, 'describe_generator', { name: 'nope' });
      expect(unknown.isError).toBe(true);
      expect(unknown.content[0]!.text).toMatch(/Unknown generator "nope"/);
    });

    it('validates what it generates on request and stores the report with the series', async () => {
      const gen = await ok(client, 'generate_timeseries', {
        devices: 2,
        duration: '6h',
        seed: 21,
        validate: true,
        imperfections: { missingRate: 0.05 },
      });
      expect(gen.validation.score).toBeGreaterThan(0);
      expect(gen.validation.score).toBeLessThanOrEqual(100);
      expect(gen.validation.reportId).toMatch(/^rep_/);
      const read = await client.readResource({ uri: `tsiot://reports/${gen.validation.reportId}` });
      const report = JSON.parse((read.contents[0] as { text: string }).text);
      expect(report.score).toBe(gen.validation.score);
      const missing = report.checks.find((c: Structured) => c.validator === 'quality' && /missing/.test(c.name));
      expect(missing, 'the quality validator reports missing values').toBeDefined();
      const listed = await ok(client, 'list_series', { namePrefix: 'device-', limit: 500 });
      const stored = listed.items.find((s: Structured) => s.id === gen.series[0].id);
      expect(stored.metadata.validationReport).toBe(gen.validation.reportId);
    });

    it('lists and describes generators', async () => {
      const list = await ok(client, 'list_generators', {});
      expect(list.generators.map((g: Structured) => g.name)).toContain('statistical');
      expect(list.fittable).toEqual(expect.arrayContaining(['arima', 'rnn', 'timegan']));
      const d = await ok(client, 'describe_generator', { name: 'statistical' });
      expect(Object.keys(d.paramsSchema.properties)).toEqual(
        expect.arrayContaining(['devices', 'sensors', 'anomalies', 'imperfections', 'correlation']),
      );
    });

    it('reports progress to a client that asks for it', async () => {
      const seen: number[] = [];
      const r = await client.callTool(
        { name: 'generate_timeseries', arguments: { devices: 20, duration: '1d', store: false, seed: 1 } },
        undefined,
        { onprogress: (p) => seen.push(p.progress) },
      );
      expect(r.isError).toBeFalsy();
      expect(seen.length).toBeGreaterThan(0);
      expect(seen[seen.length - 1]).toBeGreaterThan(0);
    });

    it('offers the generator catalogue and stored series as resources', async () => {
      const gen = await ok(client, 'generate_timeseries', {
        duration: '1h',
        seed: 3,
        name: `resource-${transportName}`,
      });
      const { resources } = await client.listResources();
      expect(resources.map((r) => r.uri)).toContain('tsiot://generators');
      const uri = `tsiot://series/${gen.series[0].id}`;
      expect(resources.map((r) => r.uri)).toContain(uri);
      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('tsiot://series/{id}');
      const read = await client.readResource({ uri });
      const body = JSON.parse((read.contents[0] as { text: string }).text);
      expect(body.name).toBe(`resource-${transportName}`);
      expect(body.timestamps).toHaveLength(60);
      const cat = await client.readResource({ uri: 'tsiot://generators' });
      expect(JSON.parse((cat.contents[0] as { text: string }).text).generators[0].name).toBeDefined();
    });

    it('notifies subscribers when a series or a job changes', async () => {
      const updated: string[] = [];
      let listChanged = 0;
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri));
      client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
        listChanged += 1;
      });
      const waitFor = async (cond: () => boolean, what: string) => {
        for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
        expect(cond(), what).toBe(true);
      };

      const gen = await ok(client, 'generate_timeseries', { duration: '1h', seed: 11 });
      await waitFor(() => listChanged > 0, 'resources/list_changed after a series was stored');
      const uri = `tsiot://series/${gen.series[0].id}`;
      await client.subscribeResource({ uri });
      await ok(client, 'delete_series', { id: gen.series[0].id });
      await waitFor(() => updated.includes(uri), `resources/updated for ${uri}`);

      const started = await ok(client, 'start_job', {
        type: 'generation',
        delayMs: 300,
        data: { params: { duration: '2h' }, seed: 5 },
      });
      const jobUri = `tsiot://jobs/${started.job.id}`;
      await client.subscribeResource({ uri: jobUri });
      await waitFor(() => updated.includes(jobUri), `resources/updated for ${jobUri}`);
      const done = await ok(client, 'get_job', { id: started.job.id, waitMs: 20_000 });
      expect(done.job.state).toBe('completed');
    });

    it('offers a prompt that guides fleet generation', async () => {
      const { prompts } = await client.listPrompts();
      expect(prompts.map((p) => p.name)).toContain('design_sensor_fleet');
      const p = await client.getPrompt({
        name: 'design_sensor_fleet',
        arguments: { description: '10 pumps with vibration sensors' },
      });
      const text = (p.messages[0]!.content as { text: string }).text;
      expect(text).toContain('10 pumps with vibration sensors');
      expect(text).toContain('generate_timeseries');
    });
  });
}
