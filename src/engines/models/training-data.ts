/**
 * Turns a user's series into training data: picks columns, refuses columns
 * that cannot be learned (all missing, constant), resamples irregular
 * timestamps onto a regular grid and fills missing values by linear
 * interpolation, stating each step in the summary notes.
 */
import { moments } from '../generation/moments.js';
import { TsiotError } from '../../core/errors.js';
import type { Column, TimeSeries } from '../../core/types.js';
import type { TrainingData, TrainingSummary } from '../generation/learner.js';
import { dropLeadingRows, fillInfluence, type RowInfluence, resampleInfluence } from '../generation/row-influence.js';

export interface PrepareOptions {
  /** Columns to learn; all when absent. */
  columns?: string[];
  /** Keep only the most recent rows when the series is longer. */
  maxRows?: number;
  /** Accept constant columns (one entity of a set may be flat; the set is checked as a whole). */
  allowConstant?: boolean;
}

/** Relative spread of the sampling interval beyond which the series is resampled. */
const IRREGULAR_TOLERANCE = 0.01;

export function prepareTrainingData(input: TimeSeries, options: PrepareOptions = {}): TrainingData {
  const notes: string[] = [];
  let columns = input.columns;
  if (options.columns) {
    const missing = options.columns.filter((n) => !input.columns.some((c) => c.name === n));
    if (missing.length) {
      throw new TsiotError(
        'invalid_input',
        `columns: ${missing.map((m) => `"${m}"`).join(', ')} not in the data (it has ${input.columns.map((c) => `"${c.name}"`).join(', ')})`,
        {
          details: { field: 'columns', missing, available: input.columns.map((c) => c.name) },
        },
      );
    }
    columns = options.columns.map((n) => input.columns.find((c) => c.name === n)!);
  }
  if (columns.length === 0) {
    throw new TsiotError('invalid_input', 'data: no value columns to learn from', {
      details: { field: 'data' },
      hint: 'Give at least one numeric column, e.g. {"timestamps":[…],"values":{"temperature":[…]}}.',
    });
  }
  const rows = input.timestamps.length;
  if (rows < 2)
    throw new TsiotError('invalid_input', `data: ${rows} row(s) — at least 2 are needed to learn anything`, {
      details: { field: 'data', rows },
    });
  for (const c of columns) {
    let finite = 0;
    for (const v of c.values) if (Number.isFinite(v)) finite++;
    if (finite === 0) {
      throw new TsiotError('invalid_input', `column "${c.name}" has no values (all missing)`, {
        details: { field: 'columns', column: c.name },
        hint: 'Drop it with the columns option.',
      });
    }
  }

  let timestamps = input.timestamps;
  let values = columns.map((c) => c.values);
  const sorted = isSorted(timestamps);
  if (!sorted) {
    const order = Array.from(timestamps.keys()).sort((a, b) => timestamps[a]! - timestamps[b]!);
    timestamps = Float64Array.from(order, (i) => input.timestamps[i]!);
    values = values.map((v) => Float64Array.from(order, (i) => v[i]!));
    notes.push('rows were sorted by timestamp');
  }
  const intervalMs = medianStep(timestamps);
  let influence: RowInfluence | undefined;
  if (!(intervalMs > 0)) {
    throw new TsiotError(
      'invalid_input',
      'timestamps: all rows share one timestamp, so no sampling interval can be learned',
      { details: { field: 'timestamps' } },
    );
  }
  if (!isRegular(timestamps, intervalMs)) {
    const start = timestamps[0]!;
    const n = Math.floor((timestamps[timestamps.length - 1]! - start) / intervalMs) + 1;
    const grid = Float64Array.from({ length: n }, (_, i) => start + i * intervalMs);
    const columnsBefore = values;
    values = values.map((v, ci) => {
      const missing = v.reduce((k, x) => (Number.isFinite(x) ? k : k + 1), 0);
      if (missing) notes.push(`${missing} missing value(s) in "${columns[ci]!.name}" filled by linear interpolation`);
      return resample(timestamps, v, grid);
    });
    notes.push(
      `irregular sampling (${timestamps.length} rows) resampled by linear interpolation onto a regular ${intervalMs} ms grid (${n} rows)`,
    );
    influence = resampleInfluence(timestamps, columnsBefore, start, intervalMs, n);
    timestamps = grid;
  }
  if (!influence && values.some((v) => v.some((x) => !Number.isFinite(x))))
    influence = fillInfluence(values, timestamps.length);
  values = values.map((v, ci) => {
    const { filled, count } = fillMissing(v);
    if (count) notes.push(`${count} missing value(s) in "${columns[ci]!.name}" filled by linear interpolation`);
    return filled;
  });
  if (options.maxRows && timestamps.length > options.maxRows) {
    const cut = timestamps.length - options.maxRows;
    timestamps = timestamps.slice(cut);
    values = values.map((v) => v.slice(cut));
    if (influence) influence = dropLeadingRows(influence, cut);
    notes.push(`only the last ${options.maxRows} rows were used`);
  }
  const summaryColumns = values.map((v, ci) => {
    const stats = moments(v);
    const name = columns[ci]!.name;
    if (!(stats.max > stats.min) && !options.allowConstant) {
      throw new TsiotError(
        'invalid_input',
        `column "${name}" is constant (${stats.min}), so there is nothing to learn`,
        {
          details: { field: 'columns', column: name, value: stats.min },
          hint: 'Drop it with the columns option; a constant needs no model.',
        },
      );
    }
    return { name, ...(columns[ci]!.unit !== undefined ? { unit: columns[ci]!.unit } : {}), ...stats };
  });
  const newColumns: Column[] = columns.map((c, ci) => ({ ...c, values: values[ci]! }));
  const series: TimeSeries = { ...input, timestamps, columns: newColumns, labels: [] };
  const summary: TrainingSummary = {
    points: timestamps.length,
    columns: summaryColumns,
    start: timestamps[0]!,
    end: timestamps[timestamps.length - 1]!,
    intervalMs,
    notes,
  };
  return { series, intervalMs, summary, ...(influence ? { influence } : {}) };
}

