import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBBlobValue, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../../src/core/errors.js';
import type { TimeSeries } from '../../../../src/core/types.js';
import { createStorage } from '../../../../src/engines/storage/index.js';
import { decodeChunk, encodeChunk } from '../../../../src/engines/storage/chunk-codec.js';
import { BLOCK_BYTES, blockRows } from '../../../../src/engines/storage/duckdb/blocks.js';
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

  it('stores about its memory limit series by series without failing a checkpoint', async () => {
    // 48 series × 100,000 rows × (1 + 2) float64: 115 MB into a database allowed 128 MB. With blocks of
    // 8,192 rows and DuckDB's default checkpoint threshold (16 MB) a checkpoint failed here with "failed to pin block"
    const file = freshFile();
    const s = new DuckDbStorage({ path: file, memoryLimit: '128MB' });
    const rows = 100_000;
    const timestamps = Float64Array.from({ length: rows }, (_, i) => 1_700_000_000_000 + i * 1000);
    try {
      for (let k = 0; k < 48; k++) {
        const values = (phase: number) => Float64Array.from({ length: rows }, (_, i) => Math.sin(i / 50 + k + phase));
        await s.store({
          id: `bulk-${k}`,
          name: `bulk-${k}`,
          metadata: { tags: {} },
          timestamps,
          columns: [
            { name: 'a', values: values(0) },
            { name: 'b', values: values(1) },
          ],
          labels: [],
        });
      }
      const back = await s.retrieve({ id: 'bulk-47' });
      expect(back.timestamps).toEqual(timestamps);
      expect(back.columns[1]!.values[12_345]).toBe(Math.sin(12_345 / 50 + 47 + 1));
      expect((await s.list({ limit: 100 })).total).toBe(48);
    } finally {
      await s.close();
    }
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
    expect(back.metadata).toMatchObject(s.metadata!); // plus the createdAt the store records
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

  it('keeps a series as blocks whose summary plain SQL reads and whose data is the chunk codec', async () => {
    const path = freshFile();
    const storage = new DuckDbStorage({ path });
    // one column: 1,024 rows (16 KiB with the timestamps) per block
    const per = blockRows(1);
    expect(per * 2 * 8).toBeLessThanOrEqual(BLOCK_BYTES);
    const n = 2 * per + 10;
    const times = Array.from({ length: n }, (_, i) => i * 1000);
    await storage.store(series('sql', times, { temp: times.map((t, i) => (i === 1 ? NaN : t / 100)) }));
    await storage.close();
    const db = await DuckDBInstance.create(path);
    const c = await db.connect();
    const rows = await c.runAndReadAll(
      `SELECT b.b, b.i0, b.n, b.ts_min, b.ts_max, b.data FROM blocks b JOIN series s USING (sid) WHERE s.id = 'sql' ORDER BY b.b`,
    );
    const got = rows.getRows();
    expect(got.map((r) => r.slice(0, 5))).toEqual([
      [0, 0, per, 0n, BigInt((per - 1) * 1000)],
      [1, per, per, BigInt(per * 1000), BigInt((2 * per - 1) * 1000)],
      [2, 2 * per, 10, BigInt(2 * per * 1000), BigInt((n - 1) * 1000)],
    ]);
    const bytes = (got[2]![5] as DuckDBBlobValue).bytes;
    const last = decodeChunk(Buffer.from(bytes), 1);
    expect(Array.from(last.timestamps)).toEqual(times.slice(2 * per));
    expect(Array.from(last.values[0]!)).toEqual(times.slice(2 * per).map((t) => t / 100));
    const first = decodeChunk(Buffer.from((got[0]![5] as DuckDBBlobValue).bytes), 1);
    expect(Number.isNaN(first.values[0]![1])).toBe(true);
    c.closeSync();
    db.closeSync();
  });

  it('reads a version 2 file written with 8,192-row blocks as well as its own 16 KiB ones, whole and by range', async () => {
    const path = freshFile();
    const n = 20_000;
    const times = Array.from({ length: n }, (_, i) => i * 1000);
    const s = series('wide-blocks', times, { a: times.map((t) => t / 7), b: times.map((_, i) => (i % 9 ? i : NaN)) });
    const storage = new DuckDbStorage({ path });
    await storage.store(s);
    await storage.close();
    // rewrite its data as the former writer laid it out: blocks of 8,192 rows
    const db = await DuckDBInstance.create(path);
    const c = await db.connect();
    await c.run(`DELETE FROM blocks WHERE sid = (SELECT sid FROM series WHERE id = 'wide-blocks')`);
    const appender = await c.createAppender('blocks');
    const sid = Number((await c.runAndReadAll(`SELECT sid FROM series WHERE id = 'wide-blocks'`)).getRowsJS()[0]![0]);
    for (let b = 0, lo = 0; lo < n; b++, lo += 8192) {
      const hi = Math.min(n, lo + 8192);
      appender.appendInteger(sid);
      appender.appendInteger(b);
      appender.appendInteger(lo);
      appender.appendInteger(hi - lo);
      appender.appendBigInt(BigInt(times[lo]!));
      appender.appendBigInt(BigInt(times[hi - 1]!));
      appender.appendBlob(encodeChunk(s.timestamps, s.columns, lo, hi));
      appender.endRow();
    }
    appender.closeSync();
    const count = await c.runAndReadAll(`SELECT count(*) FROM blocks WHERE sid = ${sid}`);
    expect(count.getRowsJS()).toEqual([[3n]]);
    c.closeSync();
    db.closeSync();

    const reopened = track(new DuckDbStorage({ path }));
    const back = await reopened.retrieve({ id: 'wide-blocks' });
    expect(back.timestamps).toEqual(s.timestamps);
    expect(back.columns.map((col) => col.values)).toEqual(s.columns.map((col) => col.values));
    const range = await reopened.retrieve({ id: 'wide-blocks', start: 8_000_000, end: 8_400_000, columns: ['b'] });
    expect(Array.from(range.timestamps)).toEqual(times.slice(8000, 8401));
    expect(Array.from(range.columns[0]!.values)).toEqual(Array.from(s.columns[1]!.values.subarray(8000, 8401)));
  });

  it('converts a file written by layout version 1 (a row per value) to blocks on open, without loss', async () => {
    const path = freshFile();
    const db = await DuckDBInstance.create(path);
    const c = await db.connect();
    for (const statement of V1_SCHEMA) await c.run(statement);
    const meta = (device: string) => JSON.stringify({ deviceId: device, tags: { site: 'north' } });
    const labels = JSON.stringify([{ type: 'spike', kind: 'anomaly', column: 'temp', start: 2000, end: 2000 }]);
    await c.run(`INSERT INTO tsiot_meta VALUES ('schema_version', '1')`);
    await c.run(
      `INSERT INTO series VALUES
         (1, 'old-a', 'a', 'dev-1', 'statistical', '${meta('dev-1')}', '[{"name":"temp","unit":"°C"},{"name":"hum"}]', '${labels}', 1, 5, 0, 4000),
         (2, 'old-stamps', 'stamps', NULL, NULL, '{"tags":{}}', '[]', '[]', 0, 3, 10, 30),
         (3, 'old-empty', 'empty', NULL, NULL, '{"tags":{}}', '[{"name":"x"}]', '[]', 0, 0, NULL, NULL)`,
    );
    await c.run(`INSERT INTO series_tags VALUES (1, 'site', 'north')`);
    // written column after column, as version 1 did; NULL is a missing value
    await c.run(
      `INSERT INTO points VALUES
         (1, 0, 0, 0, 20.5), (1, 0, 1, 1000, NULL), (1, 0, 2, 2000, 29.25), (1, 0, 3, 3000, 21), (1, 0, 4, 4000, -1.5),
         (1, 1, 0, 0, 40), (1, 1, 1, 1000, 41), (1, 1, 2, 2000, NULL), (1, 1, 3, 3000, 43), (1, 1, 4, 4000, 44),
         (2, -1, 0, 10, NULL), (2, -1, 1, 20, NULL), (2, -1, 2, 30, NULL)`,
    );
    c.closeSync();
    db.closeSync();

    const storage = track(new DuckDbStorage({ path }));
    const a = await storage.retrieve({ id: 'old-a' });
    expect(Array.from(a.timestamps)).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(a.columns.map((col) => [col.name, col.unit])).toEqual([
      ['temp', '°C'],
      ['hum', undefined],
    ]);
    expect(Array.from(a.columns[0]!.values)).toEqual([20.5, NaN, 29.25, 21, -1.5]);
    expect(Array.from(a.columns[1]!.values)).toEqual([40, 41, NaN, 43, 44]);
    expect(a.labels).toEqual(JSON.parse(labels));
    expect(a.metadata).toMatchObject({ deviceId: 'dev-1', tags: { site: 'north' } }); // plus the createdAt backfilled on open
    expect(Array.from((await storage.retrieve({ id: 'old-a', start: 1500, end: 3500 })).timestamps)).toEqual([
      2000, 3000,
    ]);
    expect(Array.from((await storage.retrieve({ id: 'old-stamps' })).timestamps)).toEqual([10, 20, 30]);
    expect((await storage.retrieve({ id: 'old-empty' })).timestamps.length).toBe(0);
    expect((await storage.list({ tags: { site: 'north' } })).items.map((x) => x.id)).toEqual(['old-a']);
    await storage.close();

    const check = await DuckDBInstance.create(path);
    const cc = await check.connect();
    const version = await cc.runAndReadAll(`SELECT value FROM tsiot_meta WHERE key = 'schema_version'`);
    expect(version.getRowsJS()).toEqual([['2']]);
    const tables = await cc.runAndReadAll(`SELECT table_name FROM information_schema.tables ORDER BY table_name`);
    expect(tables.getRowsJS().flat()).not.toContain('points');
    // the shape index is built from the converted blocks
    const indexed = await cc.runAndReadAll(`SELECT sid, col, name FROM embeddings ORDER BY sid, col`);
    expect(indexed.getRowsJS()).toEqual([
      [1, 0, 'temp'],
      [1, 1, 'hum'],
    ]);
    cc.closeSync();
    check.closeSync();
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

/** The schema of layout version 1, as that version created it. */
const V1_SCHEMA = [
  `CREATE TABLE tsiot_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
  `CREATE SEQUENCE series_sid START 1`,
  `CREATE TABLE series (
     sid INTEGER PRIMARY KEY,
     id VARCHAR NOT NULL UNIQUE,
     name VARCHAR NOT NULL,
     device_id VARCHAR,
     generator VARCHAR,
     metadata VARCHAR NOT NULL,
     columns VARCHAR NOT NULL,
     labels VARCHAR NOT NULL,
     label_count INTEGER NOT NULL,
     points BIGINT NOT NULL,
     start_ms BIGINT,
     end_ms BIGINT
   )`,
  `CREATE TABLE series_tags (sid INTEGER NOT NULL, key VARCHAR NOT NULL, value VARCHAR NOT NULL)`,
  `CREATE TABLE points (sid INTEGER NOT NULL, col SMALLINT NOT NULL, i INTEGER NOT NULL, ts BIGINT NOT NULL, v DOUBLE)`,
  `CREATE TABLE documents (collection VARCHAR NOT NULL, id VARCHAR NOT NULL, doc VARCHAR NOT NULL, PRIMARY KEY (collection, id))`,
];
