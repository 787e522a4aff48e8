/**
 * The shared storage contract: every backend runs this one suite against a
 * real server (see the Storage interface in src/engines/storage/storage.ts).
 *
 *   describeStorageContract('postgres', async () => new PostgresStorage({...}), { largeBatchPoints: 200_000 });
 *
 * `make` returns a new backend object; the suite calls `init()` on it (twice,
 * init must be idempotent) and `close()` at the end. Every test uses ids, names,
 * tags and device ids unique to this run, so the suite can share a server with
 * other data and other runs.
 *
 * Semantics the suite pins down (beyond the interface's doc comments):
 * - `points` (StoreResult, SeriesSummary) counts timestamps (rows), not values.
 * - retrieve: inclusive [start, end]; `columns` keeps the series' column order;
 *   an unknown column name is `invalid_input`; `limit` keeps the first rows in
 *   time order (after downsampling, the first buckets); a range with no rows
 *   gives an empty series, not `not_found`.
 * - labels of a ranged or column-restricted retrieve: those intersecting
 *   [start, end] and either whole-row (no column) or on a returned column.
 * - downsampling: buckets [k·bucketMs, (k+1)·bucketMs) aligned to the epoch
 *   (also before 1970), one row per bucket holding at least one timestamp,
 *   timestamp = bucket start; NaN values are ignored; a bucket with no value in
 *   a column gives NaN for avg/min/max/first/last/sum and 0 for count.
 * - list: an order that is stable between calls, so limit/offset pages are
 *   disjoint and cover everything; `total` counts all matches, not the page.
 * - a backend that cannot downsample (or filter by tag) throws
 *   TsiotError('unsupported') for such a query.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../src/core/errors.js';
import { summarize } from '../../../src/core/series.js';
import type { Aggregation, AnomalyLabel, Column, SeriesMetadata, TimeSeries } from '../../../src/core/types.js';
import type { Storage } from '../../../src/engines/storage/storage.js';

export interface ContractOptions {
  /**
   * The latest timestamp the backend can represent (epoch ms). Default: the
   * end of year 9999. InfluxDB keeps int64 nanoseconds and ends in 2262.
   */
  maxTimestamp?: number;
  /** Timestamps in the large-batch round trip. Default 1,000,000. */
  largeBatchPoints?: number;
  /** False when the backend cannot downsample; it must then throw `unsupported`. Default true. */
  supportsDownsample?: boolean;
  /** False when the backend cannot filter `list` by tags; it must then throw `unsupported`. Default true. */
  supportsTagQuery?: boolean;
  /** Per-test timeout for the large batch and concurrency cases, ms. Default 180,000. */
  slowTestTimeoutMs?: number;
}

const DAY = 86_400_000;
/** 1 January 1900 and 31 December 9999 23:59:59.999 UTC. */
const PRE_1970 = Date.UTC(1900, 0, 1);
const FAR_FUTURE = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Values whose decimal form is long or extreme: they catch any lossy float path. */
const AWKWARD_VALUES = [0.1 + 0.2, 1 / 3, 1e-300, 1.7976931348623157e308, -123456.789, 5e-324, 2 ** 53 + 2, -0.000001];

interface SeriesSpec {
  id: string;
  name?: string;
  timestamps: number[];
  columns: {
    name: string;
    values: number[];
    unit?: string;
    sensorType?: string;
    range?: { min: number; max: number };
  }[];
  metadata?: Partial<SeriesMetadata>;
  labels?: AnomalyLabel[];
}

function build(spec: SeriesSpec): TimeSeries {
  const columns: Column[] = spec.columns.map((c) => ({
    name: c.name,
    ...(c.unit !== undefined ? { unit: c.unit } : {}),
    ...(c.sensorType !== undefined ? { sensorType: c.sensorType } : {}),
    ...(c.range !== undefined ? { range: c.range } : {}),
    values: Float64Array.from(c.values),
  }));
  return {
    id: spec.id,
    name: spec.name ?? spec.id,
    metadata: { tags: {}, ...spec.metadata },
    timestamps: Float64Array.from(spec.timestamps),
    columns,
    labels: spec.labels ?? [],
  };
}

