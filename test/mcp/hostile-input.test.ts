import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { tools } from '../../tools/index.js';
import { makeEngines, type TestEngines } from '../helpers/engines.js';

let engines: TestEngines;
let client: Client;
let close: () => Promise<void>;

beforeAll(async () => {
  engines = await makeEngines();
  const server = createMcpServer(engines, { tools, resources, prompts });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  client = new Client({ name: 'tsiot-test', version: '0.0.0' });
  await client.connect(clientSide);
  close = async () => {
    await client.close();
    await server.close();
    await engines.close();
  };
});
afterAll(() => close());

/** tools/call with any params, bypassing the client's own typing. */
async function call(name: string, args: unknown) {
  return client.request({ method: 'tools/call', params: { name, arguments: args } as never }, CallToolResultSchema);
}

function text(r: { content: unknown[] }): string {
  return (r.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join(' ');
}

describe('MCP tools/call with hostile arguments', () => {
  it('answers arguments that are not an object as a tool error on every tool, without a zod dump', async () => {
    for (const tool of tools) {
      for (const args of [null, [], 'x', 42]) {
        const r = await call(tool.name, args);
        expect(r.isError, `${tool.name} ${JSON.stringify(args)}`).toBe(true);
        expect(text(r)).toMatch(/must be a JSON object/);
        expect(text(r)).not.toMatch(/"code":|invalid_type|expected":/);
      }
    }
  });

  it('refuses a mistyped field and suggests the right one', async () => {
    const r = await call('list_series', { name: 'fleet' });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/unknown field "name"/);
    expect(text(r)).toMatch(/Did you mean "namePrefix"/);
  });

  it('refuses __proto__ and a thousand extra keys', async () => {
    const proto = await call('list_series', JSON.parse('{"__proto__": {"limit": 1}}'));
    expect(proto.isError).toBe(true);
    expect(text(proto)).toMatch(/"__proto__"/);
    const many: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) many[`k${i}`] = i;
    const r = await call('list_generators', many);
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/unknown fields "k0".* and 995 more/);
  });

  it('refuses unknown keys in nested objects, naming the path', async () => {
    const r = await call('generate_timeseries', {
      seed: 1,
      store: false,
      points: 10,
      sensors: [{ type: 'temperature', noise: { std: 1, stdd: 2 } }],
    });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/sensors\.0\.noise: unknown field "stdd"/);
    expect(text(r)).toMatch(/Did you mean "std"/);
  });

  it('refuses a series source with neither csv nor csvPath (an empty object), naming the field', async () => {
    for (const synthetic of [{}, { csv: 'a,b\n1,2', csvPath: 'x.csv' }]) {
      const r = await call('validate_timeseries', { synthetic, rules: { validators: ['quality'] } });
      expect(r.isError, JSON.stringify(synthetic)).toBe(true);
      expect(text(r)).toMatch(/synthetic\.(csvPath|csv): give csvPath/);
      expect(text(r)).not.toMatch(/internal/i);
    }
  });

  it('names the field of a JSON document nested too deep to store', async () => {
    let data: unknown = 1;
    for (let i = 0; i < 100_000; i++) data = [data];
    const r = await call('start_job', { type: 'generation', data: { params: data } });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/data\.params(\.0)+: nested more than 64 levels deep/);
    expect(text(r)).not.toMatch(/call stack/i);
  });
});

describe('numeric parameters that cannot give finite data', () => {
  it('refuses noise std and arStd of 1e308 naming the field, and stores nothing', async () => {
    for (const noise of [{ std: 1e308 }, { ar: [0.5], arStd: 1e308 }, { randomWalkStd: 1e300 }]) {
      const r = await call('generate_timeseries', { seed: 1, points: 50, sensors: [{ type: 'temperature', noise }] });
      expect(r.isError, JSON.stringify(noise)).toBe(true);
      expect(text(r)).toMatch(/sensors\.0\.noise\.(std|arStd|randomWalkStd): .*so the series stays finite/);
    }
    const list = await call('list_series', {});
    expect(list.isError).toBeFalsy();
    expect((list.structuredContent as { total: number }).total).toBe(0);
  });

  it('refuses huge amplitudes, levels and ARIMA magnitudes', async () => {
    const big = await call('generate_timeseries', {
      seed: 1,
      points: 50,
      sensors: [{ type: 'custom', level: 1e300, seasonalities: [{ period: '1h', amplitude: -1e200 }] }],
    });
    expect(big.isError).toBe(true);
    expect(text(big)).toMatch(/sensors\.0\.level/);
    const arima = await call('generate_timeseries', {
      generator: 'arima',
      seed: 1,
      store: false,
      params: { length: 50, sigma: 1e300 },
    });
    expect(arima.isError).toBe(true);
    expect(text(arima)).toMatch(/sigma/);
  });
});