function isSorted(t: Float64Array): boolean {
  for (let i = 1; i < t.length; i++) if (t[i]! < t[i - 1]!) return false;
  return true;
}

function medianStep(t: Float64Array): number {
  const steps = new Float64Array(t.length - 1);
  for (let i = 1; i < t.length; i++) steps[i - 1] = t[i]! - t[i - 1]!;
  steps.sort();
  const median = steps[Math.floor(steps.length / 2)]!;
  // Jittered clocks: steps of 10 s or more are taken to whole seconds.
  return median >= 10_000 ? Math.round(median / 1000) * 1000 : median;
}

function isRegular(t: Float64Array, step: number): boolean {
  for (let i = 1; i < t.length; i++) if (Math.abs(t[i]! - t[i - 1]! - step) > IRREGULAR_TOLERANCE * step) return false;
  return true;
}

/** Linear interpolation of (t, v) at grid points, skipping missing values. */
function resample(t: Float64Array, v: Float64Array, grid: Float64Array): Float64Array {
  const out = new Float64Array(grid.length);
  let j = 0;
  for (let g = 0; g < grid.length; g++) {
    const x = grid[g]!;
    while (j + 1 < t.length && t[j + 1]! <= x) j++;
    // nearest finite neighbours around x
    let lo = j;
    while (lo >= 0 && !Number.isFinite(v[lo]!)) lo--;
    let hi = t[j]! >= x ? j : j + 1;
    while (hi < t.length && !Number.isFinite(v[hi]!)) hi++;
    if (lo >= 0 && hi < t.length && t[hi]! > t[lo]!)
      out[g] = v[lo]! + ((v[hi]! - v[lo]!) * (x - t[lo]!)) / (t[hi]! - t[lo]!);
    else if (lo >= 0) out[g] = v[lo]!;
    else if (hi < t.length) out[g] = v[hi]!;
    else out[g] = NaN;
  }
  return out;
}

/** Interior gaps by linear interpolation, edges by the nearest value. */
function fillMissing(v: Float64Array): { filled: Float64Array; count: number } {
  const out = Float64Array.from(v);
  let count = 0;
  let last = -1;
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) {
      count++;
      continue;
    }
    if (last === -1 && i > 0) out.fill(out[i]!, 0, i);
    else if (last >= 0 && i - last > 1)
      for (let k = last + 1; k < i; k++) out[k] = out[last]! + ((out[i]! - out[last]!) * (k - last)) / (i - last);
    last = i;
  }
  if (last >= 0 && last < out.length - 1) out.fill(out[last]!, last + 1);
  return { filled: out, count };
}
