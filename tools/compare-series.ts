import { z } from 'zod';
import { CheckSchema, ValidationReportSchema } from '../src/engines/validation/index.js';
import { defineTool } from '../src/registry/tool.js';
import { PlotInfoSchema, PlotsOptionSchema, comparisonPlots } from './plots.js';
import { SeriesSetSchema, resolveSeriesSets } from './series-input.js';

const SideStatsSchema = z
  .object({
    n: z.number().int(),
    mean: z.number(),
    std: z.number(),
    skewness: z.number().nullable(),
    kurtosis: z.number().nullable(),
    quantiles: z.array(z.number()),
  })
  .partial();

const inputSchema = z.object({
  a: SeriesSetSchema.describe('The baseline (e.g. real data): a stored id, inline data, or a list.'),
  b: SeriesSetSchema.describe('The series compared with it (e.g. synthetic data).'),
  columns: z.array(z.string()).min(1).optional().describe('Only these columns (default: all of a).'),
  maxLag: z.number().int().min(1).max(200).default(10).describe('Largest lag of the ACF/PACF comparison.'),
  seed: z
    .union([z.number().int(), z.string().min(1).max(128)])
    .optional()
    .describe('Seed of any sampling (default fixed).'),
  plots: PlotsOptionSchema,
});

const outputSchema = z.object({
  score: ValidationReportSchema.shape.score.describe('0..100 similarity of b to a (statistical and temporal checks).'),
  verdict: ValidationReportSchema.shape.verdict,
  summary: z.string(),
  columns: z.array(
    z.object({
      column: z.string(),
      a: SideStatsSchema,
      b: SideStatsSchema,
      quantileLevels: z.array(z.number()),
      differences: z
        .record(z.string(), z.number().nullable())
        .describe(
          'Check values by name: mean_difference and wasserstein_distance in std of a, ks_statistic, acf_distance, spectrum_distance, …',
        ),
      ksPValue: z.number().nullable(),
    }),
  ),
  correlation: z
    .object({
      columns: z.array(z.string()),
      a: z.array(z.array(z.number().nullable())),
      b: z.array(z.array(z.number().nullable())),
    })
    .nullable()
    .describe('Lag-0 cross-correlation matrices (null with fewer than two columns).'),
  failedChecks: z.array(CheckSchema),
  warnings: z.array(z.string()),
  plots: z.array(PlotInfoSchema).optional().describe('With plots: the images returned beside this result.'),
});

interface ColumnMetrics {
  reference?: z.output<typeof SideStatsSchema>;
  synthetic?: z.output<typeof SideStatsSchema>;
  ks?: { pValue: number };
}

export const compareSeries = defineTool({
  name: 'compare_series',
  title: 'Compare two series statistically',
  description:
    'Compare series b with a per column (moments, quantiles, KS, Wasserstein, ACF, spectra, cross-correlation, trend); nothing stored. plots: true adds images. Example: {"a": "ser_real01", "b": "ser_3fA9xQ"}',
  details: [
    'Compare series b with series a column by column: mean, std, skewness, kurtosis, quantiles, two-sample KS test (statistic and p-value), Wasserstein distance, ACF/PACF and power-spectrum distances, cross-correlation matrices, and trend/seasonality/stationarity.',
    'Use it to see how close two datasets are (synthetic vs real, this week vs last week, device A vs device B) without storing a report; use validate_timeseries for a full, stored trust report including privacy.',
    'Differences in level are expressed in standard deviations of a. Read-only; the same input gives the same result.',
    'Example: {"a": "ser_real01", "b": "ser_3fA9xQ", "columns": ["temperature"]}.',
  ].join(' '),
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  example: { a: 'ser_real01', b: 'ser_3fA9xQ' },
  routes: [{ method: 'POST', path: '/v1/compare' }],
  async handler(input, ctx) {
    const engine = ctx.engines.validation;
    const sets = await resolveSeriesSets(ctx.engines, { a: input.a, b: input.b }, engine.maxValues, ctx.caller);
    const report = await engine.validate(
      {
        reference: sets.a!,
        synthetic: sets.b!,
        rules: {
          validators: ['statistical', 'temporal'],
          statistical: { maxLag: input.maxLag },
          ...(input.columns ? { columns: input.columns } : {}),
          ...(input.seed !== undefined ? { seed: input.seed } : {}),
        },
      },
      { signal: ctx.signal },
    );
    const metrics = (report.validators.find((v) => v.name === 'statistical')?.metrics ?? {}) as Record<string, unknown>;
    const levels = engine.rules().statistical.quantiles;
    const names = Object.keys(metrics).filter((k) => k !== 'correlation');
    const columns = names.map((column) => {
      const m = metrics[column] as ColumnMetrics;
      const differences: Record<string, number | null> = {};
      for (const c of report.checks)
        if (c.column === column)
          differences[`${c.validator === 'statistical' ? '' : `${c.validator}.`}${c.name}`] = c.value;
      return {
        column,
        a: m.reference ?? {},
        b: m.synthetic ?? {},
        quantileLevels: levels,
        differences,
        ksPValue: m.ks?.pValue ?? null,
      };
    });
    const corr = metrics.correlation as
      | { columns: string[]; reference: (number | null)[][]; synthetic: (number | null)[][] }
      | undefined;
    const structured = {
      score: report.score,
      verdict: report.verdict,
      summary: report.summary,
      columns,
      correlation: corr ? { columns: corr.columns, a: corr.reference, b: corr.synthetic } : null,
      failedChecks: report.checks.filter((c) => c.passed === false),
      warnings: report.warnings,
    };
    if (!input.plots) return { structured, summary: report.summary };
    const pictures = await comparisonPlots(sets.a!, sets.b!, {
      labels: ['a', 'b'],
      ...(input.columns ? { columns: input.columns } : {}),
    });
    return { structured: { ...structured, plots: pictures.plots }, summary: report.summary, images: pictures.images };
  },
});