describe('instants outside the range of dates', () => {
  const FAR = [1e21, -1e21, 8.64e15 + 1, '275760-09-14T00:00:00Z', '+999999-01-01T00:00:00Z'];
  it('refuses them with invalid_input naming the field on every tool that takes one', async () => {
    const gen = await call('generate_timeseries', { seed: 1, points: 10, store: false });
    expect(gen.isError).toBeFalsy();
    const stored = await call('generate_timeseries', { seed: 1, points: 10, name: 'dates' });
    const id = (stored.structuredContent as { series: { id: string }[] }).series[0]!.id;
    for (const t of FAR) {
      const cases: [string, Record<string, unknown>, RegExp][] = [
        ['generate_timeseries', { seed: 1, points: 10, start: t, store: false }, /start/],
        ['generate_timeseries', { seed: 1, end: t, store: false }, /end/],
        ['generate_timeseries', { generator: 'arima', store: false, params: { length: 10, start: t } }, /start/],
        ['get_series', { id, start: t }, /start/],
        ['get_series', { id, end: t }, /end/],
        ['analyze_series', { id, start: t }, /start/],
        ['export_series', { ids: [id], end: t }, /end/],
      ];
      for (const [tool, args, field] of cases) {
        const r = await call(tool, args);
        expect(r.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
        expect(text(r)).toMatch(field);
        expect(text(r)).not.toMatch(/RangeError|Invalid time value|Internal error/);
      }
    }
  });

  it('refuses a grid whose end leaves the range of dates before generating', async () => {
    const r = await call('generate_timeseries', { seed: 1, start: 8.64e15 - 60_000, points: 10, interval: '1m' });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/start: 10 rows every 60000 ms .* outside the range of dates/);
  });

  it('refuses a model sample starting outside the range of dates', async () => {
    const timestamps = Array.from({ length: 200 }, (_, i) => 1_700_000_000_000 + i * 60_000);
    const values = { temperature: timestamps.map((_, i) => 20 + Math.sin(i / 5) + (i % 7) * 0.1) };
    const fit = await call('fit_model', { generator: 'arima', data: { timestamps, values }, seed: 1 });
    expect(fit.isError, text(fit)).toBeFalsy();
    const model = (fit.structuredContent as { id: string }).id;
    for (const start of [1e21, -1e21, 8.64e15]) {
      const r = await call('generate_from_model', { id: model, length: 10, context: 'none', start, store: false });
      expect(r.isError, String(start)).toBe(true);
      expect(text(r)).toMatch(/start/);
      expect(text(r)).not.toMatch(/RangeError|Invalid time value|Internal error/);
    }
  });
});

describe('list queries', () => {
  it('refuses more tag filters than a query may join, with the limit', async () => {
    for (const n of [33, 995]) {
      const tags = Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
      const r = await call('list_series', { tags });
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(/tags: at most 32 tag filters/);
    }
    const ok = await call('list_series', {
      tags: Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, 'v'])),
    });
    expect(ok.isError).toBeFalsy();
  });
});

describe('creation times and exports', () => {
  it('records when each stored series was made, so cleanup by creation deletes it', async () => {
    const r = await call('generate_timeseries', { seed: 3, points: 5, devices: 2, name: 'old', tags: { batch: 'c1' } });
    expect(r.isError).toBeFalsy();
    const list = await call('list_series', { tags: { batch: 'c1' } });
    const items = (list.structuredContent as { items: { metadata: { createdAt?: string } }[] }).items;
    expect(items).toHaveLength(2);
    for (const s of items) expect(Number.isFinite(Date.parse(s.metadata.createdAt ?? ''))).toBe(true);
    await new Promise((res) => setTimeout(res, 20));
    const job = await call('start_job', { type: 'cleanup', data: { olderThan: '10ms', tags: { batch: 'c1' } } });
    expect(job.isError, text(job)).toBeFalsy();
    const jobId = (job.structuredContent as { job: { id: string } }).job.id;
    let state = '';
    let result: { deleted?: number } = {};
    for (let i = 0; i < 200 && !['completed', 'failed'].includes(state); i++) {
      await new Promise((res) => setTimeout(res, 25));
      const got = (await call('get_job', { id: jobId })).structuredContent as {
        job: { state: string; result?: { deleted?: number } };
      };
      state = got.job.state;
      result = got.job.result ?? {};
    }
    expect(state).toBe('completed');
    expect(result.deleted).toBe(2);
    const after = await call('list_series', { tags: { batch: 'c1' } });
    expect((after.structuredContent as { total: number }).total).toBe(0);
  });

  it('never overwrites an export of the same fileName unless asked', async () => {
    const a = await call('generate_timeseries', { seed: 4, points: 5, name: 'exp-a' });
    const b = await call('generate_timeseries', { seed: 5, points: 5, name: 'exp-b' });
    const idA = (a.structuredContent as { series: { id: string }[] }).series[0]!.id;
    const idB = (b.structuredContent as { series: { id: string }[] }).series[0]!.id;
    const first = await call('export_series', { ids: [idA], fileName: 'shared.csv' });
    expect(first.isError, text(first)).toBeFalsy();
    const sha = (first.structuredContent as { sha256: string }).sha256;
    const second = await call('export_series', { ids: [idB], fileName: 'shared.csv' });
    expect(second.isError).toBe(true);
    expect(text(second)).toMatch(/fileName: an export named "shared.csv" already exists.*\[conflict\]/);
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const path = (first.structuredContent as { path: string }).path;
    expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(sha);
    const forced = await call('export_series', { ids: [idB], fileName: 'shared.csv', overwrite: true });
    expect(forced.isError, text(forced)).toBeFalsy();
    expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(
      (forced.structuredContent as { sha256: string }).sha256,
    );
  });
});
