import { z } from 'zod';
import { TsiotError } from '../src/core/errors.js';
import {
  AttributesSchema,
  ColumnInfoSchema,
  LabelSchema,
  ModelIdSchema,
  SeedSchema,
  SeedUsedSchema,
  TagsSchema,
} from '../src/core/schemas.js';
import { formatCount } from '../src/core/numbers.js';
import { columnInfo, previewRows } from '../src/core/series.js';
import { isoOf } from '../src/core/time.js';
import { StatisticalParamsSchema } from '../src/engines/generation/statistical/schema.js';
import { defineTool } from '../src/registry/tool.js';

const MAX_LABELS_RETURNED = 500;

/** The statistical fields as they parse when not given, to tell given ones apart. */
const STATISTICAL_DEFAULTS: Record<string, unknown> = StatisticalParamsSchema.parse({});

const inputSchema = z.object({
  generator: z
    .string()
    .optional()
    .describe(
      'Generator name (see list_generators). Default "statistical". The fields below from `start` on belong to the statistical generator; other generators take their options in `params`.',
    ),
  model: ModelIdSchema.optional().describe(
    'A fitted model id (from fit_model or list_models): sample that model instead of running a generator — every fitted generator works (statistical, arima, mixture, rnn, timegan, dgan/ydata). Its sampling options go in `params`: {length, count, context: "none"|"end"|"random", start, attributes} (see generate_from_model); the statistical fields are refused.',
  ),
  seed: SeedSchema.optional(),
  name: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Name for the stored series (with several devices: a prefix, giving "name/device-001" …).'),
  tags: TagsSchema.optional(),
  store: z.boolean().default(true).describe('Store the result (default true). false = only return a preview.'),
  preview: z
    .number()
    .int()
    .min(0)
    .max(100)
    .default(5)
    .describe('How many leading rows of the first series to return inline.'),
  validate: z
    .boolean()
    .default(false)
    .describe(
      'Run the quality and temporal validators on the generated data before storing it, store the report with the series, and return its score and id (read it at tsiot://reports/{id}).',
    ),
  params: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      'Options for a non-statistical generator (see describe_generator), or a model\'s sampling options with `model`. For "statistical" they are merged over the fields below.',
    ),
  ...StatisticalParamsSchema.shape,
});

/**
 * The statistical fields of the input are the generator's own field schemas
 * and the generator's schema adds no check of its own on the whole object:
 * input parsed here is what the generator would make of it, so the service
 * is told not to parse it again (unless a change here breaks that).
 */
const PARSED_AS_STATISTICAL =
  !StatisticalParamsSchema._zod.def.checks?.length &&
  Object.entries(StatisticalParamsSchema.shape).every(
    ([k, field]) => (inputSchema.shape as Record<string, unknown>)[k] === field,
  );

const outputSchema = z.object({
  generator: z.string().describe('The generator that made the data (the fitted generator of a sampled model).'),
  model: z.string().optional().describe('The model sampled, when `model` was given.'),
  seed: SeedUsedSchema,
  stored: z.boolean(),
  backend: z.string().optional().describe('Where the series were stored.'),
  values: z.number().int().describe('Total values generated (rows × columns over all series).'),
  series: z.array(
    z.object({
      id: z.string().nullable().describe('Storage id (null when store=false).'),
      name: z.string(),
      deviceId: z.string().optional(),
      rows: z.number().int(),
      columns: z.array(ColumnInfoSchema),
      start: z.string().nullable().describe('First timestamp, ISO 8601.'),
      end: z.string().nullable().describe('Last timestamp, ISO 8601.'),
      labels: z.number().int(),
      attributes: AttributesSchema.optional().describe('Static attributes of a sampled entity (dgan/ydata models).'),
    }),
  ),
  labels: z
    .array(LabelSchema.extend({ series: z.string().describe('Series name the label belongs to.') }))
    .describe(`Injected anomalies and imperfections (first ${MAX_LABELS_RETURNED}).`),
  labelsTotal: z.number().int(),
  validation: z
    .object({
      reportId: z
        .string()
        .nullable()
        .describe('Stored report id (null when store=false); read it at tsiot://reports/{id}.'),
      score: z.number().nullable().describe('Overall quality 0..100.'),
      verdict: z.string(),
      summary: z.string(),
    })
    .optional()
    .describe('Present when validate=true.'),
  preview: z.object({
    series: z.string().nullable(),
    columns: z.array(z.string()),
    rows: z.array(z.array(z.union([z.string(), z.number(), z.null()]))).describe('[timestamp ISO, value per column…]'),
  }),
});

