import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TsiotError } from '../../../src/core/errors.js';
import { createLogger } from '../../../src/core/logger.js';
import { loadConfig } from '../../../src/core/config.js';
import type { TimeSeries } from '../../../src/core/types.js';
import { createEngines } from '../../../src/engines/engines.js';
import { StatisticalParamsSchema } from '../../../src/engines/generation/statistical/schema.js';
import { DuckDbStorage } from '../../../src/engines/storage/duckdb/index.js';
import type { StoreOptions } from '../../../src/engines/storage/storage.js';

/**
 * The real embedded backend, with a fault injected on the n-th store and its
 * one-commit `storeMany` hidden: the path every backend without transactions
 * takes (one by one, what was stored removed again on a failure). The
 * one-commit path is proven against kill -9 in test/engines/series/crash.test.ts.
 */
class FailingOnNthStore extends DuckDbStorage {
  private count = 0;
  declare storeMany: DuckDbStorage['storeMany'];
  constructor(private readonly failAt: number) {
    super({ path: ':memory:' });
    Object.defineProperty(this, 'storeMany', { value: undefined });
  }
  override async store(series: TimeSeries, options?: StoreOptions) {
    this.count += 1;
    if (this.count === this.failAt) throw new TsiotError('unavailable', 'injected storage failure');
    // one series per commit, as a backend without transactions writes
    return (await DuckDbStorage.prototype.storeMany.call(this, [series], options))[0]!;
  }
}

async function engineWith(storage: DuckDbStorage, maxPointsPerRequest = 5_000_000) {
  const config = loadConfig({ storage: 'duckdb://:memory:', logLevel: 'silent', maxPointsPerRequest }, {});
  return createEngines(config, createLogger('silent'), { storage });
}

describe('GenerationService', () => {
  it('stores all series of a request or none of them', async () => {
    const storage = new FailingOnNthStore(3);
    const engines = await engineWith(storage);
    try {
      await expect(
        engines.generation.generate({ generator: 'statistical', params: { devices: 4, duration: '1h' }, seed: 1 }),
      ).rejects.toThrow(/injected storage failure/);
      expect((await storage.list()).total).toBe(0);
      const ok = await engines.generation.generate({
        generator: 'statistical',
        params: { devices: 2, duration: '1h' },
        seed: 1,
      });
      expect(ok.stored).toHaveLength(2);
      expect((await storage.list()).total).toBe(2);
    } finally {
      await engines.close();
    }
  });

  it('refuses a request over the point cap before generating, with the numbers in the message', async () => {
    const engines = await engineWith(new DuckDbStorage({ path: ':memory:' }), 1000);
    try {
      const err = await engines.generation
        .generate({ generator: 'statistical', params: { devices: 2, points: 600 } })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TsiotError);
      expect((err as TsiotError).code).toBe('too_large');
      expect((err as TsiotError).message).toContain('1,200 values; the limit per request is 1,000');
    } finally {
      await engines.close();
    }
  });

  it('reports the seed it drew when none was given, and that seed reproduces the data', async () => {
    const engines = await engineWith(new DuckDbStorage({ path: ':memory:' }));
    try {
      const a = await engines.generation.generate({
        generator: 'statistical',
        params: { duration: '2h' },
        store: false,
      });
      expect(typeof a.seed).toBe('number');
      const b = await engines.generation.generate({
        generator: 'statistical',
        params: { duration: '2h' },
        store: false,
        seed: a.seed,
      });
      expect(Buffer.from(b.series[0]!.columns[0]!.values.buffer)).toEqual(
        Buffer.from(a.series[0]!.columns[0]!.values.buffer),
      );
      expect(b.series[0]!.metadata.seed).toBe(a.seed);
      expect(b.series[0]!.metadata.generator).toBe('statistical');
    } finally {
      await engines.close();
    }
  });

  it('names the bad field for invalid parameters', async () => {
    const engines = await engineWith(new DuckDbStorage({ path: ':memory:' }));
    try {
      await expect(
        engines.generation.generate({ generator: 'statistical', params: { interval: 'often' } }),
      ).rejects.toThrow(/parameters for generator "statistical": interval:/);
    } finally {
      await engines.close();
    }
  });

  it("uses params parsed with the generator's own schema as they are, and parses any others", async () => {
    const engines = await engineWith(new DuckDbStorage({ path: ':memory:' }));
    try {
      const parsed = StatisticalParamsSchema.parse({ points: 30, devices: 2 });
      const plain = await engines.generation.generate({ params: { points: 30, devices: 2 }, seed: 9, store: false });
      const carried = await engines.generation.generate({
        params: parsed,
        parsedWith: StatisticalParamsSchema,
        seed: 9,
        store: false,
      });
      expect(carried.points).toBe(plain.points);
      for (const [i, s] of plain.series.entries())
        expect(Buffer.from(carried.series[i]!.columns[0]!.values.buffer)).toEqual(
          Buffer.from(s.columns[0]!.values.buffer),
        );
      // not parsed again: a value the schema would refuse gets through (the carrier vouches for it)
      expect(
        engines.generation.plan({ params: { ...parsed, variation: 5 }, parsedWith: StatisticalParamsSchema }).points,
      ).toBe(60);
      // any other schema named as the parser is no reason to skip validation
      expect(() => engines.generation.plan({ params: { ...parsed, variation: 5 }, parsedWith: z.object({}) })).toThrow(
        /parameters for generator "statistical": variation:/,
      );
    } finally {
      await engines.close();
    }
  });
});
