/**
 * Training data as tools receive it: a stored series id, CSV text or a CSV
 * file path, or inline JSON columns — or several series (stored ids or inline
 * series with their static attributes) learned as independent sequences, e.g.
 * the devices of a fleet. Timestamps may be ISO 8601 strings or epoch
 * seconds / milliseconds; empty cells and null are missing values.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { TsiotError } from '../../core/errors.js';
import { AttributesSchema } from '../../core/schemas.js';
import type { TimeSeries } from '../../core/types.js';
import type { Storage } from '../storage/storage.js';

/** One inline series of a multi-series input. */
export const InlineSeriesSchema = z
  .object({
    name: z.string().min(1).max(200).optional().describe('Name of the series (default "series-<index>").'),
    timestamps: z
      .array(z.union([z.string(), z.number()]))
      .describe('Timestamps (ISO 8601, epoch s or epoch ms), one per row.'),
    values: z
      .record(z.string(), z.array(z.number().nullable()))
      .describe('Values per column, aligned with timestamps; null = missing.'),
    attributes: AttributesSchema.optional().describe(
      'Static attributes of this entity, e.g. {"site": "plant-3", "firmware": 2}.',
    ),
  })
  .strict();

export const DataInputSchema = z
  .object({
    seriesId: z.string().min(1).optional().describe('A stored series id (from generate_timeseries or list_series).'),
    csv: z.string().min(1).optional().describe('CSV text with a header row: a timestamp column, then numeric columns.'),
    csvPath: z.string().min(1).optional().describe('Path of a CSV file readable by the server.'),
    timestamps: z
      .array(z.union([z.string(), z.number()]))
      .optional()
      .describe('Inline: timestamps (ISO 8601, epoch s or epoch ms), one per row.'),
    values: z
      .record(z.string(), z.array(z.number().nullable()))
      .optional()
      .describe('Inline: values per column, aligned with timestamps; null = missing.'),
    timestampColumn: z
      .string()
      .optional()
      .describe('CSV: the timestamp column (default: one named time/timestamp/ts/date/datetime, else the first).'),
    seriesIds: z
      .array(z.string().min(1))
      .min(1)
      .max(10_000)
      .optional()
      .describe(
        "Several stored series learned as independent sequences (a fleet of devices, or windows); each one's metadata.attributes are its static attributes.",
      ),
    series: z
      .array(InlineSeriesSchema)
      .min(1)
      .max(10_000)
      .optional()
      .describe(
        'Several inline series learned as independent sequences, each {name?, timestamps, values, attributes?}.',
      ),
  })
  .strict()
  .describe(
    'Exactly one of: seriesId; csv; csvPath; timestamps + values; seriesIds (several stored series); series (several inline series). Several series must share their columns and are learned as independent entities. Example: {"timestamps": ["2025-01-01T00:00:00Z", "2025-01-01T00:01:00Z", …], "values": {"temperature": [21.3, 21.4, …]}}; several: {"series": [{"name": "dev-1", "attributes": {"site": "plant-3"}, "timestamps": […], "values": {"temperature": […]}}, …]}',
  );
export type DataInput = z.output<typeof DataInputSchema>;

export interface LoadedData {
  /** The series read; of several, the first. */
  series: TimeSeries;
  /** Several series (seriesIds / series), in order: independent sequences for a multi-series fit. */
  sequences?: TimeSeries[];
  /** How the input was read (e.g. "timestamps read as epoch seconds"). */
  notes: string[];
  sourceSeriesId?: string;
  /** The stored ids of several series read from storage. */
  sourceSeriesIds?: string[];
}

/** What a fit should learn from: the several series as independent sequences, else the one series. */
export function fitInput(loaded: LoadedData): TimeSeries | TimeSeries[] {
  return loaded.sequences ?? loaded.series;
}

const TIME_NAMES = ['time', 'timestamp', 'ts', 'date', 'datetime', 'date_time'];

/** Read training data from any accepted form. */
export async function loadDataInput(input: DataInput, storage: Storage): Promise<LoadedData> {
  const given = [
    input.seriesId !== undefined,
    input.csv !== undefined,
    input.csvPath !== undefined,
    input.timestamps !== undefined || input.values !== undefined,
    input.seriesIds !== undefined,
    input.series !== undefined,
  ].filter(Boolean).length;
  if (given !== 1) {
    throw new TsiotError(
      'invalid_input',
      `data: give exactly one of seriesId, csv, csvPath, timestamps + values, seriesIds or series (got ${given})`,
      {
        details: { field: 'data', example: { seriesId: 'ser_3fA9xQ' } },
      },
    );
  }
  if (input.seriesIds !== undefined) {
    const sequences: TimeSeries[] = [];
    for (const id of input.seriesIds) sequences.push(await storage.retrieve({ id }));
    return { series: sequences[0]!, sequences, notes: [], sourceSeriesIds: [...input.seriesIds] };
  }
  if (input.series !== undefined) {
    const notes = new Set<string>();
    const sequences = input.series.map((s, i) => {
      const name = s.name ?? `series-${i}`;
      const read = inlineSeries(s.timestamps, s.values, `data.series[${i}]`);
      read.notes.forEach((n) => {
        notes.add(n);
      });
      return {
        ...read.series,
        id: name,
        name,
        metadata: { tags: {}, ...(s.attributes ? { attributes: s.attributes } : {}) },
      };
    });
    return { series: sequences[0]!, sequences, notes: [...notes] };
  }
  if (input.seriesId !== undefined) {
    const series = await storage.retrieve({ id: input.seriesId });
    return { series, notes: [], sourceSeriesId: input.seriesId };
  }
  if (input.csv !== undefined || input.csvPath !== undefined) {
    let text = input.csv;
    if (text === undefined) {
      try {
        text = await readFile(input.csvPath!, 'utf8');
      } catch (cause) {
        throw new TsiotError(
          'invalid_input',
          `data.csvPath: cannot read "${input.csvPath}": ${(cause as Error).message}`,
          { details: { field: 'data.csvPath' }, cause },
        );
      }
    }
    return parseCsv(text, input.timestampColumn);
  }
  if (!input.timestamps || !input.values) {
    throw new TsiotError('invalid_input', 'data: inline data needs both timestamps and values', {
      details: {
        field: input.timestamps ? 'data.values' : 'data.timestamps',
        example: { timestamps: ['2025-01-01T00:00:00Z'], values: { temperature: [21.3] } },
      },
    });
  }
  return inlineSeries(input.timestamps, input.values, 'data');
}

