import { z } from 'zod';
import { defineTool } from '../src/registry/tool.js';
import { SeriesIdSchema } from '../src/core/schemas.js';

export const deleteSeries = defineTool({
  name: 'delete_series',
  title: 'Delete a stored series',
  description:
    'Permanently delete a stored series. A missing id is not an error (deleted: false). Example: {"id": "ser_3fA9xQ"}',
  details:
    'Permanently delete a stored series (values, labels and metadata). Deleting an id that does not exist is not an error: deleted is false. Example: {"id": "ser_3fA9…"}.',
  inputSchema: z.object({ id: SeriesIdSchema }),
  outputSchema: z.object({ id: z.string(), deleted: z.boolean().describe('false when no such series existed.') }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  routes: [{ method: 'DELETE', path: '/v1/series/:id' }],
  async handler(input, ctx) {
    const deleted = await ctx.engines.series.delete(input.id);
    return {
      structured: { id: input.id, deleted },
      summary: deleted ? `Deleted ${input.id}.` : `No series ${input.id}; nothing deleted.`,
    };
  },
});
