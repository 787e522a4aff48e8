import { z } from 'zod';

/**
 * The validation engine's public contract, defined once: the rules a caller
 * may give, and the report every interface returns. Types are inferred from
 * these schemas so the tool output schema and the engine never drift apart.
 */

const SeedSchema = z.union([z.number().int(), z.string().min(1).max(128)]);

export const CheckRuleSchema = z
  .object({
    enabled: z.boolean().optional().describe('false = skip this check.'),
    threshold: z.number().optional().describe('Replace the default threshold (same unit as the check value).'),
    weight: z.number().min(0).optional().describe('Weight of the check inside its validator (default 1).'),
  })
  .describe('Override for one check.');

export const StatisticalRulesSchema = z
  .object({
    maxLag: z.number().int().min(1).max(200).default(10).describe('Largest lag of the ACF/PACF distances.'),
    quantiles: z
      .array(z.number().min(0).max(1))
      .min(1)
      .max(50)
      .default([0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])
      .describe('Quantiles compared per column.'),
    spectrumSegment: z
      .number()
      .int()
      .min(16)
      .max(65_536)
      .default(256)
      .describe('Welch segment length (rounded down to a power of two) of the power spectrum distance.'),
  })
  .describe('Options of the statistical validator (reference vs synthetic).');

export const QualityRulesSchema = z
  .object({
    robustZ: z
      .number()
      .positive()
      .default(3.5)
      .describe('A value is an outlier when |x - median| / (1.4826 · MAD) exceeds this.'),
    iqrK: z
      .number()
      .positive()
      .default(3)
      .describe('When MAD is 0, a value is an outlier outside [Q1 - k·IQR, Q3 + k·IQR].'),
    flatLineMinRun: z
      .number()
      .int()
      .min(2)
      .default(10)
      .describe('Consecutive identical values that count as a flat line.'),
  })
  .describe('Options of the quality validator.');

export const TemporalRulesSchema = z
  .object({
    jitterTolerance: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe('An interval deviating from the median interval by more than this fraction is irregular.'),
    gapFactor: z.number().min(1).default(1.5).describe('An interval longer than this many median intervals is a gap.'),
    maxPeriod: z
      .number()
      .int()
      .min(2)
      .optional()
      .describe('Longest seasonal period searched, in samples (default: a third of the series, at most 10,000).'),
    maxPoints: z
      .number()
      .int()
      .min(100)
      .default(20_000)
      .describe(
        'Stationarity and seasonality use at most this many leading points per series (and at most 20 series per side).',
      ),
  })
  .describe('Options of the temporal validator.');

export const PrivacyRulesSchema = z
  .object({
    windowLength: z
      .number()
      .int()
      .min(2)
      .max(1024)
      .default(24)
      .describe('Length of the windows compared (records of the privacy tests).'),
    holdoutFraction: z
      .number()
      .min(0.05)
      .max(0.5)
      .default(0.2)
      .describe('Share of reference blocks held out as the baseline when no holdout is given.'),
    maxWindows: z
      .number()
      .int()
      .min(20)
      .max(20_000)
      .default(1000)
      .describe('Most synthetic and holdout windows compared.'),
    maxTrainWindows: z
      .number()
      .int()
      .min(20)
      .max(100_000)
      .default(5000)
      .describe('Most training windows searched for nearest neighbours.'),
    nearDuplicateFactor: z
      .number()
      .positive()
      .max(1)
      .default(0.25)
      .describe('A near duplicate lies within this fraction of the median holdout distance to the training data.'),
  })
  .describe('Options of the privacy validator (reference = the training data).');

export const FidelityRulesSchema = z
  .object({
    windowLength: z.number().int().min(3).max(256).default(24).describe('Window length of the learned metrics.'),
    discriminativeIterations: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(500)
      .describe('Training iterations of the discriminative GRU (the paper uses 2,000).'),
    predictiveIterations: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(1000)
      .describe('Training iterations of the predictive GRU (the paper uses 5,000).'),
    batchSize: z.number().int().min(2).max(4096).default(128),
    maxWindows: z.number().int().min(10).max(100_000).default(5000).describe('Most windows per side (sampled evenly).'),
    baseline: z
      .boolean()
      .default(true)
      .describe('Also train the predictive GRU on real data, as the yardstick for the predictive score.'),
  })
  .describe('Options of the learned fidelity metrics (opt-in: add "fidelity" to validators).');

export const StreamRulesSchema = z
  .object({
    emitEvery: z.number().int().min(1).default(10_000).describe('Yield a running summary every this many rows.'),
    lags: z.number().int().min(1).max(64).default(5).describe('Lags of the running autocorrelation.'),
    quantiles: z
      .array(z.number().gt(0).lt(1))
      .min(1)
      .max(16)
      .default([0.01, 0.25, 0.5, 0.75, 0.99])
      .describe('Quantiles tracked with the P² estimator.'),
    expectedIntervalMs: z
      .number()
      .positive()
      .optional()
      .describe('Expected sampling interval; default: estimated from the stream.'),
    gapFactor: z
      .number()
      .min(1)
      .default(1.5)
      .describe('An interval longer than this many expected intervals is a gap.'),
    flatLineMinRun: z.number().int().min(2).default(10),
    outlierIqrK: z
      .number()
      .positive()
      .default(3)
      .describe('A value outside [Q1 - k·IQR, Q3 + k·IQR] of the running quartiles is an outlier.'),
    warmup: z.number().int().min(5).default(100).describe('Rows seen before outlier alerts start.'),
    maxAlertsPerKind: z
      .number()
      .int()
      .min(0)
      .default(100)
      .describe('Alerts yielded per kind and column; later ones are only counted.'),
    ranges: z
      .record(z.string(), z.object({ min: z.number(), max: z.number() }))
      .default({})
      .describe('Declared range per column, for streams that carry none.'),
  })
  .describe('Options of streaming validation.');

