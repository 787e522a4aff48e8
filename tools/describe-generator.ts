import { z } from 'zod';
import { GeneratorDescriptionSchema } from '../src/engines/generation/schemas.js';
import { defineTool } from '../src/registry/tool.js';

const keys = (schema: Record<string, unknown> | null) => Object.keys((schema?.properties as object) ?? {}).join(', ');

export const describeGenerator = defineTool({
  name: 'describe_generator',
  title: 'Describe a generator',
  description:
    'One generator\'s parameters and fit options as JSON Schemas, with examples. Use it before generate_timeseries or fit_model with unfamiliar options. Example: {"name": "statistical"}',
  details:
    'Full description of one generator: what it models, what it can do, the JSON Schema of its parameters for generate_timeseries (every field documented, with units) and of its fit options for fit_model, with an example of each. Use before calling generate_timeseries or fit_model with unfamiliar options. Example: {"name": "statistical"}.',
  inputSchema: z.object({ name: z.string().min(1).describe('Generator name or alias, e.g. "statistical".') }),
  outputSchema: GeneratorDescriptionSchema,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  example: { name: 'statistical' },
  routes: [{ method: 'GET', path: '/v1/generators/:name' }],
  async handler(input, ctx) {
    const d = ctx.engines.generators.describe(input.name);
    const parts = [
      d.paramsSchema
        ? `Parameters: ${keys(d.paramsSchema)}.`
        : 'No parameters of its own: fit it, then sample the model.',
      d.fitOptionsSchema ? `Fit options: ${keys(d.fitOptionsSchema)}.` : '',
    ].filter(Boolean);
    return { structured: d, summary: `${d.name}: ${d.title}. ${parts.join(' ')}` };
  },
});
