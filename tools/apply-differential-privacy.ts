import { z } from 'zod';
import { SeriesIdSchema } from '../src/core/schemas.js';
import { defineTool } from '../src/registry/tool.js';
import { DatasetSchema, DeltaSchema, EpsilonSchema, StatementSchema, UnitSchema } from './privacy-schemas.js';

export const applyDifferentialPrivacy = defineTool({
  name: 'apply_differential_privacy',
  title: 'Release a differentially private copy of a series',
  description:
    'Store a differentially private noisy copy of a stored series, charged to the dataset\'s privacy budget; bounds per column required. Example: {"seriesId": "ser_3fA9xQ", "bounds": {"temperature": {"lower": -20, "upper": 50}}, "epsilon": 1, "unit": {"kind": "event"}}',
  details: [
    'Add calibrated noise to the values of a stored series and store the noisy copy under a new id; the original is untouched. The release is charged to the dataset budget and states its mechanism, ε, δ and privacy unit.',
    'bounds are required for every column released: values are clipped to them (how many is reported) and the sensitivity is their width times the rows in one unit — "event" one row, "window" windowRows rows, "device" the whole series (then strong privacy needs a large ε; prefer dp_aggregate or private synthesis).',
    'Timestamps, the row count and where values are missing stay as they are (treated as public). Laplace gives pure ε-DP; Gaussian (needs delta) is better when a unit spans many rows. Over budget: refused before any noise, nothing charged. Not reproducible by seed.',
    'Example: {"seriesId": "ser_3fA9xQ", "bounds": {"temperature": {"lower": -20, "upper": 50}}, "epsilon": 1, "unit": {"kind": "event"}}',
  ].join(' '),
  inputSchema: z
    .object({
      seriesId: SeriesIdSchema,
      dataset: DatasetSchema.optional(),
      bounds: z
        .record(z.string().min(1), z.object({ lower: z.number(), upper: z.number() }).strict())
        .describe('Per column to release: its declared range {lower, upper}. Other columns are left out of the copy.'),
      epsilon: EpsilonSchema,
      delta: DeltaSchema.optional(),
      mechanism: z
        .enum(['laplace', 'gaussian'])
        .default('laplace')
        .describe('"laplace" (pure ε-DP) or "gaussian" (needs delta; better when a unit spans many rows).'),
      unit: UnitSchema,
    })
    .strict(),
  outputSchema: z.object({
    id: z.string().describe('The stored noisy series.'),
    rows: z.number(),
    clipped: z.record(z.string(), z.number()).describe('Values clipped to the bounds, per column.'),
    guarantee: StatementSchema,
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  example: {
    seriesId: 'ser_3fA9xQ',
    bounds: { temperature: { lower: -20, upper: 50 } },
    epsilon: 1,
    unit: { kind: 'event' },
  },
  routes: [{ method: 'POST', path: '/v1/privacy/releases' }],
  async handler(input, ctx) {
    const r = await ctx.engines.privacy.perturb({
      seriesId: input.seriesId,
      bounds: input.bounds,
      epsilon: input.epsilon,
      ...(input.delta !== undefined ? { delta: input.delta } : {}),
      mechanism: input.mechanism,
      unit: input.unit,
      ...(input.dataset ? { dataset: input.dataset } : {}),
    });
    const g = r.statement;
    const clipped = Object.values(r.clipped).reduce((a, b) => a + b, 0);
    return {
      structured: { id: r.id, rows: r.rows, clipped: r.clipped, guarantee: g },
      summary: `Stored ${r.id}: ${r.rows} rows with ${g.mechanism} noise, ε = ${g.epsilon}${g.delta ? `, δ = ${g.delta}` : ''}, ${g.unit}; ${clipped} values clipped. Dataset "${g.dataset}" has ε = ${Math.round(g.budget.remaining.epsilon * 1e4) / 1e4} left.${g.notices.length ? ` ${g.notices.join(' ')}` : ''}`,
    };
  },
});