/** The expected result of a retrieve that keeps rows [from, to) and the named columns. */
function slice(
  s: TimeSeries,
  from: number,
  to: number,
  columns?: string[],
): { timestamps: number[]; values: Record<string, number[]> } {
  const values: Record<string, number[]> = {};
  for (const c of s.columns)
    if (!columns || columns.includes(c.name)) values[c.name] = Array.from(c.values.subarray(from, to));
  return { timestamps: Array.from(s.timestamps.subarray(from, to)), values };
}

function shape(s: TimeSeries): { timestamps: number[]; values: Record<string, number[]> } {
  const values: Record<string, number[]> = {};
  for (const c of s.columns) values[c.name] = Array.from(c.values);
  return { timestamps: Array.from(s.timestamps), values };
}

async function expectCode(promise: Promise<unknown>, code: TsiotError['code']): Promise<TsiotError> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a TsiotError('${code}') but the call succeeded`).toBeInstanceOf(TsiotError);
  expect((caught as TsiotError).code).toBe(code);
  return caught as TsiotError;
}

/** Count positions where two numeric arrays differ (NaN equals NaN); cheaper than toEqual on a million items. */
function mismatches(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let bad = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) bad++;
  return bad;
}

/** Declare the contract suite for one backend. */
export function describeStorageContract(
  name: string,
  make: () => Promise<Storage>,
  options: ContractOptions = {},
): void {
  const largeBatch = options.largeBatchPoints ?? 1_000_000;
  const farFuture = Math.min(FAR_FUTURE, options.maxTimestamp ?? FAR_FUTURE);
  const supportsDownsample = options.supportsDownsample ?? true;
  const supportsTagQuery = options.supportsTagQuery ?? true;
  const slow = options.slowTestTimeoutMs ?? 180_000;

  describe(`storage contract: ${name}`, () => {
    let storage: Storage;
    const run = `ct${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
    let counter = 0;
    /** A fresh id unique to this run and test. */
    const uid = (what: string) => `${run}-${what}-${++counter}`;

    beforeAll(async () => {
      storage = await make();
      await storage.init();
      await storage.init();
    }, slow);

    afterAll(async () => {
      await storage?.close();
    });

    describe('round trip', () => {
      it('stores and retrieves values, timestamps, columns, metadata and labels exactly', async () => {
        const id = uid('roundtrip');
        const labels: AnomalyLabel[] = [
          {
            type: 'spike',
            kind: 'anomaly',
            column: 'temperature',
            start: 1_000,
            end: 1_000,
            details: { magnitude: 4.5, note: 'ünïcode ✓' },
          },
          { type: 'gap', kind: 'imperfection', start: PRE_1970, end: PRE_1970 + DAY },
        ];
        const series = build({
          id,
          name: `${run} Température 🌡️ salle Ω`,
          timestamps: [PRE_1970, -1, 0, 1, 1_000, 1_700_000_000_123, farFuture - 1, farFuture],
          columns: [
            {
              name: 'temperature',
              unit: '°C',
              sensorType: 'temperature',
              range: { min: -40, max: 85 },
              values: AWKWARD_VALUES,
            },
            { name: 'humidité', unit: '%', values: [NaN, 1, NaN, 2, 3, NaN, 4, 5] },
            { name: 'raw', values: [0, -1, 2.5, NaN, NaN, NaN, NaN, 7] },
          ],
          metadata: {
            deviceId: `dev-${run}-Zürich/1`,
            sensorType: 'temperature',
            unit: '°C',
            tags: { site: 'Zürich', région: 'Île-de-France', emoji: '🏭', spaced: 'a b,c=d"e' },
            attributes: { model: 'TX-9', firmware: 3, indoor: true },
            generator: 'statistical',
            seed: 42,
            createdAt: '2024-05-01T12:00:00.000Z',
            custom: { nested: [1, 'two', null] },
          },
          labels,
        });
        const result = await storage.store(series);
        expect(result).toMatchObject({ id, points: 8 });
        expect(result.backend).toBe(storage.kind);

        const back = await storage.retrieve({ id });
        expect(back.id).toBe(id);
        expect(back.name).toBe(series.name);
        expect(back.metadata).toEqual(series.metadata);
        expect(back.labels).toEqual(labels);
        expect(back.timestamps).toBeInstanceOf(Float64Array);
        expect(back.columns.map((c) => c.name)).toEqual(['temperature', 'humidité', 'raw']);
        expect(back.columns[0]).toMatchObject({ unit: '°C', sensorType: 'temperature', range: { min: -40, max: 85 } });
        expect(back.columns[1]!.unit).toBe('%');
        expect(back.columns[2]!.unit).toBeUndefined();
        for (const c of back.columns) expect(c.values).toBeInstanceOf(Float64Array);
        expect(shape(back)).toEqual(shape(series));
        expect(mismatches(back.columns[0]!.values, AWKWARD_VALUES)).toBe(0);
      });

      it('keeps NaN as missing, including rows where every value is missing', async () => {
        const id = uid('nan');
        const series = build({
          id,
          timestamps: [10, 20, 30, 40],
          columns: [
            { name: 'a', values: [NaN, NaN, 1, NaN] },
            { name: 'b', values: [NaN, 2, NaN, NaN] },
          ],
        });
        await storage.store(series);
        const back = await storage.retrieve({ id });
        expect(shape(back)).toEqual(shape(series));
      });

      it('stores an empty series', async () => {
        const id = uid('empty');
        await storage.store(build({ id, timestamps: [], columns: [{ name: 'v', values: [] }] }));
        const back = await storage.retrieve({ id });
        expect(back.timestamps.length).toBe(0);
        expect(back.columns.map((c) => [c.name, c.values.length])).toEqual([['v', 0]]);
        const summary = await storage.describe(id);
        expect(summary).toMatchObject({ id, points: 0, start: null, end: null });
      });
    });

    describe('retrieve queries', () => {
      const id = `${run}-query`;
      const timestamps = [-2_500, -1_000, 0, 999, 1_000, 1_500, 2_000, 2_999, 3_000, 10_000];
      const series = build({
        id,
        timestamps,
        columns: [
          { name: 'a', values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
          { name: 'b', values: [NaN, 20, 30, NaN, 50, NaN, NaN, NaN, 90, 100] },
          { name: 'c', values: [-1, -2, -3, -4, -5, -6, -7, -8, -9, -10] },
        ],
        labels: [
          { type: 'spike', kind: 'anomaly', column: 'a', start: -2_500, end: -2_500 },
          { type: 'dip', kind: 'anomaly', column: 'b', start: 1_000, end: 1_600 },
          { type: 'gap', kind: 'imperfection', start: 2_500, end: 9_000 },
        ],
      });
      beforeAll(async () => {
        await storage.store(series);
      });

      it('filters by an inclusive time range', async () => {
        const back = await storage.retrieve({ id, start: 999, end: 2_999 });
        expect(shape(back)).toEqual(slice(series, 3, 8));
        const from = await storage.retrieve({ id, start: 1_500 });
        expect(shape(from)).toEqual(slice(series, 5, 10));
        const until = await storage.retrieve({ id, end: -1_000 });
        expect(shape(until)).toEqual(slice(series, 0, 2));
        const exact = await storage.retrieve({ id, start: 1_000, end: 1_000 });
        expect(shape(exact)).toEqual(slice(series, 4, 5));
      });

      it('gives an empty series for a range with no rows', async () => {
        const back = await storage.retrieve({ id, start: 4_000, end: 9_999 });
        expect(back.timestamps.length).toBe(0);
        expect(back.columns.map((c) => [c.name, c.values.length])).toEqual([
          ['a', 0],
          ['b', 0],
          ['c', 0],
        ]);
      });

      it('returns only the labels that intersect the range and the returned columns', async () => {
        const ranged = await storage.retrieve({ id, start: 1_200, end: 3_000 });
        expect(ranged.labels.map((l) => l.type).sort()).toEqual(['dip', 'gap']);
        const cols = await storage.retrieve({ id, columns: ['a'] });
        expect(cols.labels.map((l) => l.type).sort()).toEqual(['gap', 'spike']);
      });

      it('restricts to a column subset in series order', async () => {
        const one = await storage.retrieve({ id, columns: ['b'] });
        expect(shape(one)).toEqual(slice(series, 0, 10, ['b']));
        const two = await storage.retrieve({ id, columns: ['c', 'a'] });
        expect(two.columns.map((c) => c.name)).toEqual(['a', 'c']);
        expect(shape(two)).toEqual(slice(series, 0, 10, ['a', 'c']));
      });

      it('rejects an unknown column with invalid_input', async () => {
        await expectCode(storage.retrieve({ id, columns: ['a', 'nope'] }), 'invalid_input');
      });

      it('limits to the first rows in time order', async () => {
        const back = await storage.retrieve({ id, limit: 3 });
        expect(shape(back)).toEqual(slice(series, 0, 3));
        const ranged = await storage.retrieve({ id, start: 0, limit: 2, columns: ['b'] });
        expect(shape(ranged)).toEqual(slice(series, 2, 4, ['b']));
      });

      if (supportsDownsample) {
        const expected: Record<Aggregation, { a: number[]; b: number[] }> = {
          // buckets of 1000 ms: -3000 {-2500}, -1000 {-1000}, 0 {0, 999}, 1000 {1000, 1500}, 2000 {2000, 2999}, 3000 {3000}, 10000 {10000}
          avg: { a: [1, 2, 3.5, 5.5, 7.5, 9, 10], b: [NaN, 20, 30, 50, NaN, 90, 100] },
          min: { a: [1, 2, 3, 5, 7, 9, 10], b: [NaN, 20, 30, 50, NaN, 90, 100] },
          max: { a: [1, 2, 4, 6, 8, 9, 10], b: [NaN, 20, 30, 50, NaN, 90, 100] },
          first: { a: [1, 2, 3, 5, 7, 9, 10], b: [NaN, 20, 30, 50, NaN, 90, 100] },
          last: { a: [1, 2, 4, 6, 8, 9, 10], b: [NaN, 20, 30, 50, NaN, 90, 100] },
          sum: { a: [1, 2, 7, 11, 15, 9, 10], b: [NaN, 20, 30, 50, NaN, 90, 100] },
          count: { a: [1, 1, 2, 2, 2, 1, 1], b: [0, 1, 1, 1, 0, 1, 1] },
        };
        for (const aggregation of Object.keys(expected) as Aggregation[]) {
          it(`downsamples with ${aggregation} into epoch-aligned buckets, ignoring NaN`, async () => {
            const back = await storage.retrieve({
              id,
              columns: ['a', 'b'],
              downsample: { bucketMs: 1_000, aggregation },
            });
            expect(Array.from(back.timestamps)).toEqual([-3_000, -1_000, 0, 1_000, 2_000, 3_000, 10_000]);
            expect(shape(back).values).toEqual(expected[aggregation]);
          });
        }

        it('downsamples within a range and applies the limit to buckets', async () => {
          const back = await storage.retrieve({
            id,
            start: 999,
            end: 3_000,
            columns: ['b'],
            downsample: { bucketMs: 2_000, aggregation: 'max' },
            limit: 1,
          });
          // buckets of 2000 ms over rows 999..3000: 0 {999, 1000, 1500}, 2000 {2000, 2999, 3000}; the limit keeps the first.
          expect(shape(back)).toEqual({ timestamps: [0], values: { b: [50] } });
          const sums = await storage.retrieve({
            id,
            start: 999,
            end: 3_000,
            columns: ['c'],
            downsample: { bucketMs: 2_000, aggregation: 'sum' },
          });
          expect(shape(sums)).toEqual({ timestamps: [0, 2_000], values: { c: [-15, -24] } });
        });
      } else {
        it('refuses downsampling with unsupported', async () => {
          await expectCode(
            storage.retrieve({ id, downsample: { bucketMs: 1_000, aggregation: 'avg' } }),
            'unsupported',
          );
        });
      }
    });

    describe('not found, conflicts and validation', () => {
      it('throws not_found for an unknown id', async () => {
        const err = await expectCode(storage.retrieve({ id: uid('missing') }), 'not_found');
        expect(err.message).toContain(run);
        expect(await storage.describe(uid('missing'))).toBeUndefined();
        expect(await storage.delete(uid('missing'))).toBe(false);
      });

      it('refuses a duplicate id with conflict and replaces it with overwrite', async () => {
        const id = uid('dup');
        await storage.store(
          build({
            id,
            timestamps: [1, 2, 3],
            columns: [{ name: 'v', values: [1, 2, 3] }],
            metadata: { generator: 'first' },
          }),
        );
        await expectCode(
          storage.store(build({ id, timestamps: [9], columns: [{ name: 'v', values: [9] }] })),
          'conflict',
        );
        expect(shape(await storage.retrieve({ id }))).toEqual({ timestamps: [1, 2, 3], values: { v: [1, 2, 3] } });

        const replacement = build({
          id,
          timestamps: [5, 6],
          columns: [{ name: 'w', unit: 'V', values: [50, NaN] }],
          metadata: { generator: 'second', tags: { k: 'v' } },
          labels: [{ type: 'stuck', kind: 'anomaly', column: 'w', start: 5, end: 6 }],
        });
        const result = await storage.store(replacement, { overwrite: true });
        expect(result.points).toBe(2);
        const back = await storage.retrieve({ id });
        expect(shape(back)).toEqual(shape(replacement));
        expect(back.metadata).toEqual(replacement.metadata);
        expect(back.labels).toEqual(replacement.labels);
        expect(await storage.describe(id)).toMatchObject({ points: 2, start: 5, end: 6, labels: 1 });
      });

      it('writes nothing when the series fails validation', async () => {
        const id = uid('invalid');
        const bad = build({ id, timestamps: [1, 2, 3], columns: [{ name: 'v', values: [1, 2, 3] }] });
        bad.columns[0]!.values = Float64Array.of(1, 2);
        await expectCode(storage.store(bad), 'invalid_input');
        expect(await storage.describe(id)).toBeUndefined();
        await expectCode(storage.retrieve({ id }), 'not_found');

        const unordered = build({ id, timestamps: [3, 2, 1], columns: [{ name: 'v', values: [1, 2, 3] }] });
        await expectCode(storage.store(unordered), 'invalid_input');
        expect(await storage.describe(id)).toBeUndefined();
      });

      it('keeps the old series when an overwrite fails validation', async () => {
        const id = uid('keep');
        const good = build({ id, timestamps: [1, 2], columns: [{ name: 'v', values: [1, 2] }] });
        await storage.store(good);
        const bad = build({
          id,
          timestamps: [1, 2],
          columns: [
            { name: 'v', values: [1, 2] },
            { name: 'v', values: [3, 4] },
          ],
        });
        await expectCode(storage.store(bad, { overwrite: true }), 'invalid_input');
        expect(shape(await storage.retrieve({ id }))).toEqual(shape(good));
      });
    });

    describe('describe, list and delete', () => {
      const group = `${run}-fleet`;
      const fleet: TimeSeries[] = [];
      beforeAll(async () => {
        for (let i = 0; i < 5; i++) {
          fleet.push(
            build({
              id: `${group}-${i}`,
              name: `${group}-${i % 2 ? 'odd' : 'even'}-${i}`,
              timestamps: [i * 1_000, i * 1_000 + 500],
              columns: [{ name: 'v', unit: 'kW', values: [i, i + 0.5] }],
              metadata: {
                deviceId: `${group}-dev-${i % 3}`,
                generator: i < 2 ? `${group}-gen-a` : `${group}-gen-b`,
                tags: { fleet: group, parity: i % 2 ? 'odd' : 'even', site: i === 4 ? 'Zürich' : 'Oslo' },
              },
              labels: i === 0 ? [{ type: 'spike', kind: 'anomaly', column: 'v', start: 0, end: 0 }] : [],
            }),
          );
        }
        for (const s of fleet) await storage.store(s);
      });

      it('describes a series without its values', async () => {
        const summary = await storage.describe(fleet[0]!.id);
        expect(summary).toEqual(summarize(fleet[0]!));
      });

      const ids = (items: { id: string }[]) => items.map((s) => s.id).sort();

      if (supportsTagQuery) {
        it('lists by tags (all must match), with summaries', async () => {
          const all = await storage.list({ tags: { fleet: group } });
          expect(all.total).toBe(5);
          expect(ids(all.items)).toEqual(fleet.map((s) => s.id).sort());
          const byId = new Map(all.items.map((s) => [s.id, s]));
          for (const s of fleet) expect(byId.get(s.id)).toEqual(summarize(s));

          const odd = await storage.list({ tags: { fleet: group, parity: 'odd' } });
          expect(ids(odd.items)).toEqual([`${group}-1`, `${group}-3`]);
          const unicode = await storage.list({ tags: { fleet: group, site: 'Zürich' } });
          expect(ids(unicode.items)).toEqual([`${group}-4`]);
          const none = await storage.list({ tags: { fleet: group, parity: 'neither' } });
          expect(none).toEqual({ items: [], total: 0 });
        });

        it('pages with limit and offset in a stable order', async () => {
          const pages: string[][] = [];
          for (let offset = 0; offset < 6; offset += 2) {
            const page = await storage.list({ tags: { fleet: group }, limit: 2, offset });
            expect(page.total).toBe(5);
            pages.push(page.items.map((s) => s.id));
          }
          expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
          expect(pages.flat().sort()).toEqual(fleet.map((s) => s.id).sort());
          const again = await storage.list({ tags: { fleet: group }, limit: 2, offset: 2 });
          expect(again.items.map((s) => s.id)).toEqual(pages[1]);
          const past = await storage.list({ tags: { fleet: group }, limit: 2, offset: 10 });
          expect(past).toEqual({ items: [], total: 5 });
        });
      } else {
        it('refuses a tag filter with unsupported', async () => {
          await expectCode(storage.list({ tags: { fleet: group } }), 'unsupported');
        });
      }

      it('lists by deviceId, generator and name prefix', async () => {
        const dev = await storage.list({ deviceId: `${group}-dev-1` });
        expect(ids(dev.items)).toEqual([`${group}-1`, `${group}-4`]);
        expect(dev.total).toBe(2);
        const gen = await storage.list({ generator: `${group}-gen-a` });
        expect(ids(gen.items)).toEqual([`${group}-0`, `${group}-1`]);
        const prefix = await storage.list({ namePrefix: `${group}-odd-` });
        expect(ids(prefix.items)).toEqual([`${group}-1`, `${group}-3`]);
        const combined = await storage.list({
          namePrefix: `${group}-`,
          generator: `${group}-gen-b`,
          deviceId: `${group}-dev-0`,
        });
        expect(ids(combined.items)).toEqual([`${group}-3`]);
        const paged = await storage.list({ namePrefix: `${group}-`, limit: 3, offset: 3 });
        expect(paged.total).toBe(5);
        expect(paged.items.length).toBe(2);
      });

      it('treats a name prefix literally (no wildcards)', async () => {
        expect((await storage.list({ namePrefix: `${group}-%` })).total).toBe(0);
        expect((await storage.list({ namePrefix: `${group.slice(0, -1)}_` })).total).toBe(0);
      });

      it('deletes once, then reports nothing to delete', async () => {
        const id = uid('delete');
        await storage.store(
          build({ id, timestamps: [1], columns: [{ name: 'v', values: [1] }], metadata: { tags: { del: run } } }),
        );
        expect(await storage.delete(id)).toBe(true);
        expect(await storage.delete(id)).toBe(false);
        await expectCode(storage.retrieve({ id }), 'not_found');
        expect(await storage.describe(id)).toBeUndefined();
        expect((await storage.list({ namePrefix: id })).total).toBe(0);
        await storage.store(build({ id, timestamps: [2], columns: [{ name: 'w', values: [2] }] }));
        expect(shape(await storage.retrieve({ id }))).toEqual({ timestamps: [2], values: { w: [2] } });
      });
    });

    describe('volume and concurrency', () => {
      it(
        `round-trips a large batch (${largeBatch.toLocaleString('en')} points)`,
        async () => {
          const id = uid('large');
          const n = largeBatch;
          const timestamps = new Float64Array(n);
          const a = new Float64Array(n);
          const b = new Float64Array(n);
          const t0 = Date.UTC(2024, 0, 1);
          for (let i = 0; i < n; i++) {
            timestamps[i] = t0 + i * 1_000;
            a[i] = 20 + Math.sin(i / 500) * 5 + i * 1e-7;
            b[i] = i % 97 === 0 ? NaN : i / 7;
          }
          const series: TimeSeries = {
            id,
            name: id,
            metadata: { tags: {} },
            timestamps,
            columns: [
              { name: 'a', values: a },
              { name: 'b', values: b },
            ],
            labels: [],
          };
          expect((await storage.store(series)).points).toBe(n);
          const back = await storage.retrieve({ id });
          expect(back.timestamps.length).toBe(n);
          expect(mismatches(back.timestamps, timestamps)).toBe(0);
          expect(mismatches(back.columns[0]!.values, a)).toBe(0);
          expect(mismatches(back.columns[1]!.values, b)).toBe(0);
          const mid = await storage.retrieve({ id, start: timestamps[n >> 1]!, limit: 10, columns: ['b'] });
          expect(shape(mid)).toEqual(slice(series, n >> 1, (n >> 1) + 10, ['b']));
          expect(await storage.delete(id)).toBe(true);
        },
        slow,
      );

      it(
        'lands every series intact when 8 writers store at once',
        async () => {
          const writers = Array.from({ length: 8 }, (_, w) => {
            const n = 5_000 + w * 100;
            const t = new Float64Array(n);
            const v = new Float64Array(n);
            for (let i = 0; i < n; i++) {
              t[i] = i * 10;
              v[i] = w * 1_000_000 + i;
            }
            return {
              id: uid(`writer${w}`),
              name: `writer ${w}`,
              metadata: { tags: { run, concurrent: 'yes' } },
              timestamps: t,
              columns: [{ name: 'v', values: v }],
              labels: [],
            } satisfies TimeSeries;
          });
          const results = await Promise.all(writers.map((s) => storage.store(s)));
          expect(results.map((r) => r.points)).toEqual(writers.map((s) => s.timestamps.length));
          const backs = await Promise.all(writers.map((s) => storage.retrieve({ id: s.id })));
          for (let w = 0; w < writers.length; w++) {
            expect(mismatches(backs[w]!.timestamps, writers[w]!.timestamps)).toBe(0);
            expect(mismatches(backs[w]!.columns[0]!.values, writers[w]!.columns[0]!.values)).toBe(0);
          }
        },
        slow,
      );

      it('answers a mixed burst of reads and writes consistently', async () => {
        const id = uid('burst');
        await storage.store(build({ id, timestamps: [1, 2], columns: [{ name: 'v', values: [1, 2] }] }));
        const ops = await Promise.all([
          storage.retrieve({ id }),
          storage.store(build({ id: uid('burst'), timestamps: [1], columns: [{ name: 'v', values: [1] }] })),
          storage.describe(id),
          storage.retrieve({ id, columns: ['v'], limit: 1 }),
        ]);
        expect(shape(ops[0] as TimeSeries)).toEqual({ timestamps: [1, 2], values: { v: [1, 2] } });
        expect(ops[2]).toMatchObject({ id, points: 2 });
        expect(shape(ops[3] as TimeSeries)).toEqual({ timestamps: [1], values: { v: [1] } });
      });
    });

    describe('health', () => {
      it('reports ok with the backend name and a latency', async () => {
        const h = await storage.health();
        expect(h.ok).toBe(true);
        expect(h.backend).toBe(storage.kind);
        expect(Number.isFinite(h.latencyMs)).toBe(true);
        expect(h.latencyMs).toBeGreaterThanOrEqual(0);
      });
    });
  });
}
