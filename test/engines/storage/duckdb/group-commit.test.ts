import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimeSeries } from '../../../../src/core/types.js';
import { DuckDbStorage } from '../../../../src/engines/storage/duckdb/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tsiot-group-'));
let storage: DuckDbStorage;
beforeAll(async () => {
  storage = new DuckDbStorage({ path: join(dir, 'group.duckdb') });
  await storage.init();
});
afterAll(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

function series(id: string, n: number, tags: Record<string, string> = {}): TimeSeries {
  return {
    id,
    name: id,
    metadata: { tags, generator: 'statistical' },
    timestamps: Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 60_000),
    columns: [
      { name: 'a', values: Float64Array.from({ length: n }, (_, i) => Math.sin(i / 7) + i / n) },
      { name: 'b', values: Float64Array.from({ length: n }, (_, i) => (i % 5) - 2) },
    ],
    labels: [],
  };
}

describe('DuckDB group commit', () => {
  it('commits concurrent stores together, each whole, and fails only the request that fails', async () => {
    await storage.store(series('taken', 10));
    // a large store keeps the writer busy, so the small ones behind it form one group
    const busy = storage.store(series('big', 300_000));
    const results = await Promise.allSettled([
      storage.storeMany([series('fleet-1', 60, { g: '1' }), series('fleet-2', 60, { g: '1' })]),
      // its second series exists: the whole request fails, its first series is not kept
      storage.storeMany([series('doomed', 60), series('taken', 60)]),
      storage.store(series('solo', 60, { g: '2' })),
      storage.storeMany([series('fleet-3', 20_000), series('fleet-4', 1)]),
    ]);
    await busy;
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' });
    const ids = (await storage.list({ limit: 100 })).items.map((s) => s.id).sort();
    expect(ids).toEqual(['big', 'fleet-1', 'fleet-2', 'fleet-3', 'fleet-4', 'solo', 'taken']);
    // the existing series is untouched, and every grouped series reads back whole with its tags
    expect((await storage.retrieve({ id: 'taken' })).timestamps.length).toBe(10);
    for (const id of ['fleet-1', 'fleet-3', 'fleet-4', 'solo']) {
      const want = series(id, id === 'fleet-3' ? 20_000 : id === 'fleet-4' ? 1 : 60);
      const got = await storage.retrieve({ id });
      expect(Array.from(got.timestamps)).toEqual(Array.from(want.timestamps));
      expect(got.columns.map((c) => Array.from(c.values))).toEqual(want.columns.map((c) => Array.from(c.values)));
    }
    expect((await storage.list({ tags: { g: '1' } })).items.map((s) => s.id).sort()).toEqual(['fleet-1', 'fleet-2']);
    expect((await storage.retrieve({ id: 'big' })).timestamps.length).toBe(300_000);
  }, 120_000);

  it('replaces in a group when asked (overwrite), and refuses a repeated id without it', async () => {
    await storage.store(series('again', 5));
    const busy = storage.store(series('big-2', 200_000));
    const [replaced, repeated, fresh] = await Promise.allSettled([
      storage.store(series('again', 7), { overwrite: true }),
      storage.storeMany([series('twice', 3), series('twice', 4)]),
      storage.store(series('fresh', 2)),
    ]);
    await busy;
    expect(replaced.status).toBe('fulfilled');
    expect(repeated).toMatchObject({ status: 'rejected', reason: { code: 'conflict' } });
    expect(fresh.status).toBe('fulfilled');
    expect((await storage.retrieve({ id: 'again' })).timestamps.length).toBe(7);
    await expect(storage.retrieve({ id: 'twice' })).rejects.toMatchObject({ code: 'not_found' });
  }, 120_000);

  it("writes a store's documents in its commit: kept with its series, absent when the store fails", async () => {
    await storage.store(series('held', 3));
    const doc = (id: string) => ({ collection: 'log', id, doc: { about: id } });
    // alone (its own transaction) and in a group behind a busy writer
    await storage.store(series('alone', 3), { documents: [doc('alone')] });
    await expect(storage.store(series('held', 4), { documents: [doc('alone-failed')] })).rejects.toMatchObject({
      code: 'conflict',
    });
    const busy = storage.store(series('big-3', 200_000));
    const results = await Promise.allSettled([
      storage.storeMany([series('with-doc-1', 60), series('with-doc-2', 60)], { documents: [doc('kept')] }),
      storage.storeMany([series('lost', 60), series('held', 60)], { documents: [doc('lost')] }),
      storage.putDocument('log', 'kept', { about: 'replaced by a later put' }),
    ]);
    await busy;
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await storage.getDocument('log', 'alone')).toEqual({ about: 'alone' });
    expect(await storage.getDocument('log', 'alone-failed')).toBeUndefined();
    expect(await storage.getDocument('log', 'lost')).toBeUndefined();
    expect(await storage.describe('lost')).toBeUndefined();
    // puts in call order: the store's document, then the put that replaces it
    expect(await storage.getDocument('log', 'kept')).toEqual({ about: 'replaced by a later put' });
    expect((await storage.describe('with-doc-2'))?.points).toBe(60);
    expect((await storage.retrieve({ id: 'held' })).timestamps.length).toBe(3);
  }, 120_000);

  it('refuses a document of a store by its field before writing anything', async () => {
    await expect(
      storage.store(series('bad-doc', 3), { documents: [{ collection: '', id: 'x', doc: {} }] }),
    ).rejects.toThrow(/collection: expected a non-empty string/);
    expect(await storage.describe('bad-doc')).toBeUndefined();
  });
});
