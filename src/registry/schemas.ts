import { z } from 'zod';

/** Output schemas shared by several tools and resources (one definition, many uses). */

export const RangeSchema = z.object({ min: z.number(), max: z.number() });

export const ColumnInfoSchema = z.object({
  name: z.string().describe('Column (sensor) name.'),
  unit: z.string().optional().describe('Physical unit, e.g. °C.'),
  sensorType: z.string().optional().describe('Sensor preset the column came from.'),
  range: RangeSchema.optional().describe('Physical range of the sensor.'),
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
  details: z.record(z.string(), z.unknown()).optional(),
});

export const MetadataSchema = z
  .object({
    deviceId: z.string().optional(),
    sensorType: z.string().optional(),
    unit: z.string().optional(),
    tags: z.record(z.string(), z.string()),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    generator: z.string().optional(),
    seed: z.union([z.string(), z.number()]).optional(),
  })
  .catchall(z.unknown());

export const SeriesSummarySchema = z.object({
  id: z.string().describe('Storage id; use it with get_series, export_series, delete_series.'),
  name: z.string(),
  metadata: MetadataSchema,
  columns: z.array(ColumnInfoSchema),
  points: z.number().int().describe('Number of rows (timestamps).'),
  start: z.number().nullable().describe('First timestamp, epoch ms.'),
  end: z.number().nullable().describe('Last timestamp, epoch ms.'),
  labels: z.number().int().describe('Number of labelled anomaly/imperfection intervals.'),
});

export const TagsSchema = z
  .record(z.string().min(1).max(128), z.string().max(512))
  .describe('Key/value tags, e.g. {"site": "plant-3", "line": "A"}.');

export const SeedSchema = z
  .union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().min(1).max(128)])
  .describe(
    'Seed for the random generator. The same request with the same seed gives byte-identical data. Omit to draw one; the seed used is returned.',
  );

export const SeriesIdSchema = z
  .string()
  .min(1)
  .max(128)
  .describe('A stored series id as returned by generate_timeseries or list_series, e.g. "ser_3fA9…".');
