import { describe, expect, it } from 'vitest';
import type { LoadedModel } from '../../../src/engines/generation/learner.js';
import { ModelPool } from '../../../src/engines/models/pool.js';

/** A loaded model that only records its disposal. */
class Sized implements LoadedModel {
  disposed = 0;
  constructor(readonly bytes: number) {}
  async sample() {
    return [];
  }
  dispose() {
    this.disposed++;
  }
}

describe('ModelPool', () => {
  it('keeps the most recently used models within the count cap and disposes evicted ones once', async () => {
    const pool = new ModelPool({ maxModels: 2, maxBytes: 1e9 });
    const made = new Map<string, Sized>();
    const load = (id: string) => async () => {
      const m = new Sized(10);
      made.set(id, m);
      return m;
    };
    await pool.with('a', load('a'), () => undefined);
    await pool.with('b', load('b'), () => undefined);
    await pool.with('a', load('a2'), () => undefined); // hit: a becomes most recent
    await pool.with('c', load('c'), () => undefined); // evicts b
    expect(made.has('a2')).toBe(false);
    expect(pool.has('a') && pool.has('c') && !pool.has('b')).toBe(true);
    expect(made.get('b')!.disposed).toBe(1);
    expect(pool.stats()).toMatchObject({ models: 2, hits: 1, misses: 3 });
    pool.clear();
    expect(made.get('a')!.disposed + made.get('c')!.disposed).toBe(2);
  });

  it('respects the memory cap but never evicts the model just loaded', async () => {
    const pool = new ModelPool({ maxModels: 10, maxBytes: 100 });
    const a = new Sized(60);
    const b = new Sized(60);
    await pool.with(
      'a',
      async () => a,
      () => undefined,
    );
    await pool.with(
      'b',
      async () => b,
      () => undefined,
    );
    expect(pool.has('a')).toBe(false);
    expect(a.disposed).toBe(1);
    const big = new Sized(500);
    await pool.with(
      'big',
      async () => big,
      () => undefined,
    );
    expect(pool.has('big')).toBe(true);
    expect(b.disposed).toBe(1);
  });

  it('disposes a model evicted while in use only after the use ends, and loads concurrently requested models once', async () => {
    const pool = new ModelPool({ maxModels: 1, maxBytes: 1e9 });
    const a = new Sized(1);
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const using = pool.with(
      'a',
      async () => {
        loads++;
        return a;
      },
      () => gate,
    );
    const again = pool.with(
      'a',
      async () => {
        loads++;
        return a;
      },
      () => undefined,
    );
    await again;
    expect(loads).toBe(1);
    await pool.with(
      'b',
      async () => new Sized(1),
      () => undefined,
    );
    expect(a.disposed).toBe(0);
    release();
    await using;
    expect(a.disposed).toBe(1);
  });
});
