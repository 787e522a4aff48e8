/** Zod shapes of models at the edges (tool outputs). */
import { z } from 'zod';
import { columnInfo } from '../../core/series.js';
import { isoOf, TimeSchema } from '../../core/time.js';
import type { TimeSeries } from '../../core/types.js';
import { AttributesSchema, ColumnInfoSchema, SeedUsedSchema } from '../../core/schemas.js';
import { ConstraintsSchema } from '../generation/constraints/index.js';
import type { FitStatus, ModelRecord } from './record.js';

/** What fit_model and synthesize_like accept about the data's physics. */
export const ConstraintsOptionSchema = z
  .union([ConstraintsSchema, z.literal(false)])
  .optional()
  .describe(
    'What copies may not do. Default: learned from the data — bounds (observed range plus a margin; 0 for never-negative columns, 100 for percentages), whole-number and stepped columns, counters that never go down, angles in degrees — and enforced in every sample by construction. Declare more, e.g. {"bounds": {"humidity": {"min": 0, "max": 100}}, "circular": ["wind_dir"], "counters": ["energy_kwh"]}; false: none (the learner\'s raw output).',
  );

export const FitStatusSchema = z.object({
  id: z.string(),
  generator: z.string(),
  status: z.enum(['training', 'failed', 'cancelled']),
  startedAt: z.string(),
  progress: z.object({ done: z.number(), total: z.number(), message: z.string().optional() }).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

export const ModelSummarySchema = z.object({
  id: z.string().describe('Model id, e.g. "mdl_…"; use it with generate_from_model, describe_model, delete_model.'),
  name: z.string(),
  generator: z.string(),
  createdAt: z.string(),
  columns: z.array(z.string()),
  trainingRows: z.number().int(),
  intervalMs: z.number(),
  trainingMs: z.number(),
  sequences: z.number().int().optional().describe('Independent series (entities / windows) of a multi-series fit.'),
});

export function modelSummary(m: ModelRecord): z.output<typeof ModelSummarySchema> {
  return {
    id: m.id,
    name: m.name,
    generator: m.generator,
    createdAt: m.createdAt,
    columns: m.columns,
    trainingRows: m.training.points,
    intervalMs: m.training.intervalMs,
    trainingMs: m.trainingMs,
    ...(m.sequences !== undefined ? { sequences: m.sequences } : {}),
  };
}

export const ModelRecordSchema = ModelSummarySchema.extend({
  seed: SeedUsedSchema,
  hyperParameters: z.record(z.string(), z.unknown()),
  details: z
    .record(z.string(), z.unknown())
    .describe(
      'What was learned: coefficients and noise variance (arima), loss curve (rnn), losses and the static attributes with their values or ranges (dgan/ydata: details.attributes, usable as generate_from_model attributes).',
    ),
  training: z.object({
    points: z.number().int(),
    columns: z.array(
      z.object({
        name: z.string(),
        unit: z.string().optional(),
        mean: z.number(),
        std: z.number(),
        min: z.number(),
        max: z.number(),
      }),
    ),
    start: z.number(),
    end: z.number(),
    intervalMs: z.number(),
    notes: z.array(z.string()).describe('What was done to the input: resampling, imputation.'),
  }),
  sourceSeriesId: z.string().optional(),
  sourceSeriesIds: z.array(z.string()).optional().describe('Stored series of a multi-series fit.'),
  fidelity: z.record(z.string(), z.unknown()).optional(),
  privacy: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('The differential-privacy guarantee of a private fit: mechanism, epsilon, delta, rho, unit.'),
  stateSize: z.number().int(),
  layers: z
    .object({
      constraints: z
        .boolean()
        .describe('Samples keep the constraints in details.constraints (bounds, steps, counters, angles).'),
      missingness: z
        .boolean()
        .describe('Samples copy the missing-value pattern in details.missingness (unless missing: "fill").'),
      categorical: z
        .array(z.string())
        .optional()
        .describe("Categorical columns copied after the numeric ones (values index the column's levels)."),
    })
    .optional()
    .describe("What samples get besides the learner's numbers."),
});

export function modelRecordOut(m: ModelRecord): z.output<typeof ModelRecordSchema> {
  return { ...modelSummary(m), ...m, seed: m.seed } as z.output<typeof ModelRecordSchema>;
}

export type FitStatusOut = z.output<typeof FitStatusSchema>;
export function fitStatusOut(s: FitStatus): FitStatusOut {
  return { ...s };
}

/**
 * How to sample a fitted model: the `params` of generate_timeseries with a
 * model, and the fields of generate_from_model.
 */
export const SampleParamsSchema = z
  .object({
    length: z.number().int().min(1).max(5_000_000).default(1000).describe('Rows per generated series.'),
    count: z.number().int().min(1).max(1000).default(1).describe('Number of independent series (entities).'),
    context: z
      .enum(['none', 'end', 'random'])
      .default('none')
      .describe(
        'Where each path starts: "none" = fresh paths that behave like the training data; "end" = continue after the end of the training data (a simulated future); "random" = each path continues the training data from a random point.',
      ),
    start: TimeSchema.optional().describe(
      'First timestamp for context none/random (ISO 8601 or epoch ms; default: the training start); "end" continues after the training data.',
    ),
    attributes: AttributesSchema.optional().describe(
      'Fix these static attributes of every generated entity, e.g. {"site": "plant-3", "firmware": 2}: dgan/ydata attributes (describe_model details.attributes lists them) or a categorical column constant in the training data (layers.categorical).',
    ),
    missing: z
      .enum(['copy', 'fill'])
      .default('copy')
      .describe(
        'Models that learned a missing-value pattern (layers.missingness): "copy" gives the samples the data\'s gaps (rate, run lengths, columns missing together); "fill" gives complete samples.',
      ),
  })
  .strict();
export type SampleParams = z.output<typeof SampleParamsSchema>;

/** One series sampled from a model, as the sampling tools report it. */
export const SampledSeriesSchema = z.object({
  id: z.string().nullable().describe('Storage id (null when not stored).'),
  name: z.string(),
  rows: z.number().int(),
  columns: z.array(ColumnInfoSchema),
  start: z.string(),
  end: z.string(),
  attributes: AttributesSchema.optional().describe('Static attributes of the sampled entity (dgan/ydata).'),
});

/** The leading rows of the first sampled series: [timestamp ISO, value per column…]. */
export const SamplePreviewSchema = z.object({
  columns: z.array(z.string()),
  rows: z.array(z.array(z.union([z.string(), z.number(), z.null()]))),
});

/** A sampled series as the sampling tools report it, with its storage id when stored. */
export function sampledSeriesOut(s: TimeSeries, storedId: string | undefined): z.output<typeof SampledSeriesSchema> {
  return {
    id: storedId ?? null,
    name: s.name,
    rows: s.timestamps.length,
    columns: s.columns.map(columnInfo),
    start: isoOf(s.timestamps[0]!),
    end: isoOf(s.timestamps[s.timestamps.length - 1]!),
    ...(s.metadata.attributes ? { attributes: s.metadata.attributes } : {}),
  };
}
