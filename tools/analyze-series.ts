import { z } from 'zod';
import { TsiotError } from '../src/core/errors.js';
import { TimeSchema, isoOf, parseTime } from '../src/core/time.js';
import type { SeriesQuery } from '../src/core/types.js';
import { defineTool } from '../src/registry/tool.js';
import { SeriesIdSchema } from '../src/core/schemas.js';

const TestSchema = z
  .object({
    statistic: z.number(),
    pValue: z.number(),
    lags: z.number().int(),
    criticalValues: z.record(z.string(), z.number()),
    stationary: z.boolean(),
  })
  .nullable();

const ColumnSchema = z.object({
  name: z.string(),
  unit: z.string().optional(),
  count: z.number().int().describe('Finite values.'),
  missing: z.number().int(),
  mean: z.number().nullable(),
  std: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  skewness: z.number().nullable(),
  kurtosis: z.number().nullable().describe('Excess kurtosis.'),
  quantiles: z.record(z.string(), z.number()),
  trend: z.object({
    strength: z.number().nullable().describe('0..1: share of variation explained by the smooth trend.'),
    slopePerDay: z.number().nullable().describe('Least-squares slope, unit per day.'),
    direction: z.enum(['up', 'down', 'flat', 'unknown']),
  }),
  seasonality: z.object({
    strength: z.number().nullable().describe('0..1 for the dominant period.'),
    periods: z.array(
      z.object({
        samples: z.number().int(),
        ms: z.number().nullable(),
        duration: z.string().nullable().describe('e.g. "1d"'),
        strength: z.number(),
        acf: z.number(),
      }),
    ),
  }),
  stationarity: z.object({
    adf: TestSchema.describe('Augmented Dickey–Fuller (H0: unit root).'),
    kpss: TestSchema.describe('KPSS (H0: level-stationary).'),
    verdict: z.string(),
  }),
  anomalies: z.object({
    total: z.number().int(),
    method: z.string(),
    items: z.array(
      z.object({
        kind: z.enum(['spike', 'dip', 'flat_line']),
        start: z.string(),
        end: z.string(),
        value: z.number(),
        score: z.number(),
      }),
    ),
  }),
  notes: z.array(z.string()),
});

export const analyzeSeriesTool = defineTool({
  name: 'analyze_series',
  title: 'Analyse a stored series',
  description:
    'Describe a stored series per column: statistics, trend, seasonal periods, stationarity and detected anomalies. Use it to understand data before copying it or to pick generator parameters. Example: {"id": "ser_3fA9xQ", "columns": ["temperature"]}',
  details: [
    'Describe a stored series per column: summary statistics (count, missing, mean, std, min/max, quantiles, skewness, kurtosis), trend (strength and slope per day), seasonality (dominant periods as durations and their strength), stationarity (ADF and KPSS with critical values and a plain verdict) and detected anomalies (spikes and dips against trend and season, flat lines) with timestamps, plus sampling regularity.',
    'Use it to understand data before generating look-alikes, to pick generator parameters (e.g. the seasonal period), or to find faults. Read-only.',
    'Stationarity and seasonality use the first 20,000 points; anomalies list the strongest `maxAnomalies` (all are counted).',
    'Example: {"id": "ser_3fA9xQ", "columns": ["temperature"]}.',
  ].join(' '),
  inputSchema: z.object({
    id: SeriesIdSchema,
    start: TimeSchema.optional().describe('Inclusive start: ISO 8601 or epoch ms.'),
    end: TimeSchema.optional().describe('Inclusive end: ISO 8601 or epoch ms.'),
    columns: z.array(z.string()).min(1).optional().describe('Only these columns (default all).'),
    maxAnomalies: z.number().int().min(0).max(1000).default(20).describe('Most anomalies listed per column.'),
  }),
  outputSchema: z.object({
    id: z.string(),
    name: z.string(),
    rows: z.number().int(),
    start: z.string().nullable(),
    end: z.string().nullable(),
    sampling: z.object({
      medianIntervalMs: z.number().nullable(),
      gaps: z.number().int(),
      largestGapMs: z.number(),
      duplicates: z.number().int(),
      outOfOrder: z.number().int(),
    }),
    columns: z.array(ColumnSchema),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  example: { id: 'ser_3fA9xQ', columns: ['temperature'] },
  routes: [{ method: 'GET', path: '/v1/series/:id/analysis' }],
  async handler(input, ctx) {
    const summary = await ctx.engines.storage.describe(input.id);
    if (!summary)
      throw new TsiotError('not_found', `Series "${input.id}" does not exist`, {
        details: { id: input.id },
        hint: 'List stored series with list_series.',
      });
    const limit = ctx.engines.validation.maxValues;
    const values = summary.points * (input.columns?.length ?? summary.columns.length);
    if (values > limit) {
      throw new TsiotError(
        'too_large',
        `Series "${input.id}" holds ${values.toLocaleString('en-US')} values; analysis reads at most ${limit.toLocaleString('en-US')}.`,
        { details: { values, limit }, hint: 'Give start/end or fewer columns.' },
      );
    }
    const query: SeriesQuery = {
      id: input.id,
      ...(input.start !== undefined ? { start: parseTime(input.start, 'start') } : {}),
      ...(input.end !== undefined ? { end: parseTime(input.end, 'end') } : {}),
      ...(input.columns ? { columns: input.columns } : {}),
    };
    const series = await ctx.engines.storage.retrieve(query);
    const a = await ctx.engines.validation.analyze(series, { maxAnomalies: input.maxAnomalies }, ctx.signal);
    const structured = {
      ...a,
      start: a.start === null ? null : isoOf(a.start),
      end: a.end === null ? null : isoOf(a.end),
      columns: a.columns.map((c) => ({
        ...c,
        anomalies: {
          ...c.anomalies,
          items: c.anomalies.items.map((i) => ({ ...i, start: isoOf(i.start), end: isoOf(i.end) })),
        },
      })),
    };
    const lines = a.columns.map((c) => {
      const p = c.seasonality.periods[0];
      return `${c.name}: mean ${fmt(c.mean)}, std ${fmt(c.std)}, trend ${c.trend.direction}${p ? `, season ${p.duration ?? `${p.samples} samples`} (strength ${fmt(p.strength)})` : ', no season'}, ${c.stationarity.verdict.split(' (')[0]}, ${c.anomalies.total} anomal${c.anomalies.total === 1 ? 'y' : 'ies'}`;
    });
    return { structured, summary: `${a.name}: ${a.rows} rows. ${lines.join('; ')}.` };
  },
});

function fmt(v: number | null): string {
  return v === null ? 'n/a' : Number(v.toPrecision(4)).toString();
}
