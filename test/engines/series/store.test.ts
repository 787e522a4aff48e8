import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TimeSeries } from '../../../src/core/types.js';
import { EVENTS_COLLECTION, InProcessEventBus } from '../../../src/engines/events/index.js';
import type { TsiotEvent } from '../../../src/engines/events/types.js';
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

  it('logs series.created in the commit of the series when the log is in the same database', async () => {
    const storage = new DuckDbStorage({ path: ':memory:' });
    await storage.init();
    const bus = new InProcessEventBus(storage);
    expect(bus.logScope).toBe(storage.commitScope);
    const heard: { event: TsiotEvent; stored: Promise<unknown>; logged: Promise<unknown> }[] = [];
    bus.subscribe((event) => {
      const id = (event.data.ids as string[])[0]!;
      // reads see committed data only: a listener told of the store finds the series and its event
      heard.push({
        event,
        stored: storage.describe(id),
        logged: storage.getDocument(EVENTS_COLLECTION, `_.${event.id}`),
      });
    });
    const store = new SeriesStore(storage, bus, undefined, { tenant: 't1' });
    const [one] = await store.store([series([1, 2, 3])]);
    const fleet = await store.store([series([1, 2]), series([3, 4])]);
    expect(heard.map((h) => h.event.data.ids)).toEqual([[one!.id], fleet.map((r) => r.id)]);
    expect(heard[0]!.event).toMatchObject({ type: 'series.created', data: { tenant: 't1' } });
    for (const h of heard) {
      expect(await h.stored).toBeDefined();
      expect(await h.logged).toEqual(h.event);
    }
    // a store the storage refuses logs nothing and announces nothing
    const twice = series([1, 2]);
    twice.columns.push({ ...twice.columns[0]! });
    await expect(store.store([twice])).rejects.toThrow(/column "v" appears twice/);
    // an event that cannot be logged fails its store: the series are durable exactly when their event is
    await expect(store.store([series([7, 8])], { announce: { size: 1n } })).rejects.toThrow(
      /doc cannot be stored as JSON/,
    );
    expect(heard).toHaveLength(2);
    expect(await storage.listDocuments(EVENTS_COLLECTION)).toHaveLength(2);
    expect((await storage.list({})).total).toBe(3);
    await storage.close();
  });

  it('announces after the commit, as before, when the log is in another database', async () => {
    const storage = new DuckDbStorage({ path: ':memory:' });
    const meta = new DuckDbStorage({ path: ':memory:' });
    await storage.init();
    await meta.init();
    const bus = new InProcessEventBus(meta);
    const heard: TsiotEvent[] = [];
    bus.subscribe((e) => heard.push(e));
    const [r] = await new SeriesStore(storage, bus).store([series([5, 6])]);
    expect(heard.map((e) => e.data.ids)).toEqual([[r!.id]]);
    expect(await meta.getDocument(EVENTS_COLLECTION, `_.${heard[0]!.id}`)).toEqual(heard[0]);
    expect(await storage.listDocuments(EVENTS_COLLECTION)).toEqual([]);
    await storage.close();
    await meta.close();
  });
});
