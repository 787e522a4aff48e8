import { afterEach, describe, expect, it } from 'vitest';
import type { TsiotError } from '../../../../src/core/errors.js';
import { loadTf } from '../../../../src/engines/ml/tf.js';
import { createBuiltinFactory } from '../../../../src/engines/generation/builtin.js';
import { MODEL_STATES_COLLECTION } from '../../../../src/engines/models/record.js';
import { ModelRegistry } from '../../../../src/engines/models/registry.js';
import { tempStore, twoColumnSeries } from '../../models/helpers.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const tiny = { hidden: 8, window: 12, iterations: 60, batchSize: 16, learningRate: 0.02 };

describe('rnn learned generator', () => {
  it('lowers the loss, saves, and reloaded models sample identically for the same seed', async () => {
    const t = await tempStore();
    cleanup = t.cleanup;
    const registry = new ModelRegistry(t.store, createBuiltinFactory());
    const progress: number[] = [];
    const rec = await registry.fit(
      { generator: 'rnn', data: twoColumnSeries(400), seed: 1, options: tiny },
      { onProgress: (p) => progress.push(p.done) },
    );
    expect(rec.details.backend).toBe('wasm');
    expect(rec.details.finalLoss as number).toBeLessThan((rec.details.initialLoss as number) - 0.2);
    expect(progress.at(-1)).toBe(60);
    const a = await registry.sample(rec.id, { length: 30, count: 4, context: 'random', seed: 5 });
    expect(a.series).toHaveLength(4);
    expect(a.series[0]!.columns.map((c) => c.name)).toEqual(['temperature', 'humidity']);
    for (const s of a.series) for (const c of s.columns) expect(c.values.every(Number.isFinite)).toBe(true);
    registry.close();
    const fresh = new ModelRegistry(t.store, createBuiltinFactory());
    const b = await fresh.sample(rec.id, { length: 30, count: 4, context: 'random', seed: 5 });
    expect(b.series.map((s) => s.columns.map((c) => Array.from(c.values)))).toEqual(
      a.series.map((s) => s.columns.map((c) => Array.from(c.values))),
    );
    const c = await fresh.sample(rec.id, { length: 30, count: 4, context: 'random', seed: 6 });
    expect(Array.from(c.series[0]!.columns[0]!.values)).not.toEqual(Array.from(a.series[0]!.columns[0]!.values));
    fresh.close();
  }, 120_000);

  it('training is reproducible for the same seed and LSTM / Gaussian variants train', async () => {
    const t = await tempStore();
    cleanup = t.cleanup;
    const registry = new ModelRegistry(t.store, createBuiltinFactory());
    const data = twoColumnSeries(300, 2);
    const a = await registry.fit({ generator: 'rnn', data, seed: 9, options: { ...tiny, iterations: 10 } });
    const b = await registry.fit({ generator: 'rnn', data, seed: 9, options: { ...tiny, iterations: 10 } });
    expect(b.details.lossCurve).toEqual(a.details.lossCurve);
    const lstm = await registry.fit({
      generator: 'rnn',
      data,
      seed: 9,
      options: { ...tiny, cell: 'lstm', output: 'gaussian', layers: 2 },
    });
    expect(lstm.details.finalLoss as number).toBeLessThan(lstm.details.initialLoss as number);
    const s = await registry.sample(lstm.id, { length: 20, context: 'none', seed: 1 });
    expect(s.series[0]!.columns[1]!.values.every(Number.isFinite)).toBe(true);
    registry.close();
  }, 120_000);

  it('does not leak tensors across many sample calls or through pool eviction', async () => {
    const t = await tempStore();
    cleanup = t.cleanup;
    const tf = await loadTf();
    const registry = new ModelRegistry(t.store, createBuiltinFactory(), { maxModels: 1, maxBytes: 1e9 });
    const data = twoColumnSeries(200, 3);
    const before = tf.memory().numTensors;
    const m1 = await registry.fit({ generator: 'rnn', data, seed: 1, options: { ...tiny, iterations: 5 } });
    const m2 = await registry.fit({ generator: 'rnn', data, seed: 2, options: { ...tiny, iterations: 5 } });
    expect(tf.memory().numTensors).toBe(before);
    await registry.sample(m1.id, { length: 10, count: 2, seed: 1 });
    const loaded = tf.memory().numTensors;
    for (let i = 0; i < 200; i++)
      await registry.sample(m1.id, { length: 10, count: 2, context: i % 2 ? 'random' : 'none', seed: i });
    expect(tf.memory().numTensors).toBe(loaded);
    await registry.sample(m2.id, { length: 10, seed: 1 }); // evicts m1 (pool of one)
    expect(tf.memory().numTensors).toBe(loaded);
    await registry.delete(m2.id);
    expect(tf.memory().numTensors).toBe(before);
    registry.close();
  }, 120_000);

  it('a cancelled training saves nothing; too little data is refused', async () => {
    const t = await tempStore();
    cleanup = t.cleanup;
    const registry = new ModelRegistry(t.store, createBuiltinFactory());
    const { id, done } = registry.startFit({
      generator: 'rnn',
      data: twoColumnSeries(300),
      options: { ...tiny, iterations: 100_000 },
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(registry.status(id)?.progress?.done).toBeGreaterThan(0);
    registry.cancel(id);
    const e = await done.catch((x: unknown) => x);
    expect((e as TsiotError).code).toBe('cancelled');
    expect(await registry.list()).toEqual([]);
    expect(await t.store.listDocuments(MODEL_STATES_COLLECTION)).toEqual([]);
    const small = await registry
      .fit({ generator: 'rnn', data: twoColumnSeries(30), options: { window: 24 } })
      .catch((x: unknown) => x);
    expect((small as TsiotError).message).toMatch(/30 rows is too little for "rnn".*at least 34/);
    registry.close();
  }, 120_000);
});
