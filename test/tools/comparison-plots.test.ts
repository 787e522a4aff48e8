/**
 * The `plots` option of compare_series, validate_timeseries and
 * synthesize_like: PNG image content beside the result (an overlay with value
 * histograms, and the autocorrelations), described in the result, the same
 * pixels for the same input.
 */
import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { tools } from '../../tools/index.js';
import { makeEngines } from '../helpers/engines.js';

const T0 = Date.UTC(2025, 0, 1);

/** A daily wave, 5-minute rows; `shift` moves its level and `period` its cycle, so a and b differ visibly. */
function wave(name: string, shift: number, period = 288) {
  const timestamps = Array.from({ length: 576 }, (_, i) => T0 + i * 300_000);
  const temperature = timestamps.map((_, i) =>
    Number((20 + shift + 4 * Math.sin((2 * Math.PI * i) / period)).toFixed(3)),
  );
  const humidity = timestamps.map((_, i) => Number((50 - 10 * Math.cos((2 * Math.PI * i) / period)).toFixed(3)));
  return { name, timestamps, values: { temperature, humidity } };
}

type Content = { type: string; data?: string; mimeType?: string; text?: string };
type Result = { isError?: boolean; content: Content[]; structuredContent: Record<string, any> };

function pngs(r: Result): PNG[] {
  return r.content
    .filter((c) => c.type === 'image')
    .map((c) => {
      expect(c.mimeType).toBe('image/png');
      const bytes = Buffer.from(c.data!, 'base64');
      expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      return PNG.sync.read(bytes);
    });
}

/** Pixels close to one of the two line colours (blue for a/real, orange for b/synthetic). */
function coloured(png: PNG, rgb: [number, number, number]): number {
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4)
    if (
      Math.abs(png.data[i]! - rgb[0]) < 30 &&
      Math.abs(png.data[i + 1]! - rgb[1]) < 30 &&
      Math.abs(png.data[i + 2]! - rgb[2]) < 30
    )
      n++;
  return n;
}
const BLUE: [number, number, number] = [0x4e, 0x79, 0xa7];
const ORANGE: [number, number, number] = [0xf2, 0x8e, 0x2b];

describe('plots on the comparing tools', () => {
  let client: Client;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const engines = await makeEngines();
    const server = createMcpServer(engines, { tools, resources, prompts });
    const [c, s] = InMemoryTransport.createLinkedPair();
    await server.connect(s);
    client = new Client({ name: 'plots-test', version: '0.0.0' });
    await client.connect(c);
    close = async () => {
      await client.close();
      await server.close();
      await engines.close();
    };
  });
  afterAll(async () => close?.());

  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as unknown as Result;

  it('compare_series draws both sides over time and their autocorrelations, the same bytes every time', async () => {
    const args = { a: wave('real', 0), b: wave('synthetic', 2, 144), plots: true };
    const r = await call('compare_series', args);
    expect(r.isError).toBeFalsy();
    const images = pngs(r);
    expect(images).toHaveLength(2);
    const info = r.structuredContent.plots as { kind: string; sha256: string; width: number; height: number }[];
    expect(info.map((p) => p.kind)).toEqual(['overlay', 'acf']);
    const raw = r.content.filter((c) => c.type === 'image').map((c) => Buffer.from(c.data!, 'base64'));
    info.forEach((p, i) => {
      expect(p.sha256).toBe(createHash('sha256').update(raw[i]!).digest('hex'));
      expect([p.width, p.height]).toEqual([images[i]!.width, images[i]!.height]);
    });
    // two columns, two sides: each picture shows both colours in quantity
    for (const png of images) {
      expect(coloured(png, BLUE)).toBeGreaterThan(500);
      expect(coloured(png, ORANGE)).toBeGreaterThan(500);
    }
    const again = await call('compare_series', args);
    expect((again.structuredContent.plots as { sha256: string }[]).map((p) => p.sha256)).toEqual(
      info.map((p) => p.sha256),
    );
    // without the option: no images, no plots field
    const plain = await call('compare_series', { a: wave('real', 0), b: wave('synthetic', 2) });
    expect(pngs(plain)).toHaveLength(0);
    expect(plain.structuredContent.plots).toBeUndefined();
  });

  it('validate_timeseries plots against the reference, and says why there are none without one', async () => {
    const r = await call('validate_timeseries', {
      synthetic: wave('synthetic', 1),
      reference: wave('real', 0),
      plots: true,
      store: false,
    });
    expect(r.isError).toBeFalsy();
    expect(pngs(r)).toHaveLength(2);
    expect(r.structuredContent.plots).toHaveLength(2);
    const alone = await call('validate_timeseries', { synthetic: wave('synthetic', 1), plots: true, store: false });
    expect(alone.isError).toBeFalsy();
    expect(pngs(alone)).toHaveLength(0);
    expect(alone.content[0]!.text).toMatch(/No plots: they compare with a reference/);
  });

  it('synthesize_like returns real-vs-synthetic pictures of the copy it made', async () => {
    const { name: _name, ...data } = wave('real', 0);
    const r = await call('synthesize_like', { data, seed: 1, plots: true, store: false });
    expect(r.isError, r.content[0]?.text).toBeFalsy();
    const images = pngs(r);
    expect(images).toHaveLength(2);
    expect(coloured(images[0]!, BLUE)).toBeGreaterThan(500);
    expect(coloured(images[0]!, ORANGE)).toBeGreaterThan(500);
    const again = await call('synthesize_like', { data, seed: 1, plots: true, store: false });
    expect((again.structuredContent.plots as { sha256: string }[]).map((p) => p.sha256)).toEqual(
      (r.structuredContent.plots as { sha256: string }[]).map((p) => p.sha256),
    );
  });
});
