import { z } from 'zod';
import {
  CheckSchema,
  RulesInputSchema,
  ValidationReportSchema,
  ValidatorSummarySchema,
  type ValidationReport,
} from '../src/engines/validation/index.js';
import { defineTool } from '../src/registry/tool.js';
import type { TimeSeries } from '../src/core/types.js';
import { PlotInfoSchema, PlotsOptionSchema, comparisonPlots } from './plots.js';
import { SeriesSetSchema, resolveSeriesSets } from './series-input.js';

const inputSchema = z.object({
  synthetic: SeriesSetSchema.describe('The data to judge: a stored id ("ser_…"), inline data, or a list (a fleet).'),
  reference: SeriesSetSchema.optional().describe(
    'Real data to compare against. Enables the statistical and privacy validators; for privacy it is the training data.',
  ),
  holdout: SeriesSetSchema.optional().describe(
    'Real data withheld from training: the fairest privacy baseline. Optional.',
  ),
  rules: RulesInputSchema.optional().describe(
    'Which validators and checks, thresholds and weights. All optional; e.g. {"validators": ["quality", "temporal"], "checks": {"statistical.ks_statistic": {"threshold": 0.05}}}.',
  ),
  store: z
    .boolean()
    .default(true)
    .describe('Store the report (default true) so it can be read back at tsiot://reports/{id}.'),
  detail: z
    .enum(['summary', 'full'])
    .default('summary')
    .describe("summary: failed and not-applicable checks, no metrics; full: every check and the validators' metrics."),
  plots: PlotsOptionSchema.describe(
    'Also return PNG images: synthetic over reference in time with value histograms, and autocorrelations (needs a reference).',
  ),
});

const outputSchema = z.object({
  id: z.string().nullable().describe('Report id (null when not stored).'),
  uri: z.string().nullable().describe('Resource URI of the stored report.'),
  score: ValidationReportSchema.shape.score,
  verdict: ValidationReportSchema.shape.verdict,
  summary: z.string(),
  scoring: ValidationReportSchema.shape.scoring,
  validators: z.array(ValidatorSummarySchema),
  checks: z.array(CheckSchema),
  checksTotal: z.number().int().describe('Checks in the full report.'),
  warnings: z.array(z.string()),
  durationMs: z.number(),
  plots: z.array(PlotInfoSchema).optional().describe('With plots: the images returned beside this result.'),
});

/** The report as returned to a caller: in summary mode, only what needs attention. */
export function reportView(report: ValidationReport, detail: 'summary' | 'full') {
  const full = detail === 'full';
  return {
    id: report.id ?? null,
    uri: report.id ? `tsiot://reports/${report.id}` : null,
    score: report.score,
    verdict: report.verdict,
    summary: report.summary,
    scoring: report.scoring,
    validators: full ? report.validators : report.validators.map(({ metrics: _metrics, ...v }) => v),
    checks: full ? report.checks : report.checks.filter((c) => c.passed !== true),
    checksTotal: report.checks.length,
    warnings: report.warnings,
    durationMs: report.durationMs,
  };
}

export const validateTimeseries = defineTool({
  name: 'validate_timeseries',
  title: 'Validate (synthetic) time series',
  description:
    'Judge data with one stored report: a 0-100 score, a verdict and per-check results; with a real `reference` also fidelity and privacy. plots: true adds overlay, histogram and ACF images. Example: {"synthetic": "ser_3fA9xQ", "reference": "ser_real01"}',
  details: [
    'Answer "can I trust this data?" with one report: a 0–100 score (with how it was computed), a verdict, and per-check values, limits, pass/fail and a one-line explanation.',
    'Without a reference it checks the data on its own (quality: missing values, duplicate/out-of-order timestamps, out-of-range values, outliers, flat lines; temporal: sampling regularity and gaps, fleet consistency).',
    'With a reference (real data) it also compares distributions, autocorrelation, spectra and cross-correlations (statistical), trend/seasonality/stationarity (temporal), and says plainly whether the synthetic data copies the training data (privacy). Add "fidelity" to rules.validators for the learned TimeGAN-paper metrics (slow: tens of seconds).',
    'Series are stored ids or inline data; up to 50 M values per call (refused before work above that). The report is stored by default; read it back at tsiot://reports/{id}. The same input and rules.seed give the same checks.',
    'Example: {"synthetic": "ser_3fA9xQ", "reference": "ser_real01"}.',
  ].join(' '),
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  example: {
    synthetic: 'ser_3fA9xQ',
    reference: 'ser_real01',
    rules: { validators: ['quality', 'temporal', 'statistical'] },
  },
  routes: [{ method: 'POST', path: '/v1/validate' }],
  async handler(input, ctx) {
    const engine = ctx.engines.validation;
    const sets = await resolveSeriesSets(
      ctx.engines,
      { synthetic: input.synthetic, reference: input.reference, holdout: input.holdout },
      engine.maxValues,
      ctx.caller,
    );
    let report = await engine.validate(
      {
        synthetic: sets.synthetic!,
        ...(sets.reference ? { reference: sets.reference } : {}),
        ...(sets.holdout ? { holdout: sets.holdout } : {}),
        ...(input.rules ? { rules: input.rules } : {}),
      },
      { signal: ctx.signal, onProgress: ctx.progress },
    );
    if (input.store) report = await engine.save(report);
    const view = reportView(report, input.detail);
    const list = (s: TimeSeries | TimeSeries[]) => (Array.isArray(s) ? s : [s]);
    const pictures =
      input.plots && sets.reference
        ? await comparisonPlots(list(sets.reference), list(sets.synthetic!), {
            ...(input.rules?.columns ? { columns: input.rules.columns } : {}),
          })
        : undefined;
    const notPlotted =
      input.plots && !sets.reference ? ' No plots: they compare with a reference, and none was given.' : '';
    return {
      structured: pictures ? { ...view, plots: pictures.plots } : view,
      ...(pictures ? { images: pictures.images } : {}),
      summary: `${report.summary}${report.id ? ` Report ${report.id} (tsiot://reports/${report.id}).` : ''}${notPlotted}`,
    };
  },
});
