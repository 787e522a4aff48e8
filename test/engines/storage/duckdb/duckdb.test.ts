import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../../src/core/errors.js';
import type { TimeSeries } from '../../../../src/core/types.js';
import { createStorage } from '../../../../src/engines/storage/index.js';
import { DuckDbStorage } from '../../../../src/engines/storage/duckdb/index.js';
import { describeStorageContract } from '../contract.js';

const dir = mkdtempSync(join(tmpdir(), 'tsiot-duckdb-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `db-${++files}.duckdb`);

describeStorageContract('duckdb (memory)', async () => new DuckDbStorage({ path: ':memory:' }));
describeStorageContract('duckdb (file)', async () => new DuckDbStorage({ path: freshFile() }));

function series(id: string, timestamps: number[], values: Record<string, number[]>): TimeSeries {
  return {
    id,
    name: id,
    metadata: { tags: { site: 'a' }, deviceId: 'dev-1' },
    timestamps: Float64Array.from(timestamps),
    columns: Object.entries(values).map(([name, v]) => ({ name, unit: 'u', values: Float64Array.from(v) })),
    labels: [
      {
        type: 'spike',
        kind: 'anomaly',
        column: Object.keys(values)[0],
        start: timestamps[0] ?? 0,
        end: timestamps[0] ?? 0,
      },
    ],
  };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return e instanceof TsiotError ? e.code : `not a TsiotError: ${String(e)}`;
  }
}

describe('DuckDbStorage specifics', () => {
  const open: DuckDbStorage[] = [];
  const track = (s: DuckDbStorage) => {
    open.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('keeps series and documents across close and reopen of the file', async () => {
    const path = freshFile();
    const first = new DuckDbStorage({ path });
    const s = series('persist', [-5_000, 0, 7, 7, 1e12], { a: [1, NaN, 3, 4, 5], b: [NaN, NaN, NaN, NaN, 0.1] });
    await first.store(s);
    await first.putDocument('reports', 'r1', { score: 97.5, notes: ['ok', 'ünïcode'] });
    await first.close();

    const second = track(new DuckDbStorage({ path }));
    const back = await second.retrieve({ id: 'persist' });
    expect(Array.from(back.timestamps)).toEqual([-5_000, 0, 7, 7, 1e12]);
    expect(Array.from(back.columns[0]!.values)).toEqual([1, NaN, 3, 4, 5]);
    expect(Array.from(back.columns[1]!.values)).toEqual([NaN, NaN, NaN, NaN, 0.1]);
    expect(back.metadata).toEqual(s.metadata);
    expect(back.labels).toEqual(s.labels);
    expect(await second.getDocument('reports', 'r1')).toEqual({ score: 97.5, notes: ['ok', 'ünïcode'] });
  });

  it('keeps rows paired across columns when timestamps repeat', async () => {
    const storage = track(new DuckDbStorage({ path: ':memory:' }));
    await storage.store(series('dups', [5, 5, 5, 6], { a: [1, 2, 3, 4], b: [10, 20, 30, 40] }));
    const back = await storage.retrieve({ id: 'dups', start: 5, end: 5 });
    expect(Array.from(back.columns[0]!.values)).toEqual([1, 2, 3]);
    expect(Array.from(back.columns[1]!.values)).toEqual([10, 20, 30]);
    const firstLast = await storage.retrieve({ id: 'dups', downsample: { bucketMs: 10, aggregation: 'last' } });
    expect(Array.from(firstLast.columns[1]!.values)).toEqual([40]);
  });

  it('stores a series with timestamps and no value column', async () => {
    const storage = track(new DuckDbStorage({ path: ':memory:' }));
    await storage.store({
      id: 'bare',
      name: 'bare',
      metadata: { tags: {} },
      timestamps: Float64Array.of(1, 2, 3),
      columns: [],
      labels: [],
    });
    const back = await storage.retrieve({ id: 'bare', start: 2 });
    expect(Array.from(back.timestamps)).toEqual([2, 3]);
    expect(back.columns).toEqual([]);
    const buckets = await storage.retrieve({ id: 'bare', downsample: { bucketMs: 2, aggregation: 'count' } });
    expect(Array.from(buckets.timestamps)).toEqual([0, 2]);
  });

  it('refuses timestamps that are not whole milliseconds, and bad queries, with invalid_input', async () => {
    const storage = track(new DuckDbStorage({ path: ':memory:' }));
    expect(await codeOf(storage.store(series('frac', [1.5], { a: [1] })))).toBe('invalid_input');
    expect(await codeOf(storage.store(series('huge', [1e300], { a: [1] })))).toBe('invalid_input');
    expect(await storage.describe('frac')).toBeUndefined();
    await storage.store(series('q', [1, 2], { a: [1, 2] }));
    expect(await codeOf(storage.retrieve({ id: 'q', downsample: { bucketMs: 0, aggregation: 'avg' } }))).toBe(
      'invalid_input',
    );
    expect(
      await codeOf(storage.retrieve({ id: 'q', downsample: { bucketMs: 10, aggregation: 'median' as 'avg' } })),
    ).toBe('invalid_input');
    expect(await codeOf(storage.retrieve({ id: 'q', limit: -1 }))).toBe('invalid_input');
    expect(await codeOf(storage.retrieve({ id: 'q', start: 5, end: 1 }))).toBe('invalid_input');
    expect(await codeOf(storage.list({ offset: 1.5 }))).toBe('invalid_input');
    const meta = series('cyclic', [1], { a: [1] });
    (meta.metadata as Record<string, unknown>).self = meta.metadata;
    expect(await codeOf(storage.store(meta))).toBe('invalid_input');
    expect(await storage.describe('cyclic')).toBeUndefined();
  });

  it('round-trips documents per collection', async () => {
    const storage = track(new DuckDbStorage({ path: ':memory:' }));
    expect(await storage.getDocument('jobs', 'missing')).toBeUndefined();
    await storage.putDocument('jobs', 'b', { state: 'running', progress: 0.5 });
    await storage.putDocument('jobs', 'a', { state: 'done', result: { rows: 10, tags: ['x'] } });
    await storage.putDocument('models', 'a', [1, 2, 3]);
    await storage.putDocument('jobs', 'b', { state: 'done' });
    expect(await storage.getDocument('jobs', 'b')).toEqual({ state: 'done' });
    expect(await storage.getDocument('models', 'a')).toEqual([1, 2, 3]);
    expect(await storage.listDocuments('jobs')).toEqual([
      { id: 'a', doc: { state: 'done', result: { rows: 10, tags: ['x'] } } },
      { id: 'b', doc: { state: 'done' } },
    ]);
    expect(await storage.listDocuments('jobs', { limit: 1, offset: 1 })).toEqual([{ id: 'b', doc: { state: 'done' } }]);
    expect(await storage.deleteDocument('jobs', 'a')).toBe(true);
    expect(await storage.deleteDocument('jobs', 'a')).toBe(false);
    expect((await storage.listDocuments('jobs')).map((d) => d.id)).toEqual(['b']);
    expect(await codeOf(storage.putDocument('jobs', '', {}))).toBe('invalid_input');
    expect(await codeOf(storage.putDocument('jobs', 'u', undefined))).toBe('invalid_input');
  });

  it('refuses a second storage object on the same file with unavailable, and allows it after close', async () => {
    const path = freshFile();
    const first = new DuckDbStorage({ path });
    await first.init();
    const second = new DuckDbStorage({ path: join(dir, '.', `db-${files}.duckdb`) });
    const err = await second.init().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TsiotError);
    expect((err as TsiotError).code).toBe('unavailable');
    expect((err as TsiotError).message).toMatch(/already open/);
    await first.close();
    await second.init();
    await second.store(series('after', [1], { a: [1] }));
    await second.close();
  });

  it('reports a file locked by another process as unavailable', async () => {
    const path = freshFile();
    const holder: ChildProcess = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api'; await DuckDBInstance.create(${JSON.stringify(path)}); console.log('ready'); setInterval(() => {}, 1000);`,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        holder.on('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
      });
      const storage = new DuckDbStorage({ path });
      const err = await storage.init().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TsiotError);
      expect((err as TsiotError).code).toBe('unavailable');
      expect((err as TsiotError).message).toMatch(/locked by another process/);
      expect((err as TsiotError).hint).toBeTruthy();
      const health = await storage.health();
      expect(health.ok).toBe(false);
      await storage.close();
    } finally {
      holder.kill();
    }
  });

  it('closes idempotently, finishing queued writes, and refuses work afterwards', async () => {
    const path = freshFile();
    const storage = new DuckDbStorage({ path });
    const writes = [1, 2, 3].map((k) => storage.store(series(`w${k}`, [k], { a: [k] })));
    const closed = [storage.close(), storage.close()];
    await Promise.all([...writes, ...closed]);
    await storage.close();
    expect(await codeOf(storage.retrieve({ id: 'w1' }))).toBe('unavailable');
    expect((await storage.health()).ok).toBe(false);
    const reopened = track(new DuckDbStorage({ path }));
    expect((await reopened.list()).total).toBe(3);
  });

  it('keeps its tables readable by plain SQL', async () => {
    const path = freshFile();
    const storage = new DuckDbStorage({ path });
    await storage.store(series('sql', [0, 60_000, 120_000], { temp: [20, NaN, 22] }));
    await storage.close();
    const db = await DuckDBInstance.create(path);
    const c = await db.connect();
    const rows = await c.runAndReadAll(
      `SELECT p.ts, p.v FROM points p JOIN series s USING (sid) WHERE s.id = 'sql' ORDER BY p.i`,
    );
    expect(rows.getRowsJS()).toEqual([
      [0n, 20],
      [60_000n, null],
      [120_000n, 22],
    ]);
    c.closeSync();
    db.closeSync();
  });

  it('exports the selected series to Parquet', async () => {
    const storage = track(new DuckDbStorage({ path: ':memory:' }));
    await storage.store(series('p1', [0, 1_000, 2_000], { a: [1, NaN, 3] }));
    await storage.store(series('p2', [0, 1_000], { b: [5, 6] }));
    const file = join(dir, 'out.parquet');
    const result = await storage.exportParquet([{ id: 'p1', start: 1_000 }, { id: 'p2' }], file);
    expect(result).toEqual({ path: file, rows: 4, series: 2 });
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const rows = await c.runAndReadAll(`SELECT epoch_ms("timestamp"), series, a, b FROM '${file}'`);
    expect(rows.getRowsJS()).toEqual([
      [1_000n, 'p1', null, null],
      [2_000n, 'p1', 3, null],
      [0n, 'p2', null, 5],
      [1_000n, 'p2', null, 6],
    ]);
    c.closeSync();
    db.closeSync();
    expect(await codeOf(storage.exportParquet({ id: 'nope' }, join(dir, 'none.parquet')))).toBe('not_found');
  });

  it('is what createStorage builds for duckdb:// URLs', async () => {
    const storage = await createStorage('duckdb://:memory:');
    expect(storage).toBeInstanceOf(DuckDbStorage);
    await storage.close();
  });
});
