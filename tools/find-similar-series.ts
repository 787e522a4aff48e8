import { z } from 'zod';
import { TsiotError } from '../src/core/errors.js';
import { hasSimilaritySearch, type SimilarityQuery } from '../src/engines/storage/storage.js';
import { defineTool } from '../src/registry/tool.js';
import { SeriesIdSchema } from '../src/core/schemas.js';

/** Most inline values a query may carry. */
const MAX_VALUES = 1_000_000;

export const findSimilarSeries = defineTool({
  name: 'find_similar_series',
  title: 'Find stored series of similar shape',
  description:
    'Find stored series whose shape is nearest to a stored series or to inline values (cosine distance of shape embeddings). Use it for look-alike devices, reference data or duplicates. Example: {"id": "ser_3fA9xQ", "column": "temperature", "limit": 5}',
  details: [
    'Find stored series whose shape is nearest to a stored series (by id, optionally one column) or to values you pass inline, nearest first, with the cosine distance of their shape embeddings (0 = same shape, 1 = unrelated, up to 2 = opposite).',
    'Shape ignores offset, scale, length and timestamps: a sine of any amplitude matches other sines of the same period before noise or ramps. Constant columns have no shape and never match.',
    'Use it to find look-alike devices, reference data for synthesize_like, or duplicates. Searching by id leaves that series out. Read-only.',
    'Example: {"id": "ser_3fA9xQ", "column": "temperature", "limit": 5} or {"values": [1, 3, 2, 5, 4], "limit": 3}.',
  ].join(' '),
  inputSchema: z.object({
    id: SeriesIdSchema.optional().describe('Search near this stored series (give id or values, not both).'),
    column: z
      .string()
      .min(1)
      .optional()
      .describe('With id: the column whose shape to search with (default the first).'),
    values: z
      .array(z.number().nullable())
      .min(2)
      .max(MAX_VALUES)
      .optional()
      .describe('Search near these evenly spaced values (null = missing), e.g. [20.1, 20.8, 21.5, 20.9].'),
    limit: z.number().int().min(1).max(100).default(10).describe('Most matches returned (1–100).'),
    matchColumn: z.string().min(1).optional().describe('Only match stored columns of this name, e.g. "temperature".'),
    excludeId: SeriesIdSchema.optional().describe('Leave this stored series out of the matches.'),
  }),
  outputSchema: z.object({
    backend: z.string(),
    matches: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        column: z.string().nullable().describe('The matched column; null where the backend indexes whole series.'),
        distance: z.number().describe('Cosine distance of the shape embeddings: 0 = same shape.'),
      }),
    ),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  routes: [{ method: 'GET', path: '/v1/series/:id/similar' }],
  async handler(input, ctx) {
    const storage = ctx.engines.storage;
    if (!hasSimilaritySearch(storage)) {
      throw new TsiotError('unsupported', `find_similar_series: the ${storage.kind} backend has no similarity search`, {
        details: { backend: storage.kind },
        hint: 'Use the embedded DuckDB backend (duckdb://…) or Weaviate (weaviate://…) as storage.',
      });
    }
    if ((input.id === undefined) === (input.values === undefined)) {
      throw new TsiotError(
        'invalid_input',
        'input for find_similar_series: give either id (a stored series) or values (inline numbers), not both and not neither',
        {
          details: {
            field: input.id === undefined ? 'id' : 'values',
            example: { id: 'ser_3fA9xQ', column: 'temperature' },
          },
        },
      );
    }
    if (input.values !== undefined && input.column !== undefined) {
      throw new TsiotError(
        'invalid_input',
        'column: names the column of the stored series given by id; it does not apply to inline values',
        {
          details: { field: 'column', example: { id: 'ser_3fA9xQ', column: 'temperature' } },
          hint: 'To match only stored columns of a name, use matchColumn.',
        },
      );
    }
    const query: SimilarityQuery =
      input.values !== undefined
        ? { values: Float64Array.from(input.values, (v) => (v === null ? NaN : v)) }
        : { id: input.id!, ...(input.column !== undefined ? { column: input.column } : {}) };
    const found = await storage.findSimilar(query, {
      limit: input.limit,
      ...(input.matchColumn !== undefined ? { column: input.matchColumn } : {}),
      ...(input.excludeId !== undefined ? { excludeId: input.excludeId } : {}),
    });
    const matches = found.map((m) => ({ id: m.id, name: m.name, column: m.column ?? null, distance: m.distance }));
    const target =
      input.values !== undefined
        ? `${input.values.length} inline values`
        : `series "${input.id}"${input.column ? ` column "${input.column}"` : ''}`;
    const listed = matches
      .slice(0, 5)
      .map((m) => `${m.id}${m.column ? `/${m.column}` : ''} (${m.distance.toFixed(3)})`)
      .join(', ');
    return {
      structured: { backend: storage.kind, matches },
      summary: matches.length
        ? `${matches.length} match${matches.length === 1 ? '' : 'es'} for ${target}, nearest first: ${listed}${matches.length > 5 ? ', …' : ''}.`
        : `No stored series with a shape to compare for ${target}.`,
    };
  },
});
