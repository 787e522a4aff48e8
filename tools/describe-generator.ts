import { z } from 'zod';
import { defineTool } from '../src/registry/tool.js';
import { CapabilitiesSchema } from './list-generators.js';

export const describeGenerator = defineTool({
  name: 'describe_generator',
  title: 'Describe a generator',
  description:
    'Full description of one generator: what it models, its capabilities, the JSON Schema of its parameters (every field documented, with units) and an example. Use before calling generate_timeseries with unfamiliar options. Example: {"name": "statistical"}.',
  inputSchema: z.object({ name: z.string().min(1).describe('Generator name or alias, e.g. "statistical".') }),
  outputSchema: z.object({
    name: z.string(),
    aliases: z.array(z.string()),
    title: z.string(),
    description: z.string(),
    capabilities: CapabilitiesSchema,
    paramsSchema: z.record(z.string(), z.unknown()).describe('JSON Schema of the generator parameters.'),
    example: z.unknown(),
    source: z.string(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  example: { name: 'statistical' },
  routes: [{ method: 'GET', path: '/v1/generators/:name' }],
  async handler(input, ctx) {
    const d = ctx.engines.generators.describe(input.name);
    return {
      structured: d,
      summary: `${d.name}: ${d.title}. Parameters: ${Object.keys((d.paramsSchema.properties as object) ?? {}).join(', ')}.`,
    };
  },
});
