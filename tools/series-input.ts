import { ANONYMOUS_NETWORK_CALLER, type Caller } from '../src/core/caller.js';
import { z } from 'zod';
import { TsiotError } from '../src/core/errors.js';
import { TimeSchema, parseTime } from '../src/core/time.js';
import type { TimeSeries } from '../src/core/types.js';
import type { Engines } from '../src/engines/engines.js';
import { RangeSchema, SeriesIdSchema } from '../src/core/schemas.js';
import { CsvReadShape, readCsv } from '../src/engines/ingest/csv/index.js';

/**
 * Series input shared by the validation tools: a stored id, or inline data,
 * or a list of either (a fleet: one series per device).
 */

/** Most rows of one inline series. */
const MAX_INLINE_ROWS = 1_000_000;

export const InlineSeriesSchema = z
  .object({
    name: z.string().min(1).max(200).optional().describe('A name for the report.'),
    deviceId: z.string().max(200).optional(),
    timestamps: z.array(TimeSchema).min(1).max(MAX_INLINE_ROWS).describe('One per row: epoch ms or ISO 8601.'),
    values: z
      .record(z.string().min(1), z.array(z.number().nullable()).max(MAX_INLINE_ROWS))
      .describe('Values per column, aligned with timestamps; null = missing.'),
    columns: z
      .array(
        z.object({
          name: z.string(),
          unit: z.string().optional(),
          range: RangeSchema.optional().describe('Declared sensor range, for the out-of-range check.'),
        }),
      )
      .optional()
      .describe('Optional units and declared ranges of the columns.'),
  })
  .describe('Inline data: {"timestamps": [...], "values": {"temperature": [...]}}.');

export const CsvSeriesSchema = z
  .object({
    csvPath: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe(
        "Path of a CSV file inside the server's import folder, relative to it (paths leading out are refused).",
      ),
    csv: z.string().min(1).optional().describe('CSV text with a header row.'),
    name: z.string().min(1).max(200).optional().describe('A name for the report.'),
    ...CsvReadShape,
  })
  .strict()
  .superRefine((v, ctx) => {
    const given = Number(v.csvPath !== undefined) + Number(v.csv !== undefined);
    if (given !== 1)
      ctx.addIssue({
        code: 'custom',
        path: [given ? 'csv' : 'csvPath'],
        message: given
          ? 'give csvPath or csv, not both'
          : 'give csvPath (a file in the import folder, e.g. "real.csv") or csv (CSV text with a header row)',
      });
  })
  .describe(
    'A CSV file or text, read like fit_model\'s data (delimiter, decimal and time layout detected; text columns kept as categories): {"csvPath": "real.csv", "missing": [-200]}.',
  );

export const SeriesSourceSchema = z.union([SeriesIdSchema, CsvSeriesSchema, InlineSeriesSchema]);

export const SeriesSetSchema = z
  .union([SeriesSourceSchema, z.array(SeriesSourceSchema).min(1).max(1000)])
  .describe('A stored series id ("ser_…"), inline data, or a list of either (a fleet: one series per device).');

export type SeriesSet = z.output<typeof SeriesSetSchema>;

/**
 * Load the series of several fields ({field: set}) — stored ones after
 * checking their size, so a huge request is refused before anything is read.
 */
