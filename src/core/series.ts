import type { z } from 'zod';
import { TsiotError } from './errors.js';
import { isoOf } from './time.js';
import type { SeriesJsonSchema } from './schemas.js';
import type { AnomalyLabel, Column, ColumnInfo, SeriesSummary, TimeSeries } from './types.js';

/** Check the invariants every engine relies on; throws invalid_input naming the problem. */
export function validateSeries(s: TimeSeries): void {
  const where = `series "${s.name || s.id}"`;
  if (!s.id) throw new TsiotError('invalid_input', `${where}: id is empty`);
  const n = s.timestamps.length;
  const names = new Set<string>();
  for (const c of s.columns) {
    if (!c.name) throw new TsiotError('invalid_input', `${where}: a column has an empty name`);
    if (names.has(c.name)) throw new TsiotError('invalid_input', `${where}: column "${c.name}" appears twice`);
    names.add(c.name);
    if (c.values.length !== n) {
      throw new TsiotError(
        'invalid_input',
        `${where}: column "${c.name}" has ${c.values.length} values but there are ${n} timestamps`,
        {
          details: { column: c.name, values: c.values.length, timestamps: n },
        },
      );
    }
  }
  for (let i = 0; i < n; i++) {
    const t = s.timestamps[i]!;
    if (!Number.isFinite(t))
      throw new TsiotError('invalid_input', `${where}: timestamp #${i} is not a finite epoch-ms number`);
    if (i > 0 && t < s.timestamps[i - 1]!) {
      throw new TsiotError(
        'invalid_input',
        `${where}: timestamps must be non-decreasing; #${i} (${t}) is before #${i - 1} (${s.timestamps[i - 1]})`,
      );
    }
  }
}

export function columnInfo(c: Column): ColumnInfo {
  return {
    name: c.name,
    ...(c.unit !== undefined ? { unit: c.unit } : {}),
    ...(c.sensorType !== undefined ? { sensorType: c.sensorType } : {}),
    ...(c.range !== undefined ? { range: c.range } : {}),
    ...(c.levels !== undefined ? { levels: c.levels } : {}),
  };
}

export function summarize(s: TimeSeries): SeriesSummary {
  const n = s.timestamps.length;
  return {
    id: s.id,
    name: s.name,
    metadata: s.metadata,
    columns: s.columns.map(columnInfo),
    points: n,
    start: n ? s.timestamps[0]! : null,
    end: n ? s.timestamps[n - 1]! : null,
    labels: s.labels.length,
  };
}

/** Everything a backend keeps about a series besides its values: the summary with the labels themselves. */
export type SeriesHead = Omit<SeriesSummary, 'labels'> & { labels: AnomalyLabel[] };

export function seriesHead(s: TimeSeries): SeriesHead {
  return { ...summarize(s), labels: s.labels };
}

/** The JSON shape of a series at the edges: epoch-ms timestamps, null for missing values. */
export type SeriesJson = z.infer<typeof SeriesJsonSchema>;

export function seriesToJson(s: TimeSeries): SeriesJson {
  const values: Record<string, (number | null)[]> = {};
  for (const c of s.columns) {
    const out = new Array<number | null>(c.values.length);
    for (let i = 0; i < c.values.length; i++) {
      const v = c.values[i]!;
      out[i] = Number.isNaN(v) ? null : v;
    }
    values[c.name] = out;
  }
  return {
    id: s.id,
    name: s.name,
    metadata: s.metadata,
    columns: s.columns.map(columnInfo),
    timestamps: Array.from(s.timestamps),
    values,
    labels: s.labels,
  };
}

export function seriesFromJson(j: SeriesJson): TimeSeries {
  return {
    id: j.id,
    name: j.name,
    metadata: { ...j.metadata, tags: j.metadata?.tags ?? {} },
    timestamps: Float64Array.from(j.timestamps),
    columns: j.columns.map((c) => ({
      ...c,
      values: Float64Array.from(j.values[c.name] ?? [], (v) => (v === null ? NaN : v)),
    })),
    labels: j.labels ?? [],
  };
}

/** The first rows of a series as [ISO time, value…], null for missing values: the preview tools return inline. */
export function previewRows(s: TimeSeries | undefined, rows: number): (string | number | null)[][] {
  if (!s) return [];
  const n = Math.min(rows, s.timestamps.length);
  const out: (string | number | null)[][] = [];
  for (let i = 0; i < n; i++)
    out.push([
      isoOf(s.timestamps[i]!),
      ...s.columns.map((c) =>
        Number.isNaN(c.values[i]!) ? null : c.levels ? (c.levels[c.values[i]!] ?? null) : c.values[i]!,
      ),
    ]);
  return out;
}
