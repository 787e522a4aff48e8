import { z } from 'zod';
import { FitStatusSchema, ModelSummarySchema, fitStatusOut, modelSummary } from '../src/engines/models/schemas.js';
import { decodeCursor, encodeCursor } from '../src/registry/cursor.js';
import { defineTool } from '../src/registry/tool.js';

export const listModels = defineTool({
  name: 'list_models',
  title: 'List saved models',
  description:
    'List saved models (generator, columns, training size) and fits still running; page with cursor. Example: {"limit": 20}',
  details:
    'List the saved generative models (fitted with fit_model or synthesize_like) with their generator, columns and training size, plus fits still running or failed in this server process. Use a model id with generate_from_model or describe_model. Read-only and cheap. Example: {"limit": 20}',
  inputSchema: z.object({
    limit: z.number().int().min(1).max(1000).default(100).describe('Most models to return.'),
    offset: z.number().int().min(0).default(0).describe('Models to skip (cursor is simpler).'),
    cursor: z.string().max(200).optional().describe('nextCursor of the previous page, to read the next one .'),
  }),
  outputSchema: z.object({
    models: z.array(ModelSummarySchema),
    fits: z.array(FitStatusSchema).describe('Fits not (yet) saved: training, failed or cancelled.'),
    resumable: z
      .array(
        z.object({
          id: z.string(),
          generator: z.string(),
          savedAt: z.string(),
          progress: z.object({ done: z.number(), total: z.number() }),
        }),
      )
      .describe('Fits interrupted by a restart; continue one with fit_model {"resume": id}.'),
    nextCursor: z.string().nullable().describe('Pass as cursor for the next page of models; null at the end.'),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  example: { limit: 20 },
  routes: [{ method: 'GET', path: '/v1/models' }],
  async handler(input, ctx) {
    const registry = ctx.engines.models;
    const offset = input.cursor ? decodeCursor(input.cursor, 'models').offset : input.offset;
    // one more than asked says whether a next page exists
    const page = await registry.list({ limit: input.limit + 1, offset });
    const models = page.slice(0, input.limit).map(modelSummary);
    const nextCursor = page.length > input.limit ? encodeCursor({ offset: offset + input.limit }, 'models') : null;
    const fits = registry.fits().map(fitStatusOut);
    const resumable = await registry.resumable();
    return {
      structured: { models, fits, resumable, nextCursor },
      summary: `${models.length} saved model${models.length === 1 ? '' : 's'}${models.length ? `: ${models.map((m) => `${m.id} (${m.generator})`).join(', ')}` : ''}${fits.length ? `; ${fits.length} fit(s) not saved: ${fits.map((f) => `${f.id} ${f.status}`).join(', ')}` : ''}${resumable.length ? `; ${resumable.length} resumable: ${resumable.map((r) => r.id).join(', ')}` : ''}.`,
    };
  },
});