export async function resolveSeriesSets<K extends string>(
  engines: Engines,
  sets: Partial<Record<K, SeriesSet>>,
  maxValues: number,
  caller: Caller = ANONYMOUS_NETWORK_CALLER,
): Promise<Partial<Record<K, TimeSeries[]>>> {
  let values = 0;
  for (const [field, set] of Object.entries(sets) as [K, SeriesSet | undefined][]) {
    if (!set) continue;
    for (const [i, src] of list(set).entries()) {
      if (isCsv(src)) continue;
      if (typeof src === 'string') {
        const summary = await engines.storage.describe(src);
        if (!summary)
          throw new TsiotError('not_found', `${field}[${i}]: series "${src}" does not exist`, {
            details: { field, id: src },
            hint: 'List stored series with list_series.',
          });
        values += summary.points * summary.columns.length;
      } else {
        values += src.timestamps.length * Object.keys(src.values).length;
      }
    }
  }
  if (values > maxValues) {
    throw new TsiotError(
      'too_large',
      `These series hold ${values.toLocaleString('en-US')} values; the limit per validation is ${maxValues.toLocaleString('en-US')}.`,
      {
        details: { values, limit: maxValues },
        hint: 'Validate fewer series or a shorter time range.',
      },
    );
  }
  const out: Partial<Record<K, TimeSeries[]>> = {};
  for (const [field, set] of Object.entries(sets) as [K, SeriesSet | undefined][]) {
    if (!set) continue;
    out[field] = await Promise.all(
      list(set).map((src, i) =>
        typeof src === 'string'
          ? engines.storage.retrieve({ id: src })
          : isCsv(src)
            ? csvSeries(src, `${field}[${i}]`, engines, caller)
            : inlineSeries(src, `${field}[${i}]`),
      ),
    );
  }
  // CSV sources are sized once read.
  let read = 0;
  for (const group of Object.values(out) as TimeSeries[][]) {
    for (const s of group) read += s.timestamps.length * s.columns.length;
  }
  if (read > maxValues) {
    throw new TsiotError(
      'too_large',
      `These series hold ${read.toLocaleString('en-US')} values; the limit per validation is ${maxValues.toLocaleString('en-US')}.`,
      { details: { values: read, limit: maxValues }, hint: 'Validate fewer series or a shorter time range.' },
    );
  }
  return out;
}

function list(set: SeriesSet): z.output<typeof SeriesSourceSchema>[] {
  return Array.isArray(set) ? set : [set];
}

/** Turn inline data into a series, naming the field of any mismatch. */
export function inlineSeries(src: z.output<typeof InlineSeriesSchema>, field: string): TimeSeries {
  const n = src.timestamps.length;
  const timestamps = Float64Array.from(src.timestamps, (t, i) => parseTime(t, `${field}.timestamps[${i}]`));
  const names = Object.keys(src.values);
  if (names.length === 0)
    throw new TsiotError(
      'invalid_input',
      `${field}.values: give at least one column, e.g. {"temperature": [21.5, 21.7]}`,
      { details: { field: `${field}.values` } },
    );
  const columns = names.map((name) => {
    const v = src.values[name]!;
    if (v.length !== n) {
      throw new TsiotError('invalid_input', `${field}.values.${name}: ${v.length} values but ${n} timestamps`, {
        details: { field: `${field}.values.${name}`, values: v.length, timestamps: n },
      });
    }
    const info = src.columns?.find((c) => c.name === name);
    return {
      name,
      values: Float64Array.from(v, (x) => (x === null ? NaN : x)),
      ...(info?.unit !== undefined ? { unit: info.unit } : {}),
      ...(info?.range !== undefined ? { range: info.range } : {}),
    };
  });
  const name = src.name ?? field;
  return {
    id: `inline:${field}`,
    name,
    metadata: { tags: {}, ...(src.deviceId ? { deviceId: src.deviceId } : {}) },
    timestamps,
    columns,
    labels: [],
  };
}

type SeriesSource = z.output<typeof SeriesSourceSchema>;

function isCsv(src: SeriesSource): src is z.output<typeof CsvSeriesSchema> {
  return typeof src === 'object' && ('csvPath' in src || 'csv' in src);
}

/** A CSV source as one series: numeric columns as they are, text columns as categorical (level-coded) columns. */
async function csvSeries(
  src: z.output<typeof CsvSeriesSchema>,
  field: string,
  engines: Engines,
  caller: Caller,
): Promise<TimeSeries> {
  const { csv, csvPath, name, ...options } = src;
  if ((csv === undefined) === (csvPath === undefined)) {
    throw new TsiotError('invalid_input', `${field}: give exactly one of csv or csvPath`, {
      details: { field, example: { csvPath: 'real.csv' } },
    });
  }
  // a path is read only inside the import folder, as the caller may
  const source =
    csv !== undefined ? { text: csv } : { path: await engines.imports.resolve(csvPath!, `${field}.csvPath`, caller) };
  const table = await readCsv(source, options, {
    field: `${field}.${csv !== undefined ? 'csv' : 'csvPath'}`,
  });
  const categorical = table.categorical.map((c) => ({
    name: c.name,
    levels: c.levels,
    values: Float64Array.from(c.codes, (k) => (k < 0 ? NaN : k)),
  }));
  const label = name ?? (csvPath ? csvPath.split(/[\\/]/).pop()! : field);
  return { ...table.series, id: `inline:${field}`, name: label, columns: [...table.series.columns, ...categorical] };
}
