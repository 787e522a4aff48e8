import { z } from 'zod';
import { TsiotError } from '../src/core/errors.js';
import { isoOf, parseTime, TimeSchema } from '../src/core/time.js';
import { generatorGuide } from '../src/engines/models/guide.js';
import { previewRows, storeAll } from '../src/engines/models/store-samples.js';
import { AttributesSchema, ModelIdSchema, SeedSchema, SeedUsedSchema } from '../src/core/schemas.js';
import { SampledSeriesSchema, SamplePreviewSchema, sampledSeriesOut } from '../src/engines/models/schemas.js';
import { defineTool } from '../src/registry/tool.js';

export const generateFromModel = defineTool({
  name: 'generate_from_model',
  title: 'Generate from a saved model',
  description: [
    'Sample new synthetic series from a model saved by fit_model, and store them (default) for get_series / export_series / validation.',
    'context: "none" (default) = fresh paths that behave like the training data; "end" = continue after the end of the training data (a simulated future); "random" = each path continues the training data from a random point.',
    'For ARIMA models, `forecast` returns point forecasts with prediction intervals after the training data instead.',
    'Models fitted on a fleet with static attributes (dgan/ydata) sample new entities: each series carries its entity\'s attributes (metadata.attributes, and `attributes` in the result); `attributes` fixes some of them for every series, e.g. {"site": "plant-3"}, and the rest are sampled. The values a model accepts are in describe_model under details.attributes; anything else is refused by name.',
    generatorGuide(),
    'The same model, request and seed give identical values. Limits: length × count × columns ≤ 5 M values.',
    'Example: {"id": "mdl_…", "length": 1440, "count": 3, "seed": 7}; conditioned: {"id": "mdl_…", "length": 168, "count": 10, "attributes": {"site": "plant-3"}}',
  ].join(' '),
  inputSchema: z.object({
    id: ModelIdSchema,
    length: z.number().int().min(1).max(5_000_000).default(1000).describe('Rows per generated series.'),
    count: z.number().int().min(1).max(1000).default(1).describe('Number of independent series.'),
    context: z.enum(['none', 'end', 'random']).default('none').describe('Where each path starts (see description).'),
    start: TimeSchema.optional().describe(
      'First timestamp for context none/random (default: the training start); "end" continues after the training data.',
    ),
    attributes: AttributesSchema.optional().describe(
      'dgan/ydata: fix these static attributes of every generated entity, e.g. {"site": "plant-3", "firmware": 2}; see describe_model details.attributes for the learned names, categories and ranges.',
    ),
    seed: SeedSchema.optional(),
    store: z.boolean().default(true).describe('Store the series (default true).'),
    name: z.string().min(1).max(200).optional().describe('Name (prefix) of the stored series.'),
    preview: z.number().int().min(0).max(100).default(5).describe('Leading rows of the first series to return inline.'),
    forecast: z
      .object({ horizon: z.number().int().min(1).max(100_000), level: z.number().gt(0).lt(1).default(0.95) })
      .optional()
      .describe('ARIMA only: return forecasts with central prediction intervals instead of sampling.'),
  }),
  outputSchema: z.object({
    model: z.string(),
    generator: z.string(),
    seed: SeedUsedSchema.optional(),
    series: z.array(SampledSeriesSchema),
    preview: SamplePreviewSchema,
    forecast: z
      .array(
        z.object({
          column: z.string(),
          mean: z.array(z.number()),
          lower: z.array(z.number()),
          upper: z.array(z.number()),
        }),
      )
      .optional(),
    forecastStart: z.string().optional(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  example: { id: 'mdl_3fA9xQ', length: 1440, count: 3, seed: 7 },
  routes: [{ method: 'POST', path: '/v1/models/:id/generate' }],
  async handler(input, ctx) {
    const registry = ctx.engines.models;
    if (input.forecast) {
      const { model, forecast } = await registry.forecast(input.id, input.forecast.horizon, input.forecast.level);
      const forecastStart = isoOf(model.training.end + model.training.intervalMs);
      return {
        structured: {
          model: model.id,
          generator: model.generator,
          series: [],
          preview: { columns: [], rows: [] },
          forecast,
          forecastStart,
        },
        summary: `Forecast of ${model.id} for ${input.forecast.horizon} steps from ${forecastStart} with ${Math.round(input.forecast.level * 100)}% intervals.`,
      };
    }
    const model = await registry.get(input.id);
    const values = input.length * input.count * model.columns.length;
    const limit = ctx.engines.config.maxPointsPerRequest;
    if (values > limit) {
      throw new TsiotError(
        'too_large',
        `This request would generate ${values.toLocaleString('en-US')} values; the limit per request is ${limit.toLocaleString('en-US')}.`,
        {
          details: { values, limit },
          hint: 'Lower length or count, or split the request.',
        },
      );
    }
    const res = await registry.sample(
      input.id,
      {
        length: input.length,
        count: input.count,
        context: input.context,
        ...(input.seed !== undefined ? { seed: input.seed } : {}),
        ...(input.attributes ? { attributes: input.attributes } : {}),
        ...(input.start !== undefined ? { startMs: parseTime(input.start, 'start') } : {}),
      },
      ctx.signal,
    );
    if (input.name)
      for (const [i, s] of res.series.entries())
        s.name = res.series.length === 1 ? input.name : `${input.name}/sample-${String(i + 1).padStart(3, '0')}`;
    const stored = input.store ? await storeAll(ctx.engines.storage, res.series, ctx.signal) : [];
    const first = res.series[0];
    return {
      structured: {
        model: model.id,
        generator: model.generator,
        seed: res.seed,
        series: res.series.map((s, i) => sampledSeriesOut(s, stored[i]?.id)),
        preview: { columns: first?.columns.map((c) => c.name) ?? [], rows: previewRows(first, input.preview) },
      },
      summary: `Generated ${res.series.length} series × ${input.length} rows from ${model.id} (${model.generator}, context ${input.context}, seed ${JSON.stringify(res.seed)})${
        stored.length
          ? `; stored as ${stored
              .slice(0, 5)
              .map((s) => s.id)
              .join(', ')}${stored.length > 5 ? ', …' : ''}`
          : '; not stored'
      }.`,
    };
  },
});
