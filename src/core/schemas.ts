/**
 * The data model where it crosses the wire (MCP, REST, stored documents),
 * declared once. The zod schemas feed tool input and output schemas, OpenAPI
 * and the validators; `core/types.ts` derives the TypeScript types from them.
 * Shapes that hold typed arrays (TimeSeries, Column) are not here: they never
 * cross the wire as they are (see `seriesToJson`).
 */
import { z } from 'zod';
import { MAX_TAG_FILTERS } from './limits.js';

export const RangeSchema = z
  .object({ min: z.number(), max: z.number() })
  .describe('A physical range: the values a sensor can report.');

export const ColumnInfoSchema = z.object({
  name: z.string().describe('Column (sensor) name.'),
  unit: z.string().optional().describe('Physical unit, e.g. °C.'),
  sensorType: z.string().optional().describe('Sensor preset the column came from.'),
  range: RangeSchema.optional().describe('Physical range of the sensor; values outside are impossible or clipped.'),
  levels: z
    .array(z.string())
    .optional()
    .describe('A categorical column: each value is an index into these levels (null = missing).'),
});

export const LabelSchema = z.object({
  type: z
    .string()
    .describe('spike, dip, stuck, drift, level_shift, noise_burst, degradation, gap, missing, clipping …'),
  kind: z
    .enum(['anomaly', 'imperfection'])
    .describe('anomaly = injected fault; imperfection = sensor/transport artefact.'),
  column: z.string().optional().describe('Affected column; absent when whole rows are affected (gaps).'),
  start: z.number().describe('Start of the interval, epoch ms (inclusive).'),
  end: z.number().describe('End of the interval, epoch ms (inclusive).'),
  details: z.record(z.string(), z.unknown()).optional().describe('What was injected, e.g. its magnitude.'),
});

export const TagsSchema = z
  .record(z.string().min(1).max(128), z.string().max(512))
  .describe('Key/value tags, e.g. {"site": "plant-3", "line": "A"}.');

/** Tags to filter on: at most MAX_TAG_FILTERS of them, each a condition the query must join. */
export const TagFilterSchema = z
  .record(z.string().min(1).max(128), z.string().max(512))
  .refine((t) => Object.keys(t).length <= MAX_TAG_FILTERS, {
    message: `at most ${MAX_TAG_FILTERS} tag filters per query`,
  })
  .describe(`Only series having all of these tags (at most ${MAX_TAG_FILTERS}), e.g. {"site": "plant-3"}.`);

export const AttributeValueSchema = z.union([z.string(), z.number(), z.boolean()]);

export const AttributesSchema = z
  .record(z.string(), AttributeValueSchema)
  .describe('Static attributes of an entity (model, site, firmware …), e.g. {"site": "plant-3", "firmware": 2}.');

export const SeedSchema = z
  .union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().min(1).max(128)])
  .describe(
    'Seed of every random choice: the same request and seed give byte-identical data. Omitted: one is drawn and returned.',
  );

/** A seed as reported back: what was given, or what was drawn when none was. */
export const SeedUsedSchema = z
  .union([z.string(), z.number()])
  .describe('The seed used; pass it again to reproduce the data exactly.');

export const MetadataSchema = z
  .object({
    deviceId: z.string().optional().describe('The device (entity) the series belongs to.'),
    sensorType: z.string().optional().describe('Sensor preset of a single-sensor series.'),
    unit: z.string().optional().describe('Physical unit of a single-sensor series.'),
    tags: z.record(z.string(), z.string()).describe('Key/value tags, e.g. {"site": "plant-3"}.'),
    attributes: AttributesSchema.optional(),
    generator: z.string().optional().describe('The generator (or fitted model kind) that produced the series.'),
    seed: SeedUsedSchema.optional().describe(
      'The seed that produced this series, as given or as drawn when none was given.',
    ),
    createdAt: z.string().optional().describe('When the series was made, ISO 8601.'),
  })
  .catchall(z.unknown())
  .describe('What is known about a series besides its values; other keys (modelId, validationReport …) may appear.');

export const SeriesIdSchema = z
  .string()
  .min(1)
  .max(128)
  .describe('A stored series id (from generate_timeseries or list_series), e.g. "ser_3fA9xQ".');

export const ModelIdSchema = z
  .string()
  .min(1)
  .max(128)
  .describe('A fitted model id (from fit_model or list_models), e.g. "mdl_3fA9xQ".');

export const SeriesSummarySchema = z.object({
  id: z.string().describe('Storage id; use it with get_series, export_series, delete_series.'),
  name: z.string().describe('Series name (with a fleet: "<name>/<device>").'),
  metadata: MetadataSchema,
  columns: z.array(ColumnInfoSchema).describe('The value columns, in order.'),
  points: z.number().int().describe('Number of rows (timestamps).'),
  start: z.number().nullable().describe('First timestamp, epoch ms; null for an empty series.'),
  end: z.number().nullable().describe('Last timestamp, epoch ms; null for an empty series.'),
  labels: z.number().int().describe('Number of labelled anomaly/imperfection intervals.'),
});

export const SeriesJsonSchema = z.object({
  id: z.string().describe('Storage id.'),
  name: z.string().describe('Series name.'),
  metadata: MetadataSchema,
  columns: z.array(ColumnInfoSchema).describe('The value columns, in order.'),
  timestamps: z.array(z.number()).describe('Epoch ms, non-decreasing, one per row.'),
  values: z
    .record(z.string(), z.array(z.number().nullable()))
    .describe('Values per column, aligned with timestamps; null = missing.'),
  labels: z.array(LabelSchema).describe('Labelled anomaly and imperfection intervals.'),
});
