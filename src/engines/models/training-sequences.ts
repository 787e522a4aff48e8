/**
 * Training data from a set of independent sequences: the windows of a
 * windowed dataset or the entities of a fleet. Each sequence is prepared like
 * a single series (sorted, resampled, gaps filled); all must share the
 * columns learned; the summary covers the whole set, and the concatenation is
 * kept as `series` for learners that fit one series.
 */
import { TsiotError } from '../../core/errors.js';
import type { Column, TimeSeries } from '../../core/types.js';
import type { TrainingData } from '../generation/learner.js';
import { moments } from '../generation/moments.js';
import { concatInfluence, fillInfluence } from '../generation/row-influence.js';
import { prepareTrainingData } from './training-data.js';

export interface PrepareSequencesOptions {
  /** Columns to learn; those of the first sequence when absent. */
  columns?: string[];
  /** Accept columns constant in every sequence (the constraint layer copies them as constants). */
  allowConstant?: boolean;
}

/** Prepare independent sequences for learners that support them (`TrainingData.sequences`). */
export function prepareTrainingSequences(
  inputs: readonly TimeSeries[],
  options: PrepareSequencesOptions = {},
): TrainingData {
  if (inputs.length === 0) {
    throw new TsiotError('invalid_input', 'data: no sequences given; at least one series is needed', {
      details: { field: 'data' },
    });
  }
  const columns = options.columns ?? inputs[0]!.columns.map((c) => c.name);
  if (!options.columns) sameColumns(inputs);
  const prepared = inputs.map((s, i) => {
    try {
      return prepareTrainingData(s, { columns, allowConstant: true });
    } catch (e) {
      if (e instanceof TsiotError) {
        throw new TsiotError(e.code, `data[${i}] ("${s.name || s.id || i}"): ${e.message}`, {
          details: { ...(e.details ?? {}), sequence: i },
          ...(e.hint ? { hint: e.hint } : {}),
        });
      }
      throw e;
    }
  });
  const sequences = prepared.map((p) => p.series);
  const rows = sequences.reduce((n, s) => n + s.timestamps.length, 0);
  const intervals = prepared.map((p) => p.intervalMs).sort((a, b) => a - b);
  const intervalMs = intervals[Math.floor(intervals.length / 2)]!;

  const values = columns.map(() => new Float64Array(rows));
  let at = 0;
  for (const s of sequences) {
    s.columns.forEach((c, d) => {
      values[d]!.set(c.values, at);
    });
    at += s.timestamps.length;
  }
  // Timestamps of the concatenation: each sequence keeps its own, so the joins stay visible.
  const timestamps = new Float64Array(rows);
  at = 0;
  for (const s of sequences) {
    timestamps.set(s.timestamps, at);
    at += s.timestamps.length;
  }
  const summaryColumns = values.map((v, d) => {
    const stats = moments(v);
    const name = columns[d]!;
    if (!(stats.max > stats.min) && !options.allowConstant) {
      throw new TsiotError(
        'invalid_input',
        `column "${name}" is constant (${stats.min}) in every sequence, so there is nothing to learn`,
        {
          details: { field: 'columns', column: name, value: stats.min },
          hint: 'Drop it with the columns option; a constant needs no model.',
        },
      );
    }
    const unit = sequences[0]!.columns[d]!.unit;
    return { name, ...(unit !== undefined ? { unit } : {}), ...stats };
  });
  const first = sequences[0]!;
  const series: TimeSeries = {
    ...first,
    timestamps,
    columns: first.columns.map((c, d): Column => ({ ...c, values: values[d]! })),
    labels: [],
  };
  const notes = [
    `${sequences.length} independent sequence(s), ${rows} rows in all`,
    ...new Set(prepared.flatMap((p) => p.summary.notes)),
  ];
  // spans of the concatenation, where any sequence needed filling (the others move only their own rows)
  const influence = prepared.some((p) => p.influence)
    ? concatInfluence(prepared.map((p) => p.influence ?? fillInfluence([], p.series.timestamps.length)))
    : undefined;
  return {
    series,
    sequences,
    intervalMs,
    ...(influence ? { influence } : {}),
    summary: {
      points: rows,
      columns: summaryColumns,
      start: Math.min(...prepared.map((p) => p.summary.start)),
      end: Math.max(...prepared.map((p) => p.summary.end)),
      intervalMs,
      notes,
    },
  };
}

/** Without an explicit column choice every sequence must have the first one's columns (same names, any order). */
function sameColumns(inputs: readonly TimeSeries[]): void {
  const label = (s: TimeSeries, i: number) => `data[${i}] ("${s.name || s.id || i}")`;
  const first = inputs[0]!.columns.map((c) => c.name);
  inputs.forEach((s, i) => {
    const names = s.columns.map((c) => c.name);
    const missing = first.filter((n) => !names.includes(n));
    const extra = names.filter((n) => !first.includes(n));
    if (missing.length === 0 && extra.length === 0) return;
    const parts = [
      ...(missing.length ? [`lacks ${missing.map((n) => `"${n}"`).join(', ')}`] : []),
      ...(extra.length ? [`has extra ${extra.map((n) => `"${n}"`).join(', ')}`] : []),
    ];
    throw new TsiotError(
      'invalid_input',
      `${label(s, i)}: its columns (${names.map((n) => `"${n}"`).join(', ')}) differ from those of ${label(inputs[0]!, 0)} (${first.map((n) => `"${n}"`).join(', ')}): it ${parts.join(' and ')}`,
      {
        details: { field: `data[${i}]`, sequence: i, columns: names, expected: first, missing, extra },
        hint: 'Every series must have the same columns; pick the shared ones with the columns option, e.g. {"columns": ["temperature"]}.',
      },
    );
  });
}
