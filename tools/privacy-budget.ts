import { z } from 'zod';
import { TsiotError } from '../src/core/errors.js';
import { defineTool } from '../src/registry/tool.js';
import { DatasetSchema } from './privacy-schemas.js';

const StatusSchema = z.object({
  tenant: z.string(),
  dataset: z.string(),
  budget: z.object({ epsilon: z.number(), delta: z.number() }),
  spent: z.object({
    epsilon: z.number(),
    delta: z.number(),
    rho: z.number(),
    accounting: z
      .string()
      .describe('"sequential" (Σε, Σδ) or "zCDP" (Σρ converted at the budget δ), whichever is tighter'),
  }),
  remaining: z.object({ epsilon: z.number(), delta: z.number() }),
  releases: z.number(),
});

const ReleaseSchema = z.object({
  id: z.string(),
  at: z.string(),
  tool: z.string(),
  mechanism: z.string(),
  epsilon: z.number(),
  delta: z.number(),
  rho: z.number(),
  unit: z.string(),
  what: z.string(),
});

export const privacyBudget = defineTool({
  name: 'privacy_budget',
  title: 'Privacy budget of a dataset',
  description:
    'The differential-privacy ledger: a dataset\'s budget and spending (status), its releases (history), every dataset (list), or a new budget (set). Example: {"action": "status", "dataset": "ser_3fA9xQ"}',
  details:
    'The differential-privacy ledger. action "status": budget, spent (by the tighter of sequential and zCDP composition), remaining; "history": every release charged (tool, mechanism, ε, δ, ρ, unit, time); "list": every dataset with a ledger; "set": change a dataset budget (never below what is spent). Budgets start at the configured default. Example: {"action": "status", "dataset": "ser_3fA9xQ"}',
  inputSchema: z
    .object({
      action: z
        .enum(['status', 'history', 'list', 'set'])
        .default('status')
        .describe('"status" (default), "history", "list" or "set".'),
      dataset: DatasetSchema.optional().describe(
        'The dataset (a series id or the name given at release). Required except for "list".',
      ),
      budget: z
        .object({ epsilon: z.number().positive(), delta: z.number().positive().lt(1) })
        .strict()
        .optional()
        .describe('For "set": the new total budget.'),
    })
    .strict(),
  outputSchema: z.object({
    status: StatusSchema.optional(),
    history: z.array(ReleaseSchema).optional(),
    datasets: z.array(StatusSchema).optional(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  example: { action: 'status', dataset: 'ser_3fA9xQ' },
  routes: [{ method: 'POST', path: '/v1/privacy/budget' }],
  async handler(input, ctx) {
    const ledger = ctx.engines.privacy.ledger;
    if (input.action === 'list') {
      const datasets = await ledger.list();
      return { structured: { datasets }, summary: `${datasets.length} dataset(s) with a privacy ledger.` };
    }
    if (!input.dataset)
      throw new TsiotError('invalid_input', `dataset: required for action "${input.action}"`, {
        details: { field: 'dataset', example: 'ser_3fA9xQ' },
      });
    if (input.action === 'history') {
      const history = await ledger.history(input.dataset);
      return { structured: { history }, summary: `${history.length} release(s) charged to "${input.dataset}".` };
    }
    let status: Awaited<ReturnType<typeof ledger.status>>;
    if (input.action === 'set') {
      if (!input.budget)
        throw new TsiotError('invalid_input', 'budget: required for action "set"', {
          details: { field: 'budget', example: { epsilon: 5, delta: 1e-5 } },
        });
      status = await ledger.setBudget(input.dataset, input.budget);
    } else status = await ledger.status(input.dataset);
    return {
      structured: { status },
      summary: `Dataset "${status.dataset}": spent ε = ${round(status.spent.epsilon)}${status.spent.delta ? `, δ = ${status.spent.delta}` : ''} of ε = ${status.budget.epsilon}, δ = ${status.budget.delta} (${status.spent.accounting}); ε = ${round(status.remaining.epsilon)} remains after ${status.releases} release(s).`,
    };
  },
});

const round = (v: number) => Math.round(v * 1e4) / 1e4;
