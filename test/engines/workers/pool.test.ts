import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.js';
import { createBuiltinFactory } from '../../../src/engines/generation/builtin.js';
import { GenerationService } from '../../../src/engines/generation/service.js';
import { SeriesStore } from '../../../src/engines/series/store.js';
import { DuckDbStorage } from '../../../src/engines/storage/duckdb/index.js';
import { analyzeSeries } from '../../../src/engines/validation/analyze.js';
import { ValidationEngine } from '../../../src/engines/validation/engine.js';
import { WorkerPool } from '../../../src/engines/workers/pool.js';

const pool = new WorkerPool({ size: 1, maxQueued: 1 });
afterAll(() => pool.close());

const PARAMS = { points: 5_000, devices: 3, sensors: [{ type: 'temperature' }, { type: 'vibration' }], seed: 1 };

async function fleet() {
  const factory = createBuiltinFactory();
  const gen = factory.create('statistical');
  const params = factory.create('statistical').paramsSchema.parse(PARAMS);
  return (await gen.generate(params, { rng: createRng(9) })).series;
}

/** A report without the fields that measure the run itself. */
function stable(report: object): string {
  return JSON.stringify(report, (k, v) => (k === 'durationMs' || k === 'createdAt' ? undefined : v));
}

describe('WorkerPool', () => {
  it('generates in a worker the same bytes as inline', { timeout: 60_000 }, async () => {
    const storage = new DuckDbStorage({ path: ':memory:' });
    await storage.init();
    const factory = createBuiltinFactory();
    const series = new SeriesStore(storage);
    const inline = new GenerationService({ factory, series, maxPoints: 1e8 });
    const pooled = new GenerationService({ factory, series, maxPoints: 1e8, pool, offloadValues: 1 });
    const req = { generator: 'statistical', params: { points: 20_000, devices: 2 }, seed: 5, store: false };
    const a = await inline.generate(req);
    const b = await pooled.generate(req);
    expect(b.series.map((s) => Buffer.from(s.columns[0]!.values.buffer).toString('base64'))).toEqual(
      a.series.map((s) => Buffer.from(s.columns[0]!.values.buffer).toString('base64')),
    );
    expect(Array.from(b.series[1]!.timestamps)).toEqual(Array.from(a.series[1]!.timestamps));
    await storage.close();
  });

  it('validates and analyses in a worker with the same result as inline', { timeout: 60_000 }, async () => {
    const data = await fleet();
    const inline = new ValidationEngine();
    const pooled = new ValidationEngine({ pool, offloadValues: 1 });
    const request = { synthetic: data.slice(0, 2), reference: data.slice(2), rules: { seed: 3 } };
    expect(stable(await pooled.validate(request))).toBe(stable(await inline.validate(request)));
    expect(JSON.stringify(await pooled.analyze(data[0]!))).toBe(JSON.stringify(analyzeSeries(data[0]!)));
  });

  it('passes errors back with their code and message', { timeout: 60_000 }, async () => {
    await expect(pool.run('generate', { generator: 'nope', params: {}, seed: 1, config: {} })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('cancels a running task by its signal, refuses work beyond its queue, and keeps serving', {
    timeout: 60_000,
  }, async () => {
    const data = await fleet();
    const ac = new AbortController();
    const big = {
      series: {
        ...data[0]!,
        timestamps: new Float64Array(3_000_000).map((_, i) => i * 1000),
        columns: [{ name: 'v', values: new Float64Array(3_000_000).map((_, i) => Math.sin(i)) }],
      },
      options: {},
    };
    const running = pool.run('analyze', big, { signal: ac.signal });
    const queued = pool.run<{ rows: number }>('analyze', { series: data[0]!, options: {} });
    await expect(pool.run('analyze', { series: data[0]!, options: {} })).rejects.toMatchObject({
      code: 'rate_limited',
    });
    ac.abort();
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    const after = await queued;
    expect(after.rows).toBe(data[0]!.timestamps.length);
  });
});
