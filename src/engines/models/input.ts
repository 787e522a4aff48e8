/**
 * Training data as tools receive it: a stored series id, CSV text or a CSV
 * file path, or inline JSON columns — or several series (stored ids or inline
 * series with their static attributes) learned as independent sequences, e.g.
 * the devices of a fleet. Timestamps may be ISO 8601 strings or epoch
 * seconds / milliseconds; empty cells and null are missing values.
 */
import { z } from 'zod';
import { TsiotError } from '../../core/errors.js';
import { AttributesSchema } from '../../core/schemas.js';
import { checkTimeZone, parseTimeString } from '../../core/time.js';
import type { TimeSeries } from '../../core/types.js';
import {
  type CategoricalColumn,
  type CsvColumnSummary,
  CsvReadShape,
  type CsvReadOptions,
  readCsv,
} from '../ingest/csv/index.js';
import type { ImportFolder } from '../files/imports.js';
import type { Storage } from '../storage/storage.js';
import { ANONYMOUS_NETWORK_CALLER, type Caller } from '../../core/caller.js';

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
    csv: z
      .string()
      .min(1)
      .optional()
      .describe(
        'CSV text with a header row: a time column (or date + time columns), numeric and text columns; delimiter, decimal separator and time layout are detected.',
      ),
    csvPath: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe(
        'Path of a CSV file inside the server\'s import folder, relative to it (e.g. "plant-3/readings.csv"); paths leading out of it are refused.',
      ),
    timestamps: z
      .array(z.union([z.string(), z.number()]))
      .optional()
      .describe('Inline: timestamps (ISO 8601, epoch s or epoch ms), one per row.'),
    values: z
      .record(z.string(), z.array(z.number().nullable()))
      .optional()
      .describe('Inline: values per column, aligned with timestamps; null = missing.'),
    ...CsvReadShape,
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
  /** CSV: text columns read as categories, aligned with `series.timestamps`. */
  categorical?: CategoricalColumn[];
  /** CSV: what was read of each column (type, missing rate, unique count, range, notes). */
  csvColumns?: CsvColumnSummary[];
}

/** What a fit should learn from: the several series as independent sequences, else the one series. */
export function fitInput(loaded: LoadedData): TimeSeries | TimeSeries[] {
  return loaded.sequences ?? loaded.series;
}

const CSV_ONLY = [
  'delimiter',
  'decimal',
  'timestampColumn',
  'dateColumn',
  'timeColumn',
  'timeFormat',
  'missing',
  'columns',
] as const;

/** Where training data may come from: stored series, and files of the import folder. */
export interface DataSources {
  storage: Storage;
  imports: ImportFolder;
}

/**
 * Read training data from any accepted form. A csvPath is read only inside
 * the import folder, as `caller` may (no caller: as a network client).
 */
export async function loadDataInput(
  input: DataInput,
  sources: DataSources,
  caller: Caller = ANONYMOUS_NETWORK_CALLER,
): Promise<LoadedData> {
  const { storage } = sources;
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
  const isCsv = input.csv !== undefined || input.csvPath !== undefined;
  const misplaced = CSV_ONLY.find((k) => input[k] !== undefined && !isCsv);
  if (misplaced) {
    throw new TsiotError('invalid_input', `data.${misplaced}: applies to csv or csvPath input only`, {
      details: { field: `data.${misplaced}` },
    });
  }
  if (input.timeZone !== undefined) checkTimeZone(input.timeZone, 'data.timeZone');
  if (input.timeZone !== undefined && (input.seriesId !== undefined || input.seriesIds !== undefined)) {
    throw new TsiotError(
      'invalid_input',
      'data.timeZone: stored series already hold instants; it applies to CSV and inline timestamps',
      {
        details: { field: 'data.timeZone' },
      },
    );
  }
  const timeZone = input.timeZone ?? 'UTC';
  if (input.seriesIds !== undefined) {
    const sequences: TimeSeries[] = [];
    for (const id of input.seriesIds) sequences.push(await storage.retrieve({ id }));
    return { series: sequences[0]!, sequences, notes: [], sourceSeriesIds: [...input.seriesIds] };
  }
  if (input.series !== undefined) {
    const notes = new Set<string>();
    const sequences = input.series.map((s, i) => {
      const name = s.name ?? `series-${i}`;
      const read = inlineSeries(s.timestamps, s.values, `data.series[${i}]`, timeZone);
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
  if (isCsv) {
    const options: CsvReadOptions = {};
    for (const k of [...CSV_ONLY, 'timeZone'] as const)
      if (input[k] !== undefined) Object.assign(options, { [k]: input[k] });
    const source =
      input.csv !== undefined
        ? { text: input.csv }
        : { path: await sources.imports.resolve(input.csvPath!, 'data.csvPath', caller) };
    const table = await readCsv(source, options);
    return {
      series: table.series,
      notes: [...table.notes, ...table.warnings],
      ...(table.categorical.length ? { categorical: table.categorical } : {}),
      csvColumns: table.columns,
    };
  }
  if (!input.timestamps || !input.values) {
    throw new TsiotError('invalid_input', 'data: inline data needs both timestamps and values', {
      details: {
        field: input.timestamps ? 'data.values' : 'data.timestamps',
        example: { timestamps: ['2025-01-01T00:00:00Z'], values: { temperature: [21.3] } },
      },
    });
  }
  return inlineSeries(input.timestamps, input.values, 'data', timeZone);
}

/** An inline series from timestamps and aligned value columns; `field` names it in errors. */
function inlineSeries(
  timestamps: readonly (string | number)[],
  values: Record<string, (number | null)[]>,
  field: string,
  timeZone: string,
): LoadedData {
  const n = timestamps.length;
  const { times, notes } = parseTimestamps(timestamps, `${field}.timestamps`, timeZone);
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

/**
 * Parse timestamps: ISO 8601 strings (zone-less ones in `timeZone`, default UTC), or numbers read as
 * epoch seconds when all are below 1e11, else epoch ms.
 */
export function parseTimestamps(
  raw: readonly (string | number)[],
  field: string,
  timeZone = 'UTC',
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
    const t = typeof v === 'number' ? v : (parseTimeString(v, timeZone) ?? NaN);
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
