/**
 * generate_timeseries with `model`: every fitted generator is reachable from
 * generate, with the result shape of any generation, and generate_from_model
 * is the same engine operation under other field names.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSeriesId } from '../../src/engines/series/store.js';
import { runTool } from '../../src/registry/run-tool.js';
import type { AnyTool, ToolContext } from '../../src/registry/tool.js';
import { describeGenerator } from '../../tools/describe-generator.js';
import { fitModel } from '../../tools/fit-model.js';
import { generateFromModel } from '../../tools/generate-from-model.js';
import { generateTimeseries } from '../../tools/generate-timeseries.js';
import { listGenerators } from '../../tools/list-generators.js';
import { fleet } from '../engines/generation/fleet.js';
import { makeEngines, type TestEngines } from '../helpers/engines.js';
import { toolCalls } from '../helpers/tools.js';

const learnerPlugin = fileURLToPath(new URL('../fixtures/plugin-learner.mjs', import.meta.url));

let engines: TestEngines;
let ctx: ToolContext;
let training: string[] = [];

type Out = Record<string, any>;

async function call(tool: AnyTool, input: unknown): Promise<Out> {
  const r = await runTool(tool, input, ctx);
  const parsed = tool.outputSchema.safeParse(r.structured);
  if (!parsed.success) throw new Error(`${tool.name} output does not match its schema: ${parsed.error.message}`);
  expect(r.summary.length).toBeGreaterThan(0);
  return r.structured;
}

const { errorOf } = toolCalls(() => ctx);

async function fitModelOf(generator: string, data: unknown, options: Record<string, unknown> = {}): Promise<string> {
  const out = await call(fitModel, { generator, data, options, seed: 3, waitSeconds: 300 });
  expect(out.status).toBe('ready');
  return out.id as string;
}

/** The stored values of a result's series, as plain arrays. */
async function storedValues(out: Out): Promise<number[][][]> {
  const series = [];
  for (const s of out.series as { id: string }[]) {
    const got = await engines.storage.retrieve({ id: s.id });
    series.push(got.columns.map((c) => Array.from(c.values)));
  }
  return series;
}

beforeAll(async () => {
  engines = await makeEngines({ plugins: [learnerPlugin] });
  ctx = { engines, logger: engines.logger, signal: new AbortController().signal, progress: () => undefined };
  const out = await call(generateTimeseries, {
    seed: 'training',
    devices: 3,
    duration: '3d',
    interval: '1h',
    sensors: [{ type: 'temperature' }, { type: 'humidity' }],
  });
  training = (out.series as { id: string }[]).map((s) => s.id);
});
afterAll(async () => {
  await engines?.close();
});

