import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../../src/core/errors.js';
import { DuckDbStorage } from '../../../../src/engines/storage/duckdb/index.js';
import { createStorage } from '../../../../src/engines/storage/index.js';
import { hasSimilaritySearch } from '../../../../src/engines/storage/storage.js';
import { shapeFleet, shapeSeries } from '../shapes.js';

const dir = mkdtempSync(join(tmpdir(), 'tsiot-duckdb-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return e instanceof TsiotError ? e.code : `not a TsiotError: ${String(e)}`;
  }
}

const sineQuery = Array.from({ length: 300 }, (_, i) => 50 + 10 * Math.sin(2 * Math.PI * 4 * (i / 300) + 0.1));

describe('DuckDbStorage.findSimilar', () => {
  let storage: DuckDbStorage;
  beforeAll(async () => {
    storage = new DuckDbStorage({ path: ':memory:' });
    for (const s of shapeFleet()) await storage.store(s);
  });
  afterAll(() => storage.close());

  it('is offered through the SimilaritySearch interface', () => {
    expect(hasSimilaritySearch(storage)).toBe(true);
  });

  it('finds the sine-like series before noise and ramps (inline values)', async () => {
    const found = await storage.findSimilar({ values: sineQuery }, { limit: 10 });
    expect(
      found
        .slice(0, 2)
        .map((m) => m.id)
        .sort(),
    ).toEqual(['sine-a', 'sine-b']);
    expect(found[0]).toMatchObject({ name: expect.stringMatching(/^sine-/), column: 'value' });
    expect(found[1]!.distance).toBeLessThan(0.1);
    expect(found[2]!.distance).toBeGreaterThan(found[1]!.distance + 0.2);
    for (let k = 1; k < found.length; k++) expect(found[k]!.distance).toBeGreaterThanOrEqual(found[k - 1]!.distance);
    // the constant series has no shape and is never a match
    expect(found.map((m) => m.id)).not.toContain('flat');
    expect(found).toHaveLength(6);
  });

  it('searches by a stored id and leaves that series out', async () => {
    const fromSine = await storage.findSimilar({ id: 'sine-a', column: 'value' }, { limit: 3 });
    expect(fromSine[0]!.id).toBe('sine-b');
    expect(fromSine.map((m) => m.id)).not.toContain('sine-a');
    expect(fromSine).toHaveLength(3);
    const fromRamp = await storage.findSimilar({ id: 'ramp-up' }, { limit: 1 });
    expect(fromRamp[0]!.id).toBe('ramp-b');
    const fromNoise = await storage.findSimilar({ id: 'noise-1' }, { limit: 1 });
    expect(fromNoise[0]!.id).toBe('noise-2');
  });

  it('honours limit, column and excludeId', async () => {
    expect(await storage.findSimilar({ values: sineQuery }, { limit: 1 })).toHaveLength(1);
    expect(await storage.findSimilar({ values: sineQuery }, { column: 'other' })).toEqual([]);
    const withoutA = await storage.findSimilar({ values: sineQuery }, { excludeId: 'sine-a' });
    expect(withoutA[0]!.id).toBe('sine-b');
    expect(withoutA.map((m) => m.id)).not.toContain('sine-a');
  });

  it('is deterministic', async () => {
    const a = await storage.findSimilar({ values: sineQuery }, { limit: 10 });
    const b = await storage.findSimilar({ values: Float64Array.from(sineQuery) }, { limit: 10 });
    expect(b).toEqual(a);
    const other = new DuckDbStorage({ path: ':memory:' });
    for (const s of shapeFleet().reverse()) await other.store(s);
    expect(await other.findSimilar({ values: sineQuery }, { limit: 10 })).toEqual(a);
    await other.close();
  });

  it('matches per column and forgets deleted or replaced series', async () => {
    const s = new DuckDbStorage({ path: ':memory:' });
    const two = shapeSeries('two', (x) => Math.sin(2 * Math.PI * 4 * x));
    two.columns.push({ name: 'ramp', values: Float64Array.from({ length: 500 }, (_, i) => i) });
    await s.store(two);
    await s.store(shapeSeries('ramp-only', (x) => x, 200, 'ramp'));
    expect((await s.findSimilar({ values: sineQuery }, { limit: 1 }))[0]).toMatchObject({ id: 'two', column: 'value' });
    expect(await s.findSimilar({ id: 'ramp-only' })).toEqual([
      expect.objectContaining({ id: 'two', column: 'ramp' }),
      expect.objectContaining({ id: 'two', column: 'value' }),
    ]);
    expect((await s.findSimilar({ id: 'two', column: 'ramp' }))[0]).toMatchObject({ id: 'ramp-only', column: 'ramp' });
    await s.store(
      shapeSeries('two', () => 1),
      { overwrite: true },
    );
    expect(await s.findSimilar({ id: 'ramp-only' })).toEqual([]);
    await s.store(
      shapeSeries('two', (x) => x * x),
      { overwrite: true },
    );
    expect((await s.findSimilar({ id: 'ramp-only' })).map((m) => m.id)).toEqual(['two']);
    await s.delete('two');
    expect((await s.findSimilar({ values: sineQuery })).map((m) => m.id)).toEqual(['ramp-only']);
    await s.close();
  });

  it('refuses bad queries with invalid_input or not_found', async () => {
    expect(await codeOf(storage.findSimilar(null as unknown as { id: string }))).toBe('invalid_input');
    expect(await codeOf(storage.findSimilar({ values: [1, 1, 1] }))).toBe('invalid_input');
    expect(await codeOf(storage.findSimilar({ values: 'abc' as unknown as number[] }))).toBe('invalid_input');
    expect(await codeOf(storage.findSimilar({ values: [1, 'x', 3] as unknown as number[] }))).toBe('invalid_input');
    expect(await codeOf(storage.findSimilar({ values: sineQuery }, { limit: 0 }))).toBe('invalid_input');
    expect(await codeOf(storage.findSimilar({ values: sineQuery }, { limit: 2.5 }))).toBe('invalid_input');
    expect(await codeOf(storage.findSimilar({ id: '' }))).toBe('invalid_input');
    expect(await codeOf(storage.findSimilar({ id: 'nope' }))).toBe('not_found');
    expect(await codeOf(storage.findSimilar({ id: 'sine-a', column: 'nope' }))).toBe('invalid_input');
    expect(await codeOf(storage.findSimilar({ id: 'flat' }))).toBe('invalid_input');
  });
});