export const RulesSchema = z
  .object({
    validators: z
      .array(z.string())
      .min(1)
      .optional()
      .describe(
        'Validators to run. Default: quality and temporal, plus statistical and privacy when a reference is given. "fidelity" (learned GRU metrics, slow) is opt-in.',
      ),
    weights: z
      .record(z.string(), z.number().min(0))
      .default({})
      .describe(
        'Weight of each validator in the overall score (default 3 for statistical and fidelity, 1 for the others).',
      ),
    checks: z
      .record(z.string(), CheckRuleSchema)
      .default({})
      .describe('Per-check overrides keyed "validator.check", e.g. {"statistical.ks_statistic": {"threshold": 0.05}}.'),
    columns: z.array(z.string()).min(1).optional().describe('Only these columns (default: all).'),
    seed: SeedSchema.default('validation').describe(
      'Seed of every random choice (splits, sampling, network initialisation).',
    ),
    maxSamples: z
      .number()
      .int()
      .min(1000)
      .default(1_000_000)
      .describe('Marginal statistics use at most this many values per column (evenly spaced).'),
    statistical: StatisticalRulesSchema.prefault({}),
    quality: QualityRulesSchema.prefault({}),
    temporal: TemporalRulesSchema.prefault({}),
    privacy: PrivacyRulesSchema.prefault({}),
    fidelity: FidelityRulesSchema.prefault({}),
    stream: StreamRulesSchema.prefault({}),
  })
  .describe('What to check and how strictly. Every field is optional.');

export type Rules = z.output<typeof RulesSchema>;
export type RulesInput = z.input<typeof RulesSchema>;

/**
 * A copy of a schema with every default removed (the field becomes optional),
 * recursively through objects. Interfaces parse requests with it so that
 * omitted fields stay omitted and configured defaults can still apply
 * beneath them when the engine resolves the rules.
 */
function withoutDefaults(schema: z.ZodType): z.ZodType {
  const def = (schema as unknown as { _zod: { def: { type: string; innerType?: z.ZodType } } })._zod.def;
  const describe = (s: z.ZodType) => (schema.description ? s.describe(schema.description) : s);
  if ((def.type === 'default' || def.type === 'prefault' || def.type === 'optional') && def.innerType)
    return describe(withoutDefaults(def.innerType).optional());
  if (schema instanceof z.ZodObject) {
    const shape: Record<string, z.ZodType> = {};
    for (const [k, v] of Object.entries(schema.shape as Record<string, z.ZodType>)) shape[k] = withoutDefaults(v);
    return describe(z.object(shape));
  }
  return schema;
}

/** The rules as a request gives them: same fields and checks, no defaults filled in. */
export const RulesInputSchema = withoutDefaults(RulesSchema) as z.ZodType<RulesInput, RulesInput>;

export const CheckSchema = z.object({
  validator: z.string().describe('The validator that ran the check.'),
  name: z.string().describe('Check name, e.g. ks_statistic.'),
  column: z.string().optional().describe('The column checked; absent for checks over the whole dataset.'),
  value: z.number().nullable().describe('The measured value; null when not applicable.'),
  threshold: z.number().nullable().describe('The limit the value is held against; null when not applicable.'),
  direction: z
    .enum(['at_most', 'at_least'])
    .describe('at_most: passes when value <= threshold; at_least: when value >= threshold.'),
  passed: z.union([z.boolean(), z.literal('not_applicable')]),
  weight: z.number().describe('Weight inside the validator score.'),
  credit: z
    .number()
    .nullable()
    .describe(
      '0..1 contribution to the validator score (1 when passed; partial when close); null when not applicable.',
    ),
  explanation: z.string().describe('One sentence a person can act on.'),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type Check = z.output<typeof CheckSchema>;

export const ValidatorSummarySchema = z.object({
  name: z.string(),
  score: z.number().nullable().describe('0..100 for this validator; null when none of its checks applied.'),
  weight: z.number(),
  passed: z.number().int(),
  failed: z.number().int(),
  notApplicable: z.number().int(),
  headline: z.string().describe('The validator verdict in one sentence.'),
  metrics: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('Descriptive results that are not pass/fail checks (e.g. detected periods, ADF statistics).'),
  durationMs: z.number(),
});
export type ValidatorSummary = z.output<typeof ValidatorSummarySchema>;

export const SeriesRefSchema = z.object({
  id: z.string(),
  name: z.string(),
  rows: z.number().int(),
  columns: z.array(z.string()),
});

export const ValidationReportSchema = z.object({
  id: z.string().optional().describe('Report id when stored; read it back at tsiot://reports/{id}.'),
  createdAt: z.string().optional(),
  score: z
    .number()
    .nullable()
    .describe('Overall quality 0..100; null when no check applied (see scoring.explanation).'),
  verdict: z
    .enum(['good', 'fair', 'poor', 'unknown'])
    .describe('good >= 80, fair >= 50, poor below, unknown without a score.'),
  scoring: z.object({
    method: z.string().describe('How the score was computed.'),
    validators: z.array(z.object({ name: z.string(), weight: z.number(), score: z.number().nullable() })),
  }),
  summary: z.string().describe('A few sentences for a person or a model.'),
  validators: z.array(ValidatorSummarySchema),
  checks: z.array(CheckSchema),
  warnings: z.array(z.string()),
  subject: z.object({
    synthetic: z.array(SeriesRefSchema),
    reference: z.array(SeriesRefSchema).optional(),
    holdout: z.array(SeriesRefSchema).optional(),
  }),
  seed: SeedSchema,
  durationMs: z.number(),
});
export type ValidationReport = z.output<typeof ValidationReportSchema>;