describe('generate_timeseries with a fitted model', () => {
  it('samples the model with the result shape of any generation, the same as generate_from_model', async () => {
    const id = await fitModelOf('statistical', { seriesId: training[0] }, { periods: [24] });
    const out = await call(generateTimeseries, {
      model: id,
      params: { length: 48, count: 2 },
      seed: 5,
      tags: { a: 'b' },
    });
    expect(out).toMatchObject({ generator: 'statistical', model: id, seed: 5, stored: true, values: 2 * 48 * 2 });
    expect(out.series).toHaveLength(2);
    for (const s of out.series) {
      expect(s).toMatchObject({ rows: 48, labels: 0 });
      expect(s.id).toMatch(/^ser_/);
      expect(s.columns.map((c: { name: string }) => c.name)).toEqual(['temperature', 'humidity']);
    }
    expect(out.labels).toEqual([]);
    expect(out.preview.rows).toHaveLength(5);
    expect(out.preview.columns).toEqual(['temperature', 'humidity']);
    const stored = await engines.storage.retrieve({ id: out.series[0].id });
    expect(stored.metadata).toMatchObject({ modelId: id, generator: 'statistical', seed: 5, tags: { a: 'b' } });

    const alias = await call(generateFromModel, { id, length: 48, count: 2, seed: 5 });
    expect(alias.generator).toBe('statistical');
    expect(await storedValues(alias)).toEqual(await storedValues(out));
    const other = await call(generateTimeseries, { model: id, params: { length: 48, count: 2 }, seed: 6 });
    expect(await storedValues(other)).not.toEqual(await storedValues(out));
  });

  it('reaches the other fitted generators: arima, mixture, dgan with attributes, and a plugin learner', async () => {
    const arima = await fitModelOf('arima', { seriesId: training[0] }, { period: 24 });
    const a = await call(generateTimeseries, { model: arima, params: { length: 30, context: 'end' }, seed: 1 });
    expect(a).toMatchObject({ generator: 'arima', model: arima });
    expect(a.series[0].rows).toBe(30);

    const mixture = await fitModelOf('mixture', { seriesIds: training }, { window: 24 });
    const m = await call(generateTimeseries, { model: mixture, params: { length: 24, count: 3 }, seed: 1 });
    expect(m.series.map((s: { rows: number }) => s.rows)).toEqual([24, 24, 24]);

    const devices = fleet(3, 36);
    const ids: string[] = [];
    for (const s of devices) ids.push((await engines.storage.store({ ...s, id: newSeriesId() })).id);
    const dgan = await fitModelOf(
      'ydata',
      { seriesIds: ids },
      { length: 24, sampleLen: 4, hidden: 8, mlpHidden: 12, discriminatorHidden: 16, batchSize: 8, iterations: 3 },
    );
    const d = await call(generateTimeseries, {
      model: dgan,
      params: { length: 24, count: 2, attributes: { site: 'plant-3' } },
      seed: 2,
      store: false,
    });
    expect(d).toMatchObject({ generator: 'ydata', model: dgan, stored: false });
    for (const s of d.series) {
      expect(s.id).toBeNull();
      expect(s.attributes).toMatchObject({ site: 'plant-3' });
    }

    const level = await fitModelOf('flat', { seriesId: training[1] }, { scale: 1 });
    const p = await call(generateTimeseries, { model: level, params: { length: 500 }, seed: 4 });
    expect(p.generator).toBe('flat');
    const [[temperature]] = await storedValues(p);
    const real = (await engines.storage.retrieve({ id: training[1]! })).columns[0]!.values;
    const mean = (v: ArrayLike<number>) => Array.from(v).reduce((x, y) => x + y, 0) / v.length;
    expect(Math.abs(mean(temperature!) - mean(real))).toBeLessThan(1);
  });

  it('validates a sample before storing it, as for any generation', async () => {
    const id = await fitModelOf('statistical', { seriesId: training[2] }, { periods: [24] });
    const out = await call(generateTimeseries, { model: id, params: { length: 72 }, seed: 1, validate: true });
    expect(out.validation.reportId).toMatch(/./);
    expect(out.validation.score).toBeGreaterThan(0);
    const stored = await engines.storage.retrieve({ id: out.series[0].id });
    expect(stored.metadata.validationReport).toBe(out.validation.reportId);
  });

  it('refuses what does not fit a model, naming the field', async () => {
    const id = await fitModelOf('statistical', { seriesId: training[0] }, { periods: [24] });
    let e = await errorOf(generateTimeseries, { model: id, devices: 3, interval: '5m' });
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain('interval, devices: belong to the statistical generator');
    e = await errorOf(generateTimeseries, { model: id, params: { lenght: 10 } });
    expect(e.message).toMatch(/sampling options for model .*Unrecognized key.*lenght/);
    e = await errorOf(generateTimeseries, { model: id, generator: 'arima' });
    expect(e.message).toContain(`model "${id}" was fitted with "statistical", not "arima"`);
    e = await errorOf(generateTimeseries, { model: id, params: { length: 5_000_000, count: 2 } });
    expect(e.code).toBe('too_large');
    e = await errorOf(generateTimeseries, { model: 'mdl_none' });
    expect(e.code).toBe('not_found');
    e = await errorOf(generateTimeseries, { generator: 'rnn', params: {} });
    expect(e.message).toContain('"rnn" generates only from a fitted model');
    expect(e.hint).toContain('fit_model');
    expect(
      (await engines.storage.list({ generator: 'statistical' })).items.every((s) => s.metadata.modelId !== id),
    ).toBe(true);
  });
});

describe('the catalogue tools', () => {
  it('list every generator with what it can do, plugins included', async () => {
    const out = await call(listGenerators, {});
    const names = (out.generators as { name: string }[]).map((g) => g.name);
    expect(names).toEqual([
      'arima',
      'dgan',
      'level',
      'mixture',
      'mixture-dp',
      'rnn',
      'statistical',
      'statistical-dp',
      'timegan',
    ]);
    const dgan = out.generators.find((g: { name: string }) => g.name === 'dgan');
    expect(dgan).toMatchObject({ aliases: ['ydata'], capabilities: { fit: true, sample: true, attributes: true } });
    expect(out.fittable).toEqual(expect.arrayContaining(['rnn', 'timegan', 'ydata', 'flat']));
    const rnn = await call(describeGenerator, { name: 'rnn' });
    expect(rnn).toMatchObject({ paramsSchema: null, example: null, capabilities: { generate: false } });
    expect(Object.keys(rnn.fitOptionsSchema.properties)).toEqual(expect.arrayContaining(['cell', 'hidden']));
    const plugin = await call(describeGenerator, { name: 'flat' });
    expect(plugin.source).toBe(`plugin:${learnerPlugin}`);
    expect(plugin.fitExample).toEqual({ scale: 1 });
  });
});
