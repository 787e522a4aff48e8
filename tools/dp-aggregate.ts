import { z } from 'zod';
import { TimeSchema, parseTime } from '../src/core/time.js';
import { SeriesIdSchema } from '../src/core/schemas.js';
import { defineTool } from '../src/registry/tool.js';
import { DatasetSchema, DeltaSchema, EpsilonSchema, StatementSchema, UnitSchema } from './privacy-schemas.js';

export const dpAggregate = defineTool({
  name: 'dp_aggregate',
  title: 'Differentially private aggregates over time windows',
  description:
    'Release per-window count, sum, mean, quantiles or a histogram of one column with differential privacy, charged to the budget. Example: {"seriesIds": ["ser_3fA9xQ"], "column": "temperature", "window": 3600000, "statistics": ["mean"], "bounds": {"lower": -20, "upper": 50}, "epsilon": 1, "unit": {"kind": "event"}}',
  details: [
    'Release count, sum, mean, quantiles or a histogram of one column per time window with differential privacy, charged to the dataset budget (privacy_budget shows it).',
    'Each series is one device. Windows are public partitions (start, end, window, stride in ms); overlapping windows (stride < window) are accounted: a row in k windows costs k times.',
    'bounds are required: values are clipped to them (how many is reported) and the sensitivity comes from them, never from the data. The budget ε is split evenly over the released primitives (count, sum, quantiles, histogram; mean = sum/count).',
    'A release over budget is refused before any noise is drawn and nothing is charged; retrying does not help. Noise is not reproducible by seed.',
    'Example: {"seriesIds": ["ser_a", "ser_b"], "dataset": "fleet", "column": "temperature", "window": 3600000, "statistics": ["count", "mean"], "bounds": {"lower": -20, "upper": 50}, "epsilon": 1, "unit": {"kind": "device", "maxRowsPerDevice": 60, "maxPartitionsPerDevice": 24}}',
  ].join(' '),
  inputSchema: z
    .object({
      seriesIds: z.array(SeriesIdSchema).min(1).max(1000).describe('Stored series, one per device.'),
      dataset: DatasetSchema.optional(),
      column: z.string().min(1).describe('The value column to aggregate.'),
      start: TimeSchema.optional().describe(
        'Start of the first window (public); default: the data start (then stated as public).',
      ),
      end: TimeSchema.optional().describe('End of the range (exclusive, public); default: just after the data end.'),
      window: z.number().int().positive().describe('Window length in ms, e.g. 3600000 for hourly.'),
      stride: z
        .number()
        .int()
        .positive()
        .optional()
        .describe('Ms between window starts; default = window (no overlap).'),
      statistics: z
        .array(z.enum(['count', 'sum', 'mean', 'quantiles', 'histogram']))
        .min(1)
        .describe('What to release per window.'),
      quantiles: z
        .array(z.number().min(0).max(1))
        .max(9)
        .default([0.5])
        .describe('Quantiles for "quantiles", e.g. [0.1, 0.5, 0.9].'),
      histogramBins: z
        .number()
        .int()
        .min(2)
        .max(256)
        .default(10)
        .describe('Equal bins over the bounds for "histogram".'),
      bounds: z
        .object({ lower: z.number(), upper: z.number() })
        .strict()
        .describe('Declared value range; values are clipped to it.'),
      epsilon: EpsilonSchema,
      delta: DeltaSchema.optional(),
      mechanism: z
        .enum(['laplace', 'gaussian'])
        .default('laplace')
        .describe('"laplace" (pure ε-DP) or "gaussian" (needs delta; better for device-level over many windows).'),
      unit: UnitSchema,
    })
    .strict(),
  outputSchema: z.object({
    windows: z.array(
      z.object({
        start: z.number(),
        end: z.number(),
        count: z.number().optional(),
        sum: z.number().optional(),
        mean: z.number().nullable().optional(),
        quantiles: z.record(z.string(), z.number()).optional(),
        histogram: z.array(z.number()).optional(),
      }),
    ),
    binEdges: z.array(z.number()).optional(),
    sensitivity: z.record(z.string(), z.object({ l1: z.number().optional(), l2: z.number().optional() })),
    clipping: z.object({
      lower: z.number(),
      upper: z.number(),
      below: z.number(),
      above: z.number(),
      missingDropped: z.number(),
    }),
    contributionBounding: z.object({ droppedRows: z.number(), droppedPartitions: z.number() }).optional(),
    outsideRange: z.number().describe('Rows outside [start, end), not used.'),
    guarantee: StatementSchema,
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  example: {
    seriesIds: ['ser_3fA9xQ'],
    column: 'temperature',
    window: 3_600_000,
    statistics: ['count', 'mean'],
    bounds: { lower: -20, upper: 50 },
    epsilon: 1,
    unit: { kind: 'event' },
  },
  routes: [{ method: 'POST', path: '/v1/privacy/aggregates' }],
  async handler(input, ctx) {
    const r = await ctx.engines.privacy.aggregate({
      seriesIds: input.seriesIds,
      column: input.column,
      ...(input.dataset ? { dataset: input.dataset } : {}),
      ...(input.start !== undefined ? { start: parseTime(input.start, 'start') } : {}),
      ...(input.end !== undefined ? { end: parseTime(input.end, 'end') } : {}),
      window: input.window,
      stride: input.stride ?? input.window,
      statistics: input.statistics,
      quantiles: input.quantiles,
      histogramBins: input.histogramBins,
      quantileCandidates: 256,
      bounds: input.bounds,
      epsilon: input.epsilon,
      ...(input.delta !== undefined ? { delta: input.delta } : {}),
      mechanism: input.mechanism,
      unit: input.unit,
    });
    const g = r.statement;
    return {
      structured: {
        windows: r.result.partitions,
        ...(r.result.binEdges ? { binEdges: r.result.binEdges } : {}),
        sensitivity: r.result.sensitivity,
        clipping: r.result.clipping,
        ...(r.result.contributionBounding ? { contributionBounding: r.result.contributionBounding } : {}),
        outsideRange: r.result.outsideRange,
        guarantee: g,
      },
      summary: `${input.statistics.join(', ')} of "${input.column}" over ${r.result.partitions.length} windows, ${g.mechanism} with ε = ${g.epsilon}${g.delta ? `, δ = ${g.delta}` : ''}, ${g.unit}; ${r.result.clipping.below + r.result.clipping.above} values clipped. Dataset "${g.dataset}" has ε = ${round(g.budget.remaining.epsilon)} left.${g.notices.length ? ` ${g.notices.join(' ')}` : ''}`,
    };
  },
});

const round = (v: number) => Math.round(v * 1e4) / 1e4;
