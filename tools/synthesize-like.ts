import { z } from 'zod';
import { TsiotError } from '../src/core/errors.js';
import { randomSeed } from '../src/core/rng.js';
import { builtinGenerators } from '../src/engines/generation/builtin.js';
import { generatorGuide, generatorNames } from '../src/engines/generation/guide.js';
import { DataInputSchema, fitInput, loadDataInput } from '../src/engines/models/input.js';
import { ValidationReportSchema } from '../src/engines/validation/index.js';
import { SeedSchema, SeedUsedSchema } from '../src/core/schemas.js';
import { previewRows } from '../src/core/series.js';
import {
  ConstraintsOptionSchema,
  SampledSeriesSchema,
  SamplePreviewSchema,
  sampledSeriesOut,
} from '../src/engines/models/schemas.js';
import type { TimeSeries } from '../src/core/types.js';
import { defineTool } from '../src/registry/tool.js';
import { PlotInfoSchema, PlotsOptionSchema, comparisonPlots } from './plots.js';
import { isPrivateLearner } from '../src/engines/privacy/learners/index.js';
import { PrivateFitSchema, StatementSchema } from './privacy-schemas.js';

export const synthesizeLike = defineTool({
  name: 'synthesize_like',
  title: 'Make a synthetic copy of real data',
  description:
    'The one call for "make a synthetic copy of this real data": fits a model, generates look-alike series, validates them against the real data and returns the report. plots: true adds real-vs-synthetic images. Example: {"data": {"seriesId": "ser_3fA9xQ"}, "seed": 1}',
  details: [
    'The one call for "make me a synthetic copy of this": fits a quick model on the given real data, generates synthetic series like it, validates them against the real data and returns the report (score 0–100, verdict, checks).',
    `Default generator: "statistical" for one series (trend and seasonalities, however long the cycle; a fraction of a second), "mixture" for several series — a fleet or a set of windows (the best measured fidelity on the TimeGAN benchmark; under a minute). ${generatorGuide(builtinGenerators())}`,
    'Data: a stored series id, CSV text or path, or inline {timestamps, values}; or several series ({"seriesIds": [...]} or {"series": [{name, attributes, timestamps, values}, …]}) copied as a fleet of independent entities — use "dgan" to also copy their static attributes. Irregular sampling is resampled and missing values interpolated (stated in notes).',
    'Copies keep the data\'s physics (bounds, whole numbers, counters, angles: learned, or declared in `constraints`), its missing-value pattern (missing: "fill" for complete copies) and its text columns as categories; the report compares ranges, missing rates and category shares with the real data.',
    'By default the synthetic series has the same length and start as the real data (as many series as were given, as long as the longest), is stored, and the model is discarded (keepModel: true keeps it for generate_from_model).',
    'Example: {"data": {"seriesId": "ser_3fA9xQ"}, "seed": 1}; with a chosen model: {"data": {"seriesId": "ser_3fA9xQ"}, "generator": "arima", "options": {"period": 24}, "seed": 1}',
  ].join(' '),
  inputSchema: z.object({
    data: DataInputSchema,
    generator: z
      .string()
      .optional()
      .describe(
        `One of ${generatorNames(builtinGenerators())} (default: "statistical" for one series, "mixture" for several; see description).`,
      ),
    columns: z.array(z.string()).optional().describe('Columns to copy (default all numeric columns).'),
    options: z.record(z.string(), z.unknown()).optional().describe('Fit options of the generator (see fit_model).'),
    constraints: ConstraintsOptionSchema,
    missing: z
      .enum(['copy', 'fill'])
      .default('copy')
      .describe(
        '"copy": the copies have the real data\'s gaps (rate, run lengths, columns missing together); "fill": complete copies.',
      ),
    length: z
      .number()
      .int()
      .min(1)
      .max(5_000_000)
      .optional()
      .describe('Rows per synthetic series (default: as many as the real data).'),
    count: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe('Synthetic series to make (default: as many as were given, at most 100).'),
    seed: SeedSchema.optional(),
    privacy: PrivateFitSchema.optional(),
    store: z.boolean().default(true).describe('Store the synthetic series (default true).'),
    name: z.string().min(1).max(200).optional().describe('Name (prefix) of the stored series.'),
    keepModel: z.boolean().default(false).describe('Keep the fitted model in the registry.'),
    rules: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Validation rules (see validate tools); default validators quality, temporal and statistical.'),
    preview: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(5)
      .describe('How many leading rows of the first synthetic series to return inline.'),
    plots: PlotsOptionSchema,
  }),
  outputSchema: z.object({
    model: z.string().nullable().describe('The model id when keepModel is true.'),
    generator: z.string(),
    seed: SeedUsedSchema,
    learned: z.record(z.string(), z.unknown()).describe('What the model learned (e.g. ARIMA orders and coefficients).'),
    trainingMs: z.number(),
    notes: z.array(z.string()),
    series: z.array(SampledSeriesSchema),
    preview: SamplePreviewSchema,
    report: ValidationReportSchema,
    privacy: StatementSchema.optional().describe(
      'With privacy: the guarantee of the model (and so of the synthetic series) and the budget left.',
    ),
    plots: z.array(PlotInfoSchema).optional().describe('With plots: the images returned beside this result.'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  example: { data: { seriesId: 'ser_3fA9xQ' }, seed: 1 },
  routes: [{ method: 'POST', path: '/v1/synthesize-like' }],
  async handler(input, ctx) {
    const engines = ctx.engines;
    const registry = engines.models;
    const loaded = await loadDataInput(input.data, ctx.engines, ctx.caller);
    const seed = input.seed ?? randomSeed();
    const privacy = input.privacy
      ? await engines.privacy.preparePrivateFit({
          generator: input.generator,
          options: input.options,
          privacy: input.privacy,
          sourceIds: loaded.sourceSeriesId ? [loaded.sourceSeriesId] : (loaded.sourceSeriesIds ?? []),
          columns: input.columns ?? loaded.series.columns.map((c) => c.name),
          tool: 'synthesize_like',
          sequences: Boolean(loaded.sequences && loaded.sequences.length > 1),
        })
      : undefined;
    if (!privacy && isPrivateLearner(input.generator))
      throw new TsiotError('invalid_input', 'privacy: required for the private learner (its budget is charged here)', {
        details: { field: 'privacy' },
      });
    const generator = privacy?.generator ?? input.generator ?? (loaded.sequences ? 'mixture' : 'statistical');
    const options = privacy?.options ?? input.options;
    const model = await registry.fit(
      {
        generator,
        data: fitInput(loaded),
        seed,
        ...(options ? { options } : {}),
        ...(input.columns ? { columns: input.columns } : {}),
        ...(input.constraints !== undefined ? { constraints: input.constraints } : {}),
        ...(loaded.categorical ? { categorical: loaded.categorical } : {}),
        ...(input.name ? { name: input.name } : {}),
        ...(loaded.sourceSeriesId ? { sourceSeriesId: loaded.sourceSeriesId } : {}),
        ...(loaded.sourceSeriesIds ? { sourceSeriesIds: loaded.sourceSeriesIds } : {}),
      },
      { signal: ctx.signal, onProgress: ctx.progress },
    );
    try {
      const realSeries = loaded.sequences ?? [loaded.series];
      const length =
        input.length ??
        (loaded.sequences ? Math.max(...loaded.sequences.map((s) => s.timestamps.length)) : model.training.points);
      const count = input.count ?? Math.min(100, realSeries.length);
      const res = await registry.sample(
        model.id,
        { length, count, context: 'none', seed, startMs: model.training.start, missing: input.missing },
        ctx.signal,
      );
      for (const [i, s] of res.series.entries()) {
        const base = input.name ?? `${loaded.sequences ? model.generator : loaded.series.name}-synthetic`;
        s.name = res.series.length === 1 ? base : `${base}/${String(i + 1).padStart(3, '0')}`;
      }
      const validation = engines.validation;
      const real: TimeSeries[] = realSeries.map((r) => ({
        ...r,
        columns: r.columns.filter((c) => model.columns.includes(c.name)),
      }));
      // The text columns, coded like the copies' categorical columns, so the report compares their levels.
      if (loaded.categorical && real.length === 1) {
        for (const c of loaded.categorical)
          real[0]!.columns.push({
            name: c.name,
            levels: c.levels,
            values: Float64Array.from(c.codes, (k) => (k < 0 ? NaN : k)),
          });
      }
      const report = await validation.validate(
        {
          synthetic: res.series,
          reference: real.length === 1 ? real[0]! : real,
          rules: { validators: ['quality', 'temporal', 'statistical'], seed: String(seed), ...(input.rules ?? {}) },
        },
        { signal: ctx.signal },
      );
      const stored = input.store ? await engines.generation.store(res.series, ctx.signal) : [];
      if (input.keepModel)
        await registry.setFidelity(model.id, {
          score: report.score,
          verdict: report.verdict,
          validators: report.scoring.validators,
          measuredAt: new Date().toISOString(),
        });
      const pictures = input.plots ? await comparisonPlots(real, res.series) : undefined;
      const first = res.series[0];
      const chosen = input.generator
        ? []
        : [
            `generator "${generator}" chosen for ${loaded.sequences ? `${loaded.sequences.length} series (a fleet or windows)` : 'one series'}`,
          ];
      const notes = [
        ...chosen,
        ...loaded.notes,
        ...model.training.notes,
        ...(privacy
          ? [
              `the synthetic series carry the model's guarantee (ε = ${privacy.statement.epsilon}, δ = ${privacy.statement.delta}, ${privacy.statement.unit}); the validation report compares them with the real data and is not differentially private — keep it with the data owner`,
            ]
          : []),
      ];
      return {
        structured: {
          model: input.keepModel ? model.id : null,
          generator: model.generator,
          seed,
          learned: model.details,
          trainingMs: model.trainingMs,
          notes,
          series: res.series.map((s, i) => sampledSeriesOut(s, stored[i]?.id)),
          preview: { columns: first?.columns.map((c) => c.name) ?? [], rows: previewRows(first, input.preview) },
          report,
          ...(privacy ? { privacy: privacy.statement } : {}),
          ...(pictures ? { plots: pictures.plots } : {}),
        },
        ...(pictures ? { images: pictures.images } : {}),
        summary:
          `Synthetic copy with ${model.generator} (${(model.trainingMs / 1000).toFixed(1)} s to fit): ${res.series.length} series × ${length} rows${
            stored.length
              ? `, stored as ${stored
                  .map((s) => s.id)
                  .slice(0, 5)
                  .join(', ')}`
              : ''
          }. ` +
          `Validation score ${report.score ?? 'n/a'} (${report.verdict}). ${report.summary}${notes.length ? ` Notes: ${notes.join('; ')}.` : ''}`,
      };
    } finally {
      if (!input.keepModel) await registry.delete(model.id);
    }
  },
});
