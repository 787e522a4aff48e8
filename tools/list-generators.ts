import { z } from 'zod';
import { defineTool } from '../src/registry/tool.js';

const CapabilitiesSchema = z.object({ fit: z.boolean(), multivariate: z.boolean(), fleets: z.boolean(), anomalyLabels: z.boolean() });

export const listGenerators = defineTool({
  name: 'list_generators',
  title: 'List generators',
  description:
    'List the available time-series generators (built-in and plugins) with what each is good for and its capabilities. Use it to choose a generator before generate_timeseries; call describe_generator for a generator\'s full parameter schema. Read-only and cheap.',
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
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  routes: [{ method: 'GET', path: '/v1/generators' }],
  async handler(_input, ctx) {
    const generators = ctx.engines.generators.list().map(({ name, aliases, title, description, capabilities, source }) => ({ name, aliases, title, description, capabilities, source }));
    return { structured: { generators }, summary: `${generators.length} generators: ${generators.map((g) => g.name).join(', ')}.` };
  },
});
export { CapabilitiesSchema };