export const generateTimeseries = defineTool({
  name: 'generate_timeseries',
  title: 'Generate synthetic IoT time series',
  description:
    'Generate synthetic sensor data for a device or fleet, with labelled anomalies and imperfections; stored by default. Start here for test or training data (sensor options: describe_generator "statistical"; `model` samples a fitted model). Example: {"devices": 3, "duration": "1d", "sensors": [{"type": "temperature"}], "anomalies": [{"type": "spike", "count": 2}], "seed": 42}',
  details: [
    'Generate synthetic sensor data for one device or a fleet, optionally with labelled anomalies and real-world imperfections, and store it (default) so it can be read, exported or validated later.',
    'Use it for "a week of data for 50 vibration sensors with two bearing faults", test data for a pipeline, or labelled data for an anomaly detector.',
    'Sensors come from presets with realistic units/ranges (temperature °C, humidity %RH, pressure hPa, vibration mm/s, power W, energy kWh counter, battery V, occupancy 0/1), all tunable.',
    'Returns storage ids, the seed (pass it again to get byte-identical data), every injected anomaly as a labelled interval, and a short preview — not the full data (use get_series or export_series).',
    'Limits: at most the configured number of values per request (rows × sensors × devices, 5 M by default); above it the call is refused before any work — split it (e.g. per day). A retry with the same input gives the same data when a seed is given.',
    'With `model` (a fitted model id from fit_model) it samples that model instead, with the same result shape: {"model": "mdl_…", "params": {"length": 1440, "count": 3}, "seed": 7}.',
    'Example: {"devices": 50, "duration": "7d", "interval": "1m", "sensors": [{"type": "vibration"}], "anomalies": [{"type": "degradation", "count": 2}], "seed": 7}',
  ].join(' '),
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  example: {
    devices: 3,
    duration: '1d',
    interval: '5m',
    sensors: [{ type: 'temperature' }, { type: 'humidity' }],
    anomalies: [{ type: 'spike', count: 2 }],
    seed: 42,
  },
  routes: [{ method: 'POST', path: '/v1/generate' }],
  async handler(input, ctx) {
    const { generator, model, seed, name, tags, store, preview, params, validate, ...statistical } = input;
    if (model !== undefined) refuseStatisticalFields(statistical);
    const direct =
      model === undefined && ctx.engines.generators.canonical(generator ?? 'statistical') === 'statistical';
    const res = await ctx.engines.generation.generate(
      {
        ...(generator !== undefined ? { generator } : {}),
        ...(model !== undefined ? { model } : {}),
        // `statistical` is this call's own object (the rest of the input): no copy needed without params
        params: direct ? (params === undefined ? statistical : { ...statistical, ...params }) : (params ?? {}),
        // with no params merged in, the statistical fields are already parsed (PARSED_AS_STATISTICAL)
        ...(direct && params === undefined && PARSED_AS_STATISTICAL ? { parsedWith: StatisticalParamsSchema } : {}),
        // with validate, the data is checked first and stored below with its report
        store: store && !validate,
        ...(seed !== undefined ? { seed } : {}),
        ...(name ? { name } : {}),
        ...(tags ? { tags } : {}),
      },
      { signal: ctx.signal, onProgress: ctx.progress },
    );
    let validation: { reportId: string | null; score: number | null; verdict: string; summary: string } | undefined;
    if (validate) {
      const report = await ctx.engines.validation.validate(
        { synthetic: res.series, rules: { validators: ['quality', 'temporal'] } },
        { signal: ctx.signal },
      );
      let reportId: string | null = null;
      if (store) {
        reportId = (await ctx.engines.validation.save(report)).id;
        for (const s of res.series) s.metadata = { ...s.metadata, validationReport: reportId };
        try {
          res.stored.push(...(await ctx.engines.generation.store(res.series, ctx.signal)));
        } catch (e) {
          await ctx.engines.validation.deleteReport(reportId).catch(() => undefined);
          throw e;
        }
      }
      validation = { reportId, score: report.score, verdict: report.verdict, summary: report.summary };
    }
    const allLabels = res.series.flatMap((s) => s.labels.map((l) => ({ ...l, series: s.name })));
    const first = res.series[0];
    const structured = {
      generator: res.generator,
      ...(res.model ? { model: res.model } : {}),
      seed: res.seed,
      stored: res.stored.length > 0,
      ...(res.stored[0] ? { backend: res.stored[0].backend } : {}),
      values: res.points,
      series: res.series.map((s) => {
        const n = s.timestamps.length;
        return {
          id: store ? s.id : null,
          name: s.name,
          ...(s.metadata.deviceId ? { deviceId: s.metadata.deviceId } : {}),
          rows: n,
          columns: s.columns.map(columnInfo),
          start: n ? isoOf(s.timestamps[0]!) : null,
          end: n ? isoOf(s.timestamps[n - 1]!) : null,
          labels: s.labels.length,
          ...(s.metadata.attributes ? { attributes: s.metadata.attributes } : {}),
        };
      }),
      labels: allLabels.slice(0, MAX_LABELS_RETURNED),
      labelsTotal: allLabels.length,
      ...(validation ? { validation } : {}),
      preview: {
        series: first?.name ?? null,
        columns: first?.columns.map((c) => c.name) ?? [],
        rows: previewRows(first, preview),
      },
    };
    const devices = res.series.length;
    const cols = first?.columns.length ?? 0;
    const summary =
      `Generated ${devices} series (${devices === 1 ? '1 device' : `${devices} devices`} × ${cols} sensor${cols === 1 ? '' : 's'}, ${formatCount(res.points)} values) with ${res.generator}${res.model ? ` model ${res.model}` : ''}, seed ${JSON.stringify(res.seed)}. ` +
      (structured.stored
        ? `Stored in ${structured.backend}: ${structured.series
            .slice(0, 5)
            .map((s) => s.id)
            .join(', ')}${devices > 5 ? ', …' : ''}. `
        : 'Not stored. ') +
      `${allLabels.length} labelled interval${allLabels.length === 1 ? '' : 's'}.` +
      (validation
        ? ` Validation: ${validation.verdict}, score ${validation.score === null ? 'n/a' : validation.score.toFixed(1)}${validation.reportId ? ` (report ${validation.reportId})` : ''}.`
        : '');
    return { structured, summary };
  },
});

/** With a model the statistical fields have no meaning: refuse any given (not left at its default), naming it. */
function refuseStatisticalFields(fields: Record<string, unknown>): void {
  const given = Object.keys(fields).filter(
    (k) => fields[k] !== undefined && JSON.stringify(fields[k]) !== JSON.stringify(STATISTICAL_DEFAULTS[k]),
  );
  if (given.length === 0) return;
  throw new TsiotError(
    'invalid_input',
    `${given.join(', ')}: ${given.length === 1 ? 'belongs' : 'belong'} to the statistical generator; with "model", give the model's sampling options in params`,
    {
      details: { field: given[0], example: { model: 'mdl_3fA9xQ', params: { length: 1440, count: 3 }, seed: 7 } },
      hint: 'Sampling options: length (rows), count (series), context ("none", "end", "random"), start, attributes.',
    },
  );
}
