import { z } from 'zod';
import { ModelIdSchema } from '../src/core/schemas.js';
import { defineTool } from '../src/registry/tool.js';

export const deleteModel = defineTool({
  name: 'delete_model',
  title: 'Delete a model',
  description:
    'Delete a saved model or cancel a fit still training; generated series stay. Example: {"id": "mdl_3fA9xQ"}',
  details:
    'Delete a saved model (and unload it), or cancel a fit that is still training. Series already generated from the model are kept. Idempotent: deleting a missing model returns deleted=false. Example: {"id": "mdl_…"}',
  inputSchema: z.object({ id: ModelIdSchema }),
  outputSchema: z.object({
    id: z.string(),
    deleted: z.boolean().describe('A saved model was deleted.'),
    cancelled: z.boolean().describe('A running fit was cancelled.'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  example: { id: 'mdl_3fA9xQ' },
  routes: [{ method: 'DELETE', path: '/v1/models/:id' }],
  async handler(input, ctx) {
    const registry = ctx.engines.models;
    const cancelled = registry.cancel(input.id);
    registry.forget(input.id);
    const deleted = await registry.delete(input.id);
    return {
      structured: { id: input.id, deleted, cancelled },
      summary: deleted
        ? `Deleted model ${input.id}.`
        : cancelled
          ? `Cancelled the fit of ${input.id}; nothing was saved.`
          : `No model ${input.id}; nothing to delete.`,
    };
  },
});