/** An inline series from timestamps and aligned value columns; `field` names it in errors. */
function inlineSeries(
  timestamps: readonly (string | number)[],
  values: Record<string, (number | null)[]>,
  field: string,
): LoadedData {
  const n = timestamps.length;
  const { times, notes } = parseTimestamps(timestamps, `${field}.timestamps`);
  const columns = Object.entries(values).map(([name, vals]) => {
    if (vals.length !== n) {
      throw new TsiotError('invalid_input', `${field}.values.${name}: ${vals.length} values but ${n} timestamps`, {
        details: { field: `${field}.values.${name}`, values: vals.length, timestamps: n },
      });
    }
    return { name, values: Float64Array.from(vals, (v) => (v === null ? NaN : v)) };
  });
  return {
    series: { id: 'inline', name: 'inline', metadata: { tags: {} }, timestamps: times, columns, labels: [] },
    notes,
  };
}

/** Parse timestamps: ISO 8601 strings, or numbers read as epoch seconds when all are below 1e11, else epoch ms. */
export function parseTimestamps(
  raw: readonly (string | number)[],
  field: string,
): { times: Float64Array; notes: string[] } {
  const numeric = raw.map((v) => (typeof v === 'number' ? v : /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : NaN));
  const allNumeric = raw.length > 0 && numeric.every(Number.isFinite);
  if (allNumeric) {
    const seconds = numeric.every((v) => Math.abs(v) < 1e11);
    return {
      times: Float64Array.from(numeric, (v) => (seconds ? v * 1000 : v)),
      notes: [seconds ? 'timestamps read as epoch seconds' : 'timestamps read as epoch milliseconds'],
    };
  }
  const times = new Float64Array(raw.length);
  raw.forEach((v, i) => {
    const t = typeof v === 'number' ? v : Date.parse(v);
    if (!Number.isFinite(t)) {
      throw new TsiotError(
        'invalid_input',
        `${field}[${i}]: ${JSON.stringify(v)} is not an ISO 8601 date-time or epoch number`,
        {
          details: { field: `${field}[${i}]`, example: '2025-01-01T00:00:00Z' },
        },
      );
    }
    times[i] = t;
  });
  return { times, notes: [] };
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

/** CSV with a header row: a timestamp column and numeric columns (empty, "NaN", "null" = missing). */
export function parseCsv(text: string, timestampColumn?: string): LoadedData {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2)
    throw new TsiotError('invalid_input', 'data.csv: needs a header row and at least one data row', {
      details: { field: 'data.csv', example: 'time,temperature\n2025-01-01T00:00:00Z,21.3' },
    });
  const header = splitCsvLine(lines[0]!);
  let tIdx =
    timestampColumn !== undefined
      ? header.indexOf(timestampColumn)
      : header.findIndex((h) => TIME_NAMES.includes(h.toLowerCase()));
  if (timestampColumn !== undefined && tIdx < 0) {
    throw new TsiotError(
      'invalid_input',
      `data.timestampColumn: "${timestampColumn}" is not in the CSV header (${header.join(', ')})`,
      { details: { field: 'data.timestampColumn', header } },
    );
  }
  if (tIdx < 0) tIdx = 0;
  const rows = lines.slice(1).map(splitCsvLine);
  const rawTimes = rows.map((r) => r[tIdx] ?? '');
  const { times, notes } = parseTimestamps(rawTimes, `data.csv column "${header[tIdx]}"`);
  const columns = header
    .map((name, ci) => ({ name, ci }))
    .filter(({ ci }) => ci !== tIdx)
    .map(({ name, ci }) => {
      const values = new Float64Array(rows.length);
      rows.forEach((r, ri) => {
        const cell = r[ci] ?? '';
        if (cell === '' || /^(nan|null|na)$/i.test(cell)) values[ri] = NaN;
        else {
          const v = Number(cell);
          if (!Number.isFinite(v)) {
            throw new TsiotError(
              'invalid_input',
              `data.csv row ${ri + 2}, column "${name}": "${cell}" is not a number`,
              { details: { field: 'data.csv', row: ri + 2, column: name } },
            );
          }
          values[ri] = v;
        }
      });
      return { name, values };
    });
  return { series: { id: 'csv', name: 'csv', metadata: { tags: {} }, timestamps: times, columns, labels: [] }, notes };
}
