import { TsiotError } from '../../../core/errors.js';
import { MAX_TAG_FILTERS } from '../../../core/limits.js';
import type { Aggregation, AnomalyLabel, ListQuery, SeriesQuery, TimeSeries } from '../../../core/types.js';

/**
 * Checks and rules about queries that do not depend on DuckDB (a candidate
 * for sharing with other backends).
 */

export const AGGREGATIONS: readonly Aggregation[] = ['avg', 'min', 'max', 'first', 'last', 'sum', 'count'];

/** The widest epoch-ms value a JavaScript Date can hold; timestamps are kept within it. */
export const MAX_EPOCH_MS = 8.64e15;

function bad(field: string, expected: string, example: unknown, got: unknown): TsiotError {
  return new TsiotError('invalid_input', `${field}: expected ${expected}, got ${JSON.stringify(got) ?? String(got)}`, {
    details: { field, expected, example },
  });
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Throw invalid_input naming the field when a SeriesQuery is malformed. */
export function checkSeriesQuery(q: SeriesQuery): void {
  if (typeof q?.id !== 'string' || q.id === '') throw bad('id', 'a non-empty series id', 'sensor-1', q?.id);
  for (const field of ['start', 'end'] as const) {
    const v = q[field];
    if (v !== undefined && (typeof v !== 'number' || Number.isNaN(v)))
      throw bad(field, 'epoch milliseconds', 1_700_000_000_000, v);
  }
  if (q.start !== undefined && q.end !== undefined && q.start > q.end) {
    throw new TsiotError('invalid_input', `start (${q.start}) is after end (${q.end})`, {
      details: { field: 'start', expected: 'start <= end' },
    });
  }
  if (q.limit !== undefined && !isCount(q.limit)) throw bad('limit', 'a whole number >= 0', 1000, q.limit);
  if (q.columns !== undefined && (!Array.isArray(q.columns) || q.columns.some((c) => typeof c !== 'string'))) {
    throw bad('columns', 'an array of column names', ['temperature'], q.columns);
  }
  if (q.downsample !== undefined) {
    const { bucketMs, aggregation } = q.downsample;
    if (!(typeof bucketMs === 'number' && Number.isInteger(bucketMs) && bucketMs >= 1 && bucketMs <= MAX_EPOCH_MS)) {
      throw bad('downsample.bucketMs', 'a whole number of milliseconds >= 1', 60_000, bucketMs);
    }
    if (!AGGREGATIONS.includes(aggregation))
      throw bad('downsample.aggregation', `one of ${AGGREGATIONS.join(', ')}`, 'avg', aggregation);
  }
}

/** Throw invalid_input naming the field when a ListQuery is malformed. */
export function checkListQuery(q: ListQuery): void {
  if (q.limit !== undefined && !isCount(q.limit)) throw bad('limit', 'a whole number >= 0', 50, q.limit);
  if (q.offset !== undefined && !isCount(q.offset)) throw bad('offset', 'a whole number >= 0', 0, q.offset);
  for (const field of ['deviceId', 'generator', 'namePrefix'] as const) {
    if (q[field] !== undefined && typeof q[field] !== 'string') throw bad(field, 'a string', 'sensor-1', q[field]);
  }
  if (q.tags !== undefined) {
    if (typeof q.tags !== 'object' || q.tags === null || Object.values(q.tags).some((v) => typeof v !== 'string')) {
      throw bad('tags', 'an object of string tag values', { site: 'plant-a' }, q.tags);
    }
    const n = Object.keys(q.tags).length;
    if (n > MAX_TAG_FILTERS)
      throw bad('tags', `at most ${MAX_TAG_FILTERS} tag filters`, { site: 'plant-a' }, `${n} filters`);
  }
}

/** Indexes (in series order) of the requested columns; all when none are named. */
export function resolveColumns(
  id: string,
  available: readonly string[],
  requested: readonly string[] | undefined,
): number[] {
  if (requested === undefined) return available.map((_, k) => k);
  const unknown = requested.filter((name) => !available.includes(name));
  if (unknown.length) {
    throw new TsiotError(
      'invalid_input',
      `columns: series "${id}" has no column ${unknown.map((u) => `"${u}"`).join(', ')}`,
      {
        details: { field: 'columns', unknown, available },
        hint: `Use some of: ${available.join(', ') || '(the series has no columns)'}.`,
      },
    );
  }
  return available.map((name, k) => (requested.includes(name) ? k : -1)).filter((k) => k >= 0);
}

/** The labels a query returns: those meeting [start, end] on a returned column or on the whole row. */
export function labelsFor(
  labels: readonly AnomalyLabel[],
  q: SeriesQuery,
  returned: readonly string[],
): AnomalyLabel[] {
  const start = q.start ?? -Infinity;
  const end = q.end ?? Infinity;
  return labels.filter(
    (l) =>
      l.end >= start &&
      l.start <= end &&
      (q.columns === undefined || l.column === undefined || returned.includes(l.column)),
  );
}

/** Stored timestamps are whole milliseconds inside the Date range (validateSeries checks the rest). */
export function checkStorableTimestamps(s: TimeSeries): void {
  const t = s.timestamps;
  for (let i = 0; i < t.length; i++) {
    const v = t[i]!;
    if (!Number.isInteger(v) || Math.abs(v) > MAX_EPOCH_MS) {
      throw new TsiotError(
        'invalid_input',
        `series "${s.name || s.id}": timestamp #${i} (${v}) is not a whole number of epoch milliseconds within ±${MAX_EPOCH_MS}`,
        {
          details: { field: `timestamps[${i}]`, expected: 'whole epoch milliseconds', example: 1_700_000_000_000 },
        },
      );
    }
  }
}
