/**
 * Series queries evaluated in process, for backends whose server cannot (or
 * need not) do the work itself: time range, column projection, epoch-aligned
 * downsampling and row limit over a columnar TimeSeries.
 *
 * Semantics every backend shares (SQL backends reproduce them in SQL):
 * - `start`/`end` are inclusive epoch-ms bounds.
 * - Downsampling groups rows into buckets [k·bucketMs, (k+1)·bucketMs) aligned
 *   to the epoch; a bucket's timestamp is its start. Empty buckets are omitted.
 *   Aggregations skip missing values (NaN); a bucket whose column has no value
 *   gives NaN, except `count`, which gives 0.
 * - `limit` keeps the first rows (after downsampling).
 * - Labels are kept when they overlap the range and concern a selected column
 *   (or the whole row).
 */
import { TsiotError } from '../../core/errors.js';
import type { Aggregation, AnomalyLabel, Column, SeriesQuery, TimeSeries } from '../../core/types.js';

const AGGREGATIONS: readonly Aggregation[] = ['avg', 'min', 'max', 'first', 'last', 'sum', 'count'];

/** Reject a malformed query with invalid_input naming the field. */
export function checkSeriesQuery(q: SeriesQuery): void {
  const bad = (field: string, expected: string, example: unknown) =>
    new TsiotError('invalid_input', `query.${field}: expected ${expected}`, {
      details: { field: `query.${field}`, expected, example },
    });
  if (typeof q.id !== 'string' || q.id === '') throw bad('id', 'a non-empty series id', 'ser_abc123');
  if (q.start !== undefined && !Number.isFinite(q.start))
    throw bad('start', 'a finite epoch-ms number', 1_700_000_000_000);
  if (q.end !== undefined && !Number.isFinite(q.end)) throw bad('end', 'a finite epoch-ms number', 1_700_000_060_000);
  if (q.start !== undefined && q.end !== undefined && q.start > q.end)
    throw bad('end', `a time at or after start (${q.start})`, q.start + 60_000);
  if (q.limit !== undefined && (!Number.isInteger(q.limit) || q.limit < 0))
    throw bad('limit', 'a non-negative integer', 1000);
  if (q.columns !== undefined && (!Array.isArray(q.columns) || q.columns.some((c) => typeof c !== 'string')))
    throw bad('columns', 'an array of column names', ['temperature']);
  if (q.downsample !== undefined) {
    const { bucketMs, aggregation } = q.downsample;
    if (!Number.isFinite(bucketMs) || bucketMs <= 0)
      throw bad('downsample.bucketMs', 'a positive number of milliseconds', 60_000);
    if (!AGGREGATIONS.includes(aggregation))
      throw bad('downsample.aggregation', `one of ${AGGREGATIONS.join(', ')}`, 'avg');
  }
}

/** The selected columns, in the series' own order; invalid_input naming an unknown one. */
export function selectColumns<C extends { name: string }>(
  columns: C[],
  wanted: string[] | undefined,
  seriesId: string,
): C[] {
  if (!wanted) return columns;
  const byName = new Map(columns.map((c) => [c.name, c] as const));
  for (const name of wanted) {
    if (!byName.has(name)) {
      throw new TsiotError('invalid_input', `query.columns: series "${seriesId}" has no column "${name}"`, {
        details: {
          field: 'query.columns',
          expected: columns.map((c) => c.name),
          example: columns.slice(0, 1).map((c) => c.name),
        },
      });
    }
  }
  const set = new Set(wanted);
  return columns.filter((c) => set.has(c.name));
}

/** First index with timestamps[i] >= t (timestamps ascending). */
export function lowerBound(timestamps: Float64Array, t: number): number {
  let lo = 0;
  let hi = timestamps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timestamps[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with timestamps[i] > t (timestamps ascending). */
export function upperBound(timestamps: Float64Array, t: number): number {
  let lo = 0;
  let hi = timestamps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timestamps[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Labels that overlap [start, end] and concern one of the kept columns or the whole row. */
export function labelsFor(
  labels: AnomalyLabel[],
  q: Pick<SeriesQuery, 'start' | 'end'>,
  columns: { name: string }[],
): AnomalyLabel[] {
  const names = new Set(columns.map((c) => c.name));
  const start = q.start ?? -Infinity;
  const end = q.end ?? Infinity;
  return labels.filter((l) => l.end >= start && l.start <= end && (l.column === undefined || names.has(l.column)));
}

/** Apply a query to a whole series held in memory. */
export function applySeriesQuery(s: TimeSeries, q: SeriesQuery): TimeSeries {
  checkSeriesQuery(q);
  const columns = selectColumns(s.columns, q.columns, s.id);
  const from = q.start === undefined ? 0 : lowerBound(s.timestamps, q.start);
  const to = q.end === undefined ? s.timestamps.length : upperBound(s.timestamps, q.end);
  let timestamps = s.timestamps.subarray(from, Math.max(from, to));
  let cols: Column[] = columns.map((c) => ({ ...c, values: c.values.subarray(from, Math.max(from, to)) }));
  if (q.downsample)
    ({ timestamps, columns: cols } = downsample(timestamps, cols, q.downsample.bucketMs, q.downsample.aggregation));
  if (q.limit !== undefined && q.limit < timestamps.length) {
    timestamps = timestamps.subarray(0, q.limit);
    cols = cols.map((c) => ({ ...c, values: c.values.subarray(0, q.limit) }));
  }
  return {
    id: s.id,
    name: s.name,
    metadata: s.metadata,
    timestamps: timestamps.slice(),
    columns: cols.map((c) => ({ ...c, values: c.values.slice() })),
    labels: labelsFor(s.labels, q, cols),
  };
}

/** The epoch-aligned bucket start of t. */
export function bucketOf(t: number, bucketMs: number): number {
  return Math.floor(t / bucketMs) * bucketMs;
}

/** Aggregate ascending rows into epoch-aligned buckets (see the module comment for the rules). */
export function downsample(
  timestamps: Float64Array,
  columns: Column[],
  bucketMs: number,
  aggregation: Aggregation,
): { timestamps: Float64Array; columns: Column[] } {
  const n = timestamps.length;
  const starts: number[] = [];
  const bucketStart: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = bucketOf(timestamps[i]!, bucketMs);
    if (bucketStart.length === 0 || bucketStart[bucketStart.length - 1] !== b) {
      bucketStart.push(b);
      starts.push(i);
    }
  }
  starts.push(n);
  const m = bucketStart.length;
  const out = columns.map((c) => {
    const values = new Float64Array(m);
    for (let k = 0; k < m; k++) values[k] = aggregate(c.values, starts[k]!, starts[k + 1]!, aggregation);
    return { ...c, values };
  });
  return { timestamps: Float64Array.from(bucketStart), columns: out };
}

function aggregate(v: Float64Array, from: number, to: number, aggregation: Aggregation): number {
  let count = 0;
  let acc = NaN;
  for (let i = from; i < to; i++) {
    const x = v[i]!;
    if (Number.isNaN(x)) continue;
    count++;
    switch (aggregation) {
      case 'avg':
      case 'sum':
        acc = count === 1 ? x : acc + x;
        break;
      case 'min':
        acc = count === 1 || x < acc ? x : acc;
        break;
      case 'max':
        acc = count === 1 || x > acc ? x : acc;
        break;
      case 'first':
        if (count === 1) acc = x;
        break;
      case 'last':
        acc = x;
        break;
      case 'count':
        break;
    }
  }
  if (aggregation === 'count') return count;
  if (aggregation === 'avg') return count ? acc / count : NaN;
  return acc;
}
