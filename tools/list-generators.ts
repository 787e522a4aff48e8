import { z } from 'zod';
import { defineTool } from '../src/registry/tool.js';

const CapabilitiesSchema = z.object({
  fit: z.boolean(),
  multivariate: z.boolean(),
  fleets: z.boolean(),
  anomalyLabels: z.boolean(),
});

export const listGenerators = defineTool({
  name: 'list_generators',
  title: 'List generators',
  description:
    "List the available time-series generators (built-in and plugins) with what each is good for and its capabilities, and the learned generators that can be fitted on real data (mixture, statistical, arima, rnn, timegan, dgan/ydata). Use it to choose a generator before generate_timeseries or fit_model; call describe_generator for a generator's full parameter schema. Read-only and cheap.",
  inputSchema: z.object({}),
  outputSchema: z.object({
    generators: z.array(
      z.object({
        name: z.string(),
        aliases: z.array(z.string()),
        title: z.string(),
        description: z.string(),
        capabilities: CapabilitiesSchema,
        source: z.string().describe('"built-in" or "plugin:<module>"'),
      }),
    ),
    fittable: z
      .array(z.string())
      .describe(
        'Generators that learn from real data: fit one with fit_model (or synthesize_like), then sample with generate_from_model.',
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
    const fittable = ctx.engines.models.generators();
    return {
      structured: { generators, fittable },
      summary: `${generators.length} generators: ${generators.map((g) => g.name).join(', ')}. Fittable on real data with fit_model: ${fittable.join(', ')}.`,
    };
  },
});
export { CapabilitiesSchema };