describe('DuckDB embeddings migration', () => {
  it('adds and backfills the embeddings table of a file written without it, once', async () => {
    const path = join(dir, 'old.duckdb');
    const first = new DuckDbStorage({ path });
    for (const s of shapeFleet()) await first.store(s);
    await first.close();
    // make it look like a file from before the table existed
    const raw = await DuckDBInstance.create(path);
    const c = await raw.connect();
    await c.run('DROP TABLE embeddings');
    await c.run(`DELETE FROM tsiot_meta WHERE key = 'embeddings_backfilled'`);
    c.closeSync();
    raw.closeSync();

    const reopened = new DuckDbStorage({ path });
    const found = await reopened.findSimilar({ values: sineQuery }, { limit: 2 });
    expect(found.map((m) => m.id).sort()).toEqual(['sine-a', 'sine-b']);
    await reopened.close();
    const again = new DuckDbStorage({ path });
    expect(await again.findSimilar({ values: sineQuery }, { limit: 10 })).toHaveLength(6);
    await again.close();
  });
});

describe('DuckDB resource settings', () => {
  it('applies memoryLimit and threads on open', async () => {
    const s = new DuckDbStorage({ path: join(dir, 'limits.duckdb'), memoryLimit: '256MiB', threads: 1 });
    expect(await s.settings()).toEqual({ memoryLimit: '256.0 MiB', threads: 1 });
    await s.close();
  });

  it('caps a file database at 512MB by default', async () => {
    const s = new DuckDbStorage({ path: join(dir, 'default.duckdb') });
    expect((await s.settings()).memoryLimit).toBe('488.2 MiB');
    await s.close();
  });

  it('reads memory_limit and threads from the storage URL', async () => {
    const s = (await createStorage(`duckdb://${join(dir, 'url.duckdb')}?memory_limit=1GiB&threads=2`)) as DuckDbStorage;
    expect(await s.settings()).toEqual({ memoryLimit: '1.0 GiB', threads: 2 });
    await s.close();
    const m = (await createStorage('duckdb://:memory:?memory_limit=128MiB')) as DuckDbStorage;
    expect((await m.settings()).memoryLimit).toBe('128.0 MiB');
    await m.close();
  });

  it('refuses bad settings with invalid_input', async () => {
    expect(await codeOf(createStorage('duckdb://:memory:?memory_limit=lots'))).toBe('invalid_input');
    expect(await codeOf(createStorage('duckdb://:memory:?threads=0'))).toBe('invalid_input');
    expect(await codeOf(createStorage('duckdb://:memory:?threads=two'))).toBe('invalid_input');
    expect(await codeOf(createStorage('duckdb://:memory:?cache=1'))).toBe('invalid_input');
    expect(() => new DuckDbStorage({ path: ':memory:', memoryLimit: '12 parsecs' })).toThrow(TsiotError);
    expect(() => new DuckDbStorage({ path: ':memory:', threads: 1.5 })).toThrow(TsiotError);
  });
});
