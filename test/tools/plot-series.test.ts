import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Hono } from 'hono';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import { createHttpApp } from '../../src/http/app.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { tools } from '../../tools/index.js';
import { makeEngines, type TestEngines } from '../helpers/engines.js';

const T0 = Date.UTC(2025, 0, 1);

/** A fixed inline series: a daily wave with one spike, labelled by hand so the test knows where it is. */
function inline(shift = 0, rows = 24 * 12) {
  const timestamps = Array.from({ length: rows }, (_, i) => T0 + i * 5 * 60_000);
  const temperature = timestamps.map((_, i) =>
    i === 100 ? 35 : i === 200 ? null : Number((20 + shift + 4 * Math.sin((2 * Math.PI * i) / rows)).toFixed(3)),
  );
  return { name: shift ? 'synthetic' : 'real', timestamps, values: { temperature } };
}

function decode(bytes: Buffer): PNG {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return PNG.sync.read(bytes);
}

/** Share of pixels that are not (near) white. */
function inkShare(png: PNG): number {
  let ink = 0;
  for (let i = 0; i < png.data.length; i += 4)
    if (png.data[i]! < 230 || png.data[i + 1]! < 230 || png.data[i + 2]! < 230) ink++;
  return ink / (png.width * png.height);
}

/** Pixels of the pale red the anomaly shading leaves on white. */
function shadedPixels(png: PNG): number {
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
    if (r > 240 && g > 205 && g < 235 && b > 210 && b < 240 && r - g > 15) n++;
  }
  return n;
}

