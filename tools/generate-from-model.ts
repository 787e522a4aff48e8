import { z } from 'zod';
import { ModelIdSchema, SeedSchema, SeedUsedSchema } from '../src/core/schemas.js';
import { previewRows } from '../src/core/series.js';
import { isoOf } from '../src/core/time.js';
import { builtinGenerators } from '../src/engines/generation/builtin.js';
import { generatorGuide } from '../src/engines/generation/guide.js';
import {
  SampledSeriesSchema,
  SampleParamsSchema,
  SamplePreviewSchema,
  sampledSeriesOut,
} from '../src/engines/models/schemas.js';
import { defineTool } from '../src/registry/tool.js';

export const generateFromModel = defineTool({
  name: 'generate_from_model',
  title: 'Generate from a saved model',
  description:
    'Sample new series from a fitted model and store them: fresh paths, a continuation of the data (context "end"), forecasts, or entities with fixed attributes. Example: {"id": "mdl_3fA9xQ", "length": 1440, "count": 3, "seed": 7}',
  details: [
    'Sample new synthetic series from a model saved by fit_model, and store them (default) for get_series / export_series / validation. The same as generate_timeseries {"model": id, "params": {…}}, with the sampling options as top-level fields.',
    'context: "none" (default) = fresh paths that behave like the training data; "end" = continue after the end of the training data (a simulated future); "random" = each path continues the training data from a random point.',
    'For models that forecast (arima, statistical), `forecast` returns point forecasts with prediction intervals after the training data instead.',
    'Models fitted on a fleet with static attributes (dgan/ydata) sample new entities: each series carries its entity\'s attributes (metadata.attributes, and `attributes` in the result); `attributes` fixes some of them for every series, e.g. {"site": "plant-3"}, and the rest are sampled. The values a model accepts are in describe_model under details.attributes; anything else is refused by name.',
    generatorGuide(builtinGenerators()),
    'The same model, request and seed give identical values. Limits: length × count × columns ≤ 5 M values.',
    'Example: {"id": "mdl_…", "length": 1440, "count": 3, "seed": 7}; conditioned: {"id": "mdl_…", "length": 168, "count": 10, "attributes": {"site": "plant-3"}}',
  ].join(' '),
  inputSchema: z.object({
    id: ModelIdSchema,
    ...SampleParamsSchema.shape,
    seed: SeedSchema.optional(),
    store: z.boolean().default(true).describe('Store the series (default true).'),
    name: z.string().min(1).max(200).optional().describe('Name (prefix) of the stored series.'),
    preview: z.number().int().min(0).max(100).default(5).describe('Leading rows of the first series to return inline.'),
    forecast: z
      .object({ horizon: z.number().int().min(1).max(100_000), level: z.number().gt(0).lt(1).default(0.95) })
      .optional()
      .describe(
        'Models that forecast (arima, statistical): return forecasts with central prediction intervals instead of sampling.',
      ),
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
    if (input.forecast) {
      const { model, forecast } = await ctx.engines.models.forecast(
        input.id,
        input.forecast.horizon,
        input.forecast.level,
      );
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
    const { id, seed, store, name, preview, forecast: _, ...params } = input;
    const res = await ctx.engines.generation.generate(
      { model: id, params, store, ...(seed !== undefined ? { seed } : {}), ...(name ? { name } : {}) },
      { signal: ctx.signal, onProgress: ctx.progress },
    );
    const first = res.series[0];
    return {
      structured: {
        model: id,
        generator: res.generator,
        seed: res.seed,
        series: res.series.map((s, i) => sampledSeriesOut(s, res.stored[i]?.id)),
        preview: { columns: first?.columns.map((c) => c.name) ?? [], rows: previewRows(first, preview) },
      },
      summary: `Generated ${res.series.length} series × ${input.length} rows from ${id} (${res.generator}, context ${input.context}, seed ${JSON.stringify(res.seed)})${
        res.stored.length
          ? `; stored as ${res.stored
              .slice(0, 5)
              .map((s) => s.id)
              .join(', ')}${res.stored.length > 5 ? ', …' : ''}`
          : '; not stored'
      }.`,
    };
  },
});
