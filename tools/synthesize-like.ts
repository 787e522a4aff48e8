import { z } from 'zod';
import { randomSeed } from '../src/core/rng.js';
import { columnInfo } from '../src/core/series.js';
import { isoOf } from '../src/core/time.js';
import { DataInputSchema, loadDataInput } from '../src/engines/models/input.js';
import { previewRows, storeAll } from '../src/engines/models/store-samples.js';
import { ValidationReportSchema } from '../src/engines/validation/index.js';
import { ColumnInfoSchema, SeedSchema } from '../src/registry/schemas.js';
import { defineTool } from '../src/registry/tool.js';

export const synthesizeLike = defineTool({
  name: 'synthesize_like',
  title: 'Make a synthetic copy of real data',
  description: [
    'The one call for "make me a synthetic copy of this": fits a quick model on the given real data, generates synthetic series like it, validates them against the real data and returns the report (score 0–100, verdict, checks).',
    'Default generator "arima" (seconds; per-column ARIMA/SARIMA with correlated noise — set options.period for a daily/weekly cycle, e.g. 24 for hourly data); "rnn" learns non-linear multivariate dynamics but trains longer.',
    'Data: a stored series id, CSV text or path, or inline {timestamps, values}; irregular sampling is resampled and missing values interpolated (stated in notes).',
    'By default the synthetic series has the same length and start as the real data, is stored, and the model is discarded (keepModel: true keeps it for generate_from_model).',
    'Example: {"data": {"seriesId": "ser_3fA9xQ"}, "options": {"period": 24}, "seed": 1}',
  ].join(' '),
  inputSchema: z.object({
    data: DataInputSchema,
    generator: z.string().default('arima').describe('"arima" (default) or "rnn".'),
    columns: z.array(z.string()).optional().describe('Columns to copy (default all numeric columns).'),
    options: z.record(z.string(), z.unknown()).optional().describe('Fit options of the generator (see fit_model).'),
    length: z.number().int().min(1).max(5_000_000).optional().describe('Rows per synthetic series (default: as many as the real data).'),
    count: z.number().int().min(1).max(100).default(1).describe('Synthetic series to make.'),
    seed: SeedSchema.optional(),
    store: z.boolean().default(true).describe('Store the synthetic series (default true).'),
    name: z.string().min(1).max(200).optional().describe('Name (prefix) of the stored series.'),
    keepModel: z.boolean().default(false).describe('Keep the fitted model in the registry.'),
    rules: z.record(z.string(), z.unknown()).optional().describe('Validation rules (see validate tools); default validators quality, temporal and statistical.'),
    preview: z.number().int().min(0).max(100).default(5).describe('How many leading rows of the first synthetic series to return inline.'),
  }),
  outputSchema: z.object({
    model: z.string().nullable().describe('The model id when keepModel is true.'),
    generator: z.string(),
    seed: z.union([z.string(), z.number()]),
    learned: z.record(z.string(), z.unknown()).describe('What the model learned (e.g. ARIMA orders and coefficients).'),
    trainingMs: z.number(),
    notes: z.array(z.string()),
    series: z.array(z.object({ id: z.string().nullable(), name: z.string(), rows: z.number().int(), columns: z.array(ColumnInfoSchema), start: z.string(), end: z.string() })),
    preview: z.object({ columns: z.array(z.string()), rows: z.array(z.array(z.union([z.string(), z.number(), z.null()]))) }),
    report: ValidationReportSchema,
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  example: { data: { seriesId: 'ser_3fA9xQ' }, options: { period: 24 }, seed: 1 },
  routes: [{ method: 'POST', path: '/v1/synthesize-like' }],
  async handler(input, ctx) {
    const engines = ctx.engines;
    const registry = engines.models;
    const loaded = await loadDataInput(input.data, ctx.engines.storage);
    const seed = input.seed ?? randomSeed();
    const model = await registry.fit(
      {
        generator: input.generator,
        data: loaded.series,
        seed,
        ...(input.options ? { options: input.options } : {}),
        ...(input.columns ? { columns: input.columns } : {}),
        ...(input.name ? { name: input.name } : {}),
        ...(loaded.sourceSeriesId ? { sourceSeriesId: loaded.sourceSeriesId } : {}),
      },
      { signal: ctx.signal, onProgress: ctx.progress },
    );
    try {
      const length = input.length ?? model.training.points;
      const res = await registry.sample(model.id, { length, count: input.count, context: 'none', seed, startMs: model.training.start }, ctx.signal);
      for (const [i, s] of res.series.entries()) {
        const base = input.name ?? `${loaded.series.name}-synthetic`;
        s.name = res.series.length === 1 ? base : `${base}/${String(i + 1).padStart(3, '0')}`;
      }
      const validation = engines.validation;
      const real = { ...loaded.series, columns: loaded.series.columns.filter((c) => model.columns.includes(c.name)) };
      const report = await validation.validate(
        { synthetic: res.series, reference: real, rules: { validators: ['quality', 'temporal', 'statistical'], seed: String(seed), ...(input.rules ?? {}) } },
        { signal: ctx.signal },
      );
      const stored = input.store ? await storeAll(ctx.engines.storage, res.series, ctx.signal) : [];
      if (input.keepModel) await registry.setFidelity(model.id, { score: report.score, verdict: report.verdict, validators: report.scoring.validators, measuredAt: new Date().toISOString() });
      const first = res.series[0];
      const notes = [...loaded.notes, ...model.training.notes];
      return {
        structured: {
          model: input.keepModel ? model.id : null,
          generator: model.generator,
          seed,
          learned: model.details,
          trainingMs: model.trainingMs,
          notes,
          series: res.series.map((s, i) => ({
            id: stored[i]?.id ?? null,
            name: s.name,
            rows: s.timestamps.length,
            columns: s.columns.map(columnInfo),
            start: isoOf(s.timestamps[0]!),
            end: isoOf(s.timestamps[s.timestamps.length - 1]!),
          })),
          preview: { columns: first?.columns.map((c) => c.name) ?? [], rows: previewRows(first, input.preview) },
          report,
        },
        summary:
          `Synthetic copy with ${model.generator} (${(model.trainingMs / 1000).toFixed(1)} s to fit): ${res.series.length} series × ${length} rows${stored.length ? `, stored as ${stored.map((s) => s.id).slice(0, 5).join(', ')}` : ''}. ` +
          `Validation score ${report.score ?? 'n/a'} (${report.verdict}). ${report.summary}${notes.length ? ` Notes: ${notes.join('; ')}.` : ''}`,
      };
    } finally {
      if (!input.keepModel) await registry.delete(model.id);
    }
  },
});