describe('plot_series', () => {
  let engines: TestEngines;
  let client: Client;
  let app: Hono;
  let close: () => Promise<void>;
  let storedId: string;

  beforeAll(async () => {
    engines = await makeEngines();
    const server = createMcpServer(engines, { tools, resources, prompts });
    const [c, s] = InMemoryTransport.createLinkedPair();
    await server.connect(s);
    client = new Client({ name: 'plot-test', version: '0.0.0' });
    await client.connect(c);
    app = createHttpApp({ engines, tools, version: 'test', logger: engines.logger });
    close = async () => {
      await client.close();
      await server.close();
      await engines.close();
    };
    const gen = await client.callTool({
      name: 'generate_timeseries',
      arguments: {
        seed: 7,
        duration: '1d',
        interval: '5m',
        sensors: [{ type: 'temperature' }],
        anomalies: [{ type: 'spike', count: 2 }],
      },
    });
    storedId = (gen.structuredContent as { series: { id: string }[] }).series[0]!.id;
  });
  afterAll(async () => close());

  it('gives an agent a PNG as MCP image content, with the anomalies shaded where the labels say', async () => {
    const r = await client.callTool({ name: 'plot_series', arguments: { series: storedId, width: 600, height: 160 } });
    expect(r.isError).toBeFalsy();
    const content = r.content as { type: string; data?: string; mimeType?: string; text?: string }[];
    expect(content[0]).toMatchObject({ type: 'text' });
    const image = content.find((c) => c.type === 'image')!;
    expect(image.mimeType).toBe('image/png');
    const bytes = Buffer.from(image.data!, 'base64');
    const png = decode(bytes);
    const out = r.structuredContent as { width: number; height: number; sha256: string; labels: number };
    expect([png.width, png.height]).toEqual([out.width, out.height]);
    expect(png.width).toBeGreaterThan(600);
    expect(out.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(out.labels).toBe(2);
    expect(inkShare(png)).toBeGreaterThan(0.02);
    expect(shadedPixels(png)).toBeGreaterThan(20);
    // the structured result carries no image: a model's context is not filled with base64
    expect(JSON.stringify(r.structuredContent).length).toBeLessThan(2_000);
  });

  it('draws the same bytes for the same request, over MCP and as a raw REST image; pixels pinned', async () => {
    const args = { series: inline(), compare: inline(1.5), seriesLabel: 'real', compareLabel: 'synthetic', width: 500 };
    const viaMcp = await client.callTool({ name: 'plot_series', arguments: args });
    const mcpBytes = Buffer.from(
      (viaMcp.content as { type: string; data?: string }[]).find((c) => c.type === 'image')!.data!,
      'base64',
    );
    const rest = await app.request('/v1/plot', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'image/png', host: '127.0.0.1' },
      body: JSON.stringify(args),
    });
    expect(rest.status).toBe(200);
    expect(rest.headers.get('content-type')).toBe('image/png');
    const restBytes = Buffer.from(await rest.arrayBuffer());
    expect(restBytes.equals(mcpBytes)).toBe(true);
    const png = decode(restBytes);
    // real and synthetic lines in both palette colours, and the histograms beside them
    const out = viaMcp.structuredContent as { xAxis: string; lines: { side: string; drawn: number }[] };
    expect(out.xAxis).toBe('time');
    expect(out.lines.map((l) => l.side)).toEqual(['real', 'synthetic']);
    expect(inkShare(png)).toBeGreaterThan(0.03);
    expect(createHash('sha256').update(png.data).digest('hex')).toMatchInlineSnapshot(
      `"f804a6751a99fc2eb20e286e9badaf9ea345e0446dc3a08ec375e5e672320254"`,
    );

    const json = await app.request('/v1/plot', {
      method: 'POST',
      headers: { 'content-type': 'application/json', host: '127.0.0.1' },
      body: JSON.stringify(args),
    });
    const body = (await json.json()) as { result: { sha256: string }; images: { mimeType: string; data: string }[] };
    expect(body.images[0]!.mimeType).toBe('image/png');
    expect(Buffer.from(body.images[0]!.data, 'base64').equals(restBytes)).toBe(true);
  });

  it('downsamples a long series and says so; svg on request', async () => {
    const rows = 50_000;
    const long = {
      timestamps: Array.from({ length: rows }, (_, i) => T0 + i * 1000),
      values: { v: Array.from({ length: rows }, (_, i) => (i === 31_337 ? 100 : Math.sin(i / 500))) },
    };
    const r = await client.callTool({
      name: 'plot_series',
      arguments: { series: long, maxPoints: 1000, format: 'svg' },
    });
    const out = r.structuredContent as { downsampled: boolean; lines: { points: number; drawn: number }[] };
    expect(out.downsampled).toBe(true);
    expect(out.lines[0]!.points).toBe(rows);
    expect(out.lines[0]!.drawn).toBeLessThanOrEqual(1000);
    expect((r.content as { text: string }[])[0]!.text).toMatch(/downsampled/);
    const image = (r.content as { type: string; data?: string; mimeType?: string }[]).find((c) => c.type === 'image')!;
    expect(image.mimeType).toBe('image/svg+xml');
    expect(Buffer.from(image.data!, 'base64').toString('utf8')).toMatch(/^<svg/);
  });

  it('refuses a missing column, an unknown field and an empty range, naming the field', async () => {
    const missing = await client.callTool({ name: 'plot_series', arguments: { series: storedId, columns: ['nope'] } });
    expect(missing.isError).toBe(true);
    expect((missing.content as { text: string }[])[0]!.text).toMatch(/columns: "nope" is not a column/);
    const unknown = await app.request('/v1/plot', {
      method: 'POST',
      headers: { 'content-type': 'application/json', host: '127.0.0.1' },
      body: JSON.stringify({ series: storedId, colour: 'red' }),
    });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(await unknown.json())).toMatch(/colour/);
    const empty = await client.callTool({
      name: 'plot_series',
      arguments: { series: storedId, start: '2030-01-01T00:00:00Z' },
    });
    expect((empty.content as { text: string }[])[0]!.text).toMatch(/start\/end: .* no rows in the range/);
    const none = await client.callTool({ name: 'plot_series', arguments: { series: 'ser_absent' } });
    expect((none.content as { text: string }[])[0]!.text).toMatch(/does not exist/);
  });
});
