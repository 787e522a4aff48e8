import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TimeSeries } from '../../../src/core/types.js';
import { SeriesStore } from '../../../src/engines/series/store.js';
import { DuckDbStorage } from '../../../src/engines/storage/duckdb/index.js';

function series(values: number[]): TimeSeries {
  return {
    id: 'x',
    name: 'x',
    metadata: { tags: {} },
    timestamps: Float64Array.from(values, (_, i) => 1_700_000_000_000 + i * 1000),
    columns: [{ name: 'v', values: Float64Array.from(values) }],
    labels: [],
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('SeriesStore', () => {
  it('refuses infinite values naming the column and stores none of the batch', async () => {
    const storage = new DuckDbStorage({ path: ':memory:' });
    await storage.init();
    const store = new SeriesStore(storage);
    await expect(store.store([series([1, 2, 3]), series([1, Number.POSITIVE_INFINITY, 3])])).rejects.toThrow(
      /column "v" of series "x" overflowed to Infinity at row 1; nothing was stored/,
    );
    expect((await storage.list({})).total).toBe(0);
    await storage.close();
  });

  it('records a creation time on every series it stores', async () => {
    const storage = new DuckDbStorage({ path: ':memory:' });
    await storage.init();
    const before = Date.now();
    const [r] = await new SeriesStore(storage).store([series([1, 2])]);
    const created = Date.parse(String((await storage.describe(r!.id))!.metadata.createdAt));
    expect(created).toBeGreaterThanOrEqual(before - 1);
    expect(created).toBeLessThanOrEqual(Date.now());
    await storage.close();
  });

  it('backfills a creation time into series stored without one when the file is opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsiot-created-'));
    dirs.push(dir);
    const path = join(dir, 'db.duckdb');
    const first = new DuckDbStorage({ path });
    await first.init();
    await first.store(series([1, 2])); // straight to the backend: no createdAt
    expect((await first.describe('x'))!.metadata.createdAt).toBeUndefined();
    await first.close();
    const before = Date.now();
    const second = new DuckDbStorage({ path });
    await second.init();
    const meta = (await second.describe('x'))!.metadata;
    expect(Date.parse(String(meta.createdAt))).toBeGreaterThanOrEqual(before - 1);
    expect(meta.tags).toEqual({});
    await second.close();
  });
});
