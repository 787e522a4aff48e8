import { z } from 'zod';
import { decodeCursor, encodeCursor } from '../src/registry/cursor.js';
import { defineTool } from '../src/registry/tool.js';
import { SeriesSummarySchema, TagFilterSchema } from '../src/core/schemas.js';

export const listSeries = defineTool({
  name: 'list_series',
  title: 'List stored series',
  description:
    'List stored series (ids, columns, span, labels; no values), newest first, filtered by tags, device, generator or name prefix; page with cursor. Use it to find ids. Example: {"tags": {"site": "plant-3"}, "limit": 20}',
  details:
    'List stored time series (ids, names, columns, time span, point counts, labels) without their values, newest first, filtered by tags, device id, generator or name prefix, with pagination. Use it to find ids for get_series, export_series or delete_series. Example: {"tags": {"site": "plant-3"}, "limit": 20}.',
  inputSchema: z.object({
    tags: TagFilterSchema.optional(),
    deviceId: z.string().optional().describe('Only series of this device, e.g. "device-001".'),
    generator: z.string().optional().describe('Only series made by this generator.'),
    namePrefix: z.string().optional().describe('Only series whose name starts with this.'),
    limit: z.number().int().min(1).max(500).default(50).describe('Page size (1–500).'),
    offset: z.number().int().min(0).default(0).describe('How many to skip (cursor is simpler).'),
    cursor: z
      .string()
      .max(200)
      .optional()
      .describe('nextCursor of the previous page, to read the next one (same filters).'),
  }),
  outputSchema: z.object({
    items: z.array(SeriesSummarySchema),
    total: z.number().int().describe('How many series match in all.'),
    nextOffset: z.number().int().nullable().describe('Offset of the next page, or null at the end.'),
    nextCursor: z.string().nullable().describe('Pass as cursor to read the next page; null at the end.'),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  routes: [{ method: 'GET', path: '/v1/series' }],
  async handler(input, ctx) {
    const query = {
      tags: input.tags,
      deviceId: input.deviceId,
      generator: input.generator,
      namePrefix: input.namePrefix,
    };
    const offset = input.cursor ? decodeCursor(input.cursor, query).offset : input.offset;
    const r = await ctx.engines.storage.list({
      limit: input.limit,
      offset,
      ...(input.tags ? { tags: input.tags } : {}),
      ...(input.deviceId ? { deviceId: input.deviceId } : {}),
      ...(input.generator ? { generator: input.generator } : {}),
      ...(input.namePrefix ? { namePrefix: input.namePrefix } : {}),
    });
    const next = offset + r.items.length < r.total ? offset + r.items.length : null;
    return {
      structured: {
        items: r.items,
        total: r.total,
        nextOffset: next,
        nextCursor: next === null ? null : encodeCursor({ offset: next }, query),
      },
      summary: `${r.items.length} of ${r.total} series${next !== null ? ` (next page: offset ${next})` : ''}.`,
    };
  },
});
