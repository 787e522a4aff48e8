import { z } from 'zod';
import { GeneratorSummarySchema } from '../src/engines/generation/schemas.js';
import { defineTool } from '../src/registry/tool.js';

export const listGenerators = defineTool({
  name: 'list_generators',
  title: 'List generators',
  description:
    'List every generator (built-in and plugins) and what each can do. Use it to choose one before generate_timeseries or fit_model. Example: {}',
  details:
    "List every time-series generator (built-in and plugins) with what each is good for and what it can do: generate from parameters (statistical, arima), learn from real data and sample the fitted model (statistical, arima, mixture, rnn, timegan, dgan/ydata), forecast, learn entity attributes. Use it to choose a generator before generate_timeseries or fit_model; describe_generator gives one generator's parameter and fit-option schemas. Read-only and cheap.",
  inputSchema: z.object({}),
  outputSchema: z.object({
    generators: z.array(GeneratorSummarySchema),
    fittable: z
      .array(z.string())
      .describe(
        'Names (and aliases) that learn from real data: fit one with fit_model (or synthesize_like), then sample it with generate_timeseries {"model": id}.',
      ),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  routes: [{ method: 'GET', path: '/v1/generators' }],
  async handler(_input, ctx) {
    const generators = ctx.engines.generators
      .list()
      .map(({ name, aliases, title, description, capabilities, source }) => ({
        name,
        aliases,
        title,
        description,
        capabilities,
        source,
      }));
    const fittable = ctx.engines.generators.fittable();
    const can = (g: (typeof generators)[number]) =>
      (['generate', 'fit', 'forecast', 'attributes'] as const).filter((k) => g.capabilities[k]).join('+');
    return {
      structured: { generators, fittable },
      summary: `${generators.length} generators: ${generators.map((g) => `${g.name}${g.aliases.length ? ` (${g.aliases.join(', ')})` : ''} [${can(g)}]`).join(', ')}. Fit on real data with fit_model: ${fittable.join(', ')}; sample a fitted model with generate_timeseries {"model": id}.`,
    };
  },
});
