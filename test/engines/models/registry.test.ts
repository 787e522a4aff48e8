import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../src/core/errors.js';
import { createBuiltinFactory } from '../../../src/engines/generation/builtin.js';
import { MODEL_STATES_COLLECTION } from '../../../src/engines/models/record.js';
import { ModelRegistry } from '../../../src/engines/models/registry.js';
import { tempStore, twoColumnSeries } from './helpers.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function setup() {
  const t = await tempStore();
  cleanup = t.cleanup;
  return { ...t, registry: new ModelRegistry(t.store, createBuiltinFactory()) };
}

async function errorOf(p: Promise<unknown>): Promise<TsiotError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(TsiotError);
  return e as TsiotError;
}

describe('model registry', () => {
  it('fits, lists, describes, samples reproducibly and deletes an ARIMA model', async () => {
    const { registry } = await setup();
    const rec = await registry.fit({
      generator: 'arima',
      data: twoColumnSeries(1500),
      seed: 7,
      options: { criterion: 'bic' },
      // The coefficients checked below are those of the raw values (constraints would fit transformed ones).
      constraints: false,
    });
    expect(rec.id).toMatch(/^mdl_/);
    expect(rec.columns).toEqual(['temperature', 'humidity']);
    expect(rec.training.points).toBe(1500);
    expect(rec.trainingMs).toBeGreaterThanOrEqual(0);
    const cols = rec.details.columns as { order: { p: number }; phi: number[]; noiseVariance: number }[];
    expect(cols[0]!.order.p).toBe(1);
    expect(Math.abs(cols[0]!.phi[0]! - 0.7)).toBeLessThan(0.06);
    expect(Math.abs(cols[1]!.noiseVariance - 4)).toBeLessThan(0.5);
    const corr = rec.details.innovationCorrelation as number[][];
    expect(Math.abs(corr[0]![1]! - 0.8)).toBeLessThan(0.05);

    expect((await registry.list()).map((m) => m.id)).toEqual([rec.id]);
    expect((await registry.get(rec.id)).details).toEqual(rec.details);

    const a = await registry.sample(rec.id, { length: 200, count: 3, seed: 11 });
    const b = await registry.sample(rec.id, { length: 200, count: 3, seed: 11 });
    const c = await registry.sample(rec.id, { length: 200, count: 3, seed: 12 });
    expect(a.series).toHaveLength(3);
    expect(a.series[0]!.timestamps[0]).toBe(rec.training.end + 60_000);
    expect(a.series.map((s) => Array.from(s.columns[1]!.values))).toEqual(
      b.series.map((s) => Array.from(s.columns[1]!.values)),
    );
    expect(Array.from(a.series[0]!.columns[0]!.values)).not.toEqual(Array.from(c.series[0]!.columns[0]!.values));
    expect(registry.poolStats().hits).toBeGreaterThanOrEqual(2);

    const f = await registry.forecast(rec.id, 5);
    expect(f.forecast).toHaveLength(2);
    expect(f.forecast[0]!.lower[4]!).toBeLessThan(f.forecast[0]!.mean[4]!);

    expect(await registry.delete(rec.id)).toBe(true);
    expect(await registry.list()).toEqual([]);
    expect((await errorOf(registry.sample(rec.id, { length: 5 }))).code).toBe('not_found');
    expect(await registry.delete(rec.id)).toBe(false);
  });

  it('samples the same values in a new process', async () => {
    const { registry, store, path } = await setup();
    const rec = await registry.fit({ generator: 'arima', data: twoColumnSeries(600), seed: 3 });
    const here = await registry.sample(rec.id, { length: 50, count: 2, context: 'random', seed: 99 });
    registry.close();
    await store.close();
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'test/engines/models/sample-child.ts', path, rec.id, '99'],
      {
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(out)).toEqual(here.series.map((s) => s.columns.map((c) => Array.from(c.values))));
  }, 60_000);

  it('a sample sized like the training data resembles it (mean and spread)', async () => {
    const { registry } = await setup();
    const data = twoColumnSeries(2000, 5);
    const rec = await registry.fit({ generator: 'arima', data, seed: 1 });
    const s = await registry.sample(rec.id, { length: 20_000, context: 'none', seed: 2 });
    const v = s.series[0]!.columns[1]!.values;
    const mean = v.reduce((x, y) => x + y, 0) / v.length;
    const sd = Math.sqrt(v.reduce((x, y) => x + (y - mean) ** 2, 0) / v.length);
    expect(Math.abs(mean - 50)).toBeLessThan(0.3);
    // stationary sd of 2·AR(1) with φ=0.4: 2/√(1−0.16) ≈ 2.18
    expect(Math.abs(sd - 2.18)).toBeLessThan(0.2);
  });

  it('refuses bad input with clear errors and saves nothing', async () => {
    const { registry, store } = await setup();
    const base = twoColumnSeries(500);
    const constant = { ...base, columns: [base.columns[0]!, { name: 'flat', values: new Float64Array(500).fill(3) }] };
    let e = await errorOf(registry.fit({ generator: 'arima', data: constant, constraints: false }));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain('"flat" is constant');
    // With the constraint layer (the default) a constant column is copied as it is, not refused.
    const kept = await registry.fit({ generator: 'arima', data: constant, seed: 1 });
    const copy = await registry.sample(kept.id, { length: 50, seed: 2 });
    expect(Array.from(copy.series[0]!.columns[1]!.values)).toEqual(new Array(50).fill(3));
    await registry.delete(kept.id);
    const allFlat = { ...base, columns: [{ name: 'flat', values: new Float64Array(500).fill(3) }] };
    e = await errorOf(registry.fit({ generator: 'arima', data: allFlat }));
    expect(e.message).toContain('every column is constant');
    const empty = { ...base, columns: [base.columns[0]!, { name: 'dead', values: new Float64Array(500).fill(NaN) }] };
    e = await errorOf(registry.fit({ generator: 'arima', data: empty }));
    expect(e.message).toContain('"dead" has no values');
    e = await errorOf(registry.fit({ generator: 'arima', data: twoColumnSeries(20) }));
    expect(e.message).toMatch(/20 rows is too little/);
    e = await errorOf(registry.fit({ generator: 'arima', data: base, options: { maxP: 99 } }));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain('maxP');
    e = await errorOf(registry.fit({ generator: 'nope', data: base }));
    expect(e.message).toContain('"nope" cannot be fitted');
    e = await errorOf(registry.fit({ generator: 'arima', data: base, columns: ['pressure'] }));
    expect(e.message).toContain('"pressure" not in the data');
    e = await errorOf(registry.get('mdl_missing'));
    expect(e.code).toBe('not_found');
    expect(await registry.list()).toEqual([]);
    expect(await store.listDocuments(MODEL_STATES_COLLECTION)).toEqual([]);
  });

  it('a fit cancelled midway leaves no model behind', async () => {
    const { registry, store } = await setup();
    const { id, done } = registry.startFit({
      generator: 'arima',
      data: twoColumnSeries(3000),
      options: { period: 24 },
    });
    expect(registry.status(id)?.status).toBe('training');
    await new Promise((r) => setTimeout(r, 5));
    expect(registry.cancel(id)).toBe(true);
    const e = await errorOf(done);
    expect(e.code).toBe('cancelled');
    expect(registry.status(id)?.status).toBe('cancelled');
    expect(await registry.list()).toEqual([]);
    expect(await store.listDocuments(MODEL_STATES_COLLECTION)).toEqual([]);
    expect((await errorOf(registry.get(id))).message).toContain('not ready (cancelled)');
  });

  it('fits irregular, gappy data and says what it did', async () => {
    const { registry } = await setup();
    const base = twoColumnSeries(800);
    const keep = Array.from(base.timestamps.keys()).filter((i) => i % 7 !== 3);
    const t = Float64Array.from(keep, (i) => base.timestamps[i]! + (((i * 7) % 5) - 2) * 150);
    const cols = base.columns.map((c) => ({
      ...c,
      values: Float64Array.from(keep, (i) => (i % 50 === 0 ? NaN : c.values[i]!)),
    }));
    const rec = await registry.fit({ generator: 'arima', data: { ...base, timestamps: t, columns: cols } });
    expect(rec.training.notes.join(' ')).toMatch(/resampled by linear interpolation onto a regular 60000 ms grid/);
    expect(rec.training.notes.join(' ')).toMatch(/missing value\(s\) in "temperature" filled/);
  });
});
