import { TsiotError } from '../../core/errors.js';
import type { Column, TimeSeries } from '../../core/types.js';

/** Column names in first-seen order over several series. */
export function columnNames(series: readonly TimeSeries[]): string[] {
  const seen = new Set<string>();
  for (const s of series) for (const c of s.columns) seen.add(c.name);
  return [...seen];
}

/** The columns to validate: the rule's list (which must exist) or all. */
export function selectColumns(
  series: readonly TimeSeries[],
  only: readonly string[] | undefined,
  role: string,
): string[] {
  const all = columnNames(series);
  if (!only) return all;
  const missing = only.filter((c) => !all.includes(c));
  if (missing.length) {
    throw new TsiotError(
      'invalid_input',
      `rules.columns: ${missing.map((c) => `"${c}"`).join(', ')} not found in the ${role} data (it has ${all.map((c) => `"${c}"`).join(', ') || 'no columns'})`,
      {
        details: { field: 'rules.columns', missing, available: all },
      },
    );
  }
  return [...only];
}

export function findColumn(s: TimeSeries, name: string): Column | undefined {
  return s.columns.find((c) => c.name === name);
}

/** The values of one column concatenated over every series that has it. */
export function pooledColumn(series: readonly TimeSeries[], name: string): Float64Array {
  let n = 0;
  for (const s of series) n += findColumn(s, name)?.values.length ?? 0;
  const out = new Float64Array(n);
  let o = 0;
  for (const s of series) {
    const c = findColumn(s, name);
    if (!c) continue;
    out.set(c.values, o);
    o += c.values.length;
  }
  return out;
}

/**
 * Check what every validator relies on: each series has columns whose
 * lengths match its timestamps. Unlike validateSeries it accepts unsorted
 * timestamps and non-finite values (those are findings, not input errors).
 */
export function assertShape(series: readonly TimeSeries[], role: string): void {
  if (series.length === 0) {
    throw new TsiotError('invalid_input', `${role}: no series given`, {
      details: { field: role },
      hint: 'Pass at least one series (stored id or inline data).',
    });
  }
  for (const s of series) {
    const n = s.timestamps.length;
    if (s.columns.length === 0) {
      throw new TsiotError('invalid_input', `${role}: series "${s.name || s.id}" has no value columns`, {
        details: { field: role, series: s.id },
      });
    }
    const names = new Set<string>();
    for (const c of s.columns) {
      if (names.has(c.name))
        throw new TsiotError('invalid_input', `${role}: series "${s.name || s.id}" has column "${c.name}" twice`, {
          details: { field: role, column: c.name },
        });
      names.add(c.name);
      if (c.values.length !== n) {
        throw new TsiotError(
          'invalid_input',
          `${role}: column "${c.name}" of series "${s.name || s.id}" has ${c.values.length} values but there are ${n} timestamps`,
          {
            details: { field: role, column: c.name, values: c.values.length, timestamps: n },
          },
        );
      }
    }
  }
}

/** Total rows over several series. */
export function totalRows(series: readonly TimeSeries[]): number {
  let n = 0;
  for (const s of series) n += s.timestamps.length;
  return n;
}

/** Let other work (and cancellation) through between heavy steps. */
export async function yieldTurn(signal?: AbortSignal): Promise<void> {
  await new Promise<void>((r) => setImmediate(r));
  if (signal?.aborted) throw new TsiotError('cancelled', 'Validation was cancelled');
}
