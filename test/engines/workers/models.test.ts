import { afterAll, describe, expect, it } from 'vitest';
import type { TimeSeries } from '../../../src/core/types.js';
import { createBuiltinFactory } from '../../../src/engines/generation/builtin.js';
import { CHECKPOINTS_COLLECTION, MODEL_STATES_COLLECTION } from '../../../src/engines/models/record.js';
import { ModelRegistry } from '../../../src/engines/models/registry.js';
import type { DocumentStore } from '../../../src/engines/storage/storage.js';
import { WorkerPool } from '../../../src/engines/workers/pool.js';
import { tempStore, twoColumnSeries } from '../models/helpers.js';

const pool = new WorkerPool({ size: 1, maxQueued: 4 });
afterAll(() => pool.close());

/** Every value of every series, as the bytes of its arrays. */
function bytes(series: TimeSeries[]): string[] {
  return series.flatMap((s) => [
    Buffer.from(s.timestamps.buffer, s.timestamps.byteOffset, s.timestamps.byteLength).toString('base64'),
    ...s.columns.map((c) => Buffer.from(c.values.buffer, c.values.byteOffset, c.values.byteLength).toString('base64')),
  ]);
}

/** Fields that measure the run (or name it), not what was learned. */
const RUN_FIELDS = new Set(['trainingMs', 'createdAt', 'id', 'secondsPerIteration']);

/** A record without the fields that measure the run or name it. */
function stable(record: object): string {
  return JSON.stringify(record, (k, v) => (RUN_FIELDS.has(k) ? undefined : v));
}

/** Fit the same request inline and in the pool (sampling offloaded from 1 value), and compare. */
async function same(generator: string, options: Record<string, unknown>, data: TimeSeries | TimeSeries[]) {
  const t = await tempStore();
  try {
    const inline = new ModelRegistry(t.store, createBuiltinFactory());
    const pooled = new ModelRegistry(t.store, createBuiltinFactory(), undefined, { pool, sampleValues: 1 });
    const inlineProgress: number[] = [];
    const pooledProgress: number[] = [];
    const req = { generator, data, options, seed: 11 };
    const a = await inline.fit(req, { onProgress: (p) => inlineProgress.push(p.done) });
    const b = await pooled.fit(req, { onProgress: (p) => pooledProgress.push(p.done) });
    expect(stable(b)).toBe(stable(a));
    expect(JSON.stringify(await t.store.getDocument(MODEL_STATES_COLLECTION, b.id))).toBe(
      JSON.stringify(await t.store.getDocument(MODEL_STATES_COLLECTION, a.id)),
    );
    // progress reaches the caller from the worker as it does inline (how often may depend on timing)
    expect(pooledProgress.length).toBeGreaterThan(0);
    expect(pooledProgress.at(-1)).toBe(inlineProgress.at(-1));
    const call = { length: 500, count: 2, context: 'none' as const, seed: 4 };
    const sa = await inline.sample(a.id, call);
    // the pooled registry samples its own model and the inline one's: both equal to inline
    const sb = await pooled.sample(b.id, call);
    const sc = await pooled.sample(a.id, call);
    expect(bytes(sb.series)).toEqual(bytes(sa.series));
    expect(bytes(sc.series)).toEqual(bytes(sa.series));
    expect(sc.series.map((s) => s.name)).toEqual(sa.series.map((s) => s.name));
    inline.close();
    pooled.close();
  } finally {
    await t.cleanup();
  }
}

describe('fits and samplings in the worker pool', () => {
  it('arima: the same model and the same samples as inline', { timeout: 120_000 }, async () => {
    await same('arima', {}, twoColumnSeries(600));
  });

  it('mixture: the same model and the same samples as inline', { timeout: 120_000 }, async () => {
    await same('mixture', { window: 24 }, twoColumnSeries(600));
  });

  it('dgan (tfjs on the wasm backend in the worker): the same model and samples as inline', {
    timeout: 240_000,
  }, async () => {
    const tiny = { length: 24, sampleLen: 4, hidden: 8, mlpHidden: 12, discriminatorHidden: 16, batchSize: 8 };
    const fleet = [1, 2, 3].map((i) => ({ ...twoColumnSeries(48, i), id: `d${i}`, name: `d${i}` }));
    await same('dgan', { ...tiny, iterations: 3 }, fleet);
  });

  it('stores the checkpoints a worker fit emits, in order, before the fit returns', { timeout: 240_000 }, async () => {
    const t = await tempStore();
    try {
      const saved: number[] = [];
      const documents: DocumentStore = Object.assign(Object.create(t.store) as DocumentStore, {
        putDocument: async (collection: string, id: string, doc: unknown) => {
          if (collection === CHECKPOINTS_COLLECTION) saved.push((doc as { progress: { done: number } }).progress.done);
          return t.store.putDocument(collection, id, doc);
        },
      });
      const registry = new ModelRegistry(documents, createBuiltinFactory(), undefined, { pool });
      const rec = await registry.fit({
        generator: 'timegan',
        data: twoColumnSeries(200),
        seed: 1,
        options: {
          seqLen: 8,
          hidden: 8,
          layers: 1,
          batchSize: 16,
          checkpointEvery: 2,
          embeddingIterations: 5,
          supervisedIterations: 2,
          jointIterations: 2,
        },
      });
      expect(saved.length).toBeGreaterThan(1);
      expect(rec.generator).toBe('timegan');
      // the last checkpoint was written before the fit removed it
      expect(await t.store.listDocuments(CHECKPOINTS_COLLECTION)).toEqual([]);
      registry.close();
    } finally {
      await t.cleanup();
    }
  });

  it('cancels a fit running in a worker through its signal and saves nothing', { timeout: 240_000 }, async () => {
    const t = await tempStore();
    try {
      const registry = new ModelRegistry(t.store, createBuiltinFactory(), undefined, { pool });
      const ac = new AbortController();
      const fit = registry.fit(
        {
          generator: 'timegan',
          data: twoColumnSeries(300),
          seed: 1,
          options: { seqLen: 8, hidden: 8, layers: 1, embeddingIterations: 100_000 },
        },
        // cancelled once the worker reports its first iteration
        { signal: ac.signal, onProgress: () => ac.abort() },
      );
      await expect(fit).rejects.toMatchObject({ code: 'cancelled' });
      expect(await registry.list()).toEqual([]);
      expect(await t.store.listDocuments(MODEL_STATES_COLLECTION)).toEqual([]);
      // the pool starts a new worker and keeps serving
      const next = await registry.fit({ generator: 'arima', data: twoColumnSeries(300), seed: 2 });
      expect(next.generator).toBe('arima');
      registry.close();
    } finally {
      await t.cleanup();
    }
  });
});
