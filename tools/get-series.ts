import { z } from 'zod';
import { TsiotError } from '../src/core/errors.js';
import { columnInfo } from '../src/core/series.js';
import { DurationSchema, TimeSchema, parseDuration, parseTime } from '../src/core/time.js';
import type { SeriesQuery } from '../src/core/types.js';
import { defineTool } from '../src/registry/tool.js';
import { ColumnInfoSchema, LabelSchema, SeriesIdSchema } from '../src/core/schemas.js';

const NICE_BUCKETS = ['1s', '5s', '10s', '30s', '1m', '5m', '10m', '15m', '30m', '1h', '2h', '6h', '12h', '1d', '1w'];

/** The smallest round bucket that brings `span` down to at most `rows` buckets. */
export function suggestBucket(spanMs: number, rows: number): string {
  const need = spanMs / Math.max(1, rows);
  return NICE_BUCKETS.find((b) => parseDuration(b) >= need) ?? `${Math.ceil(need / 86_400_000)}d`;
}

export const getSeries = defineTool({
  name: 'get_series',
  title: 'Read a stored series',
  description:
    'Read a stored series\' values for a time range and columns, optionally downsampled into buckets; at most `limit` rows (truncated and suggestedBucket say when more exist). Example: {"id": "ser_3fA9xQ", "bucket": "1h", "aggregation": "max"}',
  details: [
    'Read the values of a stored series, optionally restricted to a time range and columns, and downsampled into fixed buckets (avg/min/max/first/last/sum/count).',
    'To protect your context, at most `limit` rows are returned (default 500, max set by the server, 2,000 by default); when more exist, `truncated` is true and `suggestedBucket` tells which bucket would fit the whole range.',
    'Timestamps are epoch ms; missing values are null. Labels (anomalies) overlapping the range are included.',
    'Example: {"id": "ser_3fA9…", "start": "2025-01-01T06:00:00Z", "end": "2025-01-01T12:00:00Z", "bucket": "15m", "aggregation": "max"}.',
  ].join(' '),
  inputSchema: z.object({
    id: SeriesIdSchema,
    start: TimeSchema.optional().describe('Inclusive start: ISO 8601 or epoch ms.'),
    end: TimeSchema.optional().describe('Inclusive end: ISO 8601 or epoch ms.'),
    columns: z.array(z.string()).optional().describe('Only these columns (default all).'),
    bucket: DurationSchema.optional().describe(
      'Downsample into buckets of this length, aligned to the epoch, e.g. "1h".',
    ),
    aggregation: z
      .enum(['avg', 'min', 'max', 'first', 'last', 'sum', 'count'])
      .default('avg')
      .describe('How a bucket is summarised (with `bucket`).'),
    limit: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(500)
      .describe('Most rows to return (capped by the server setting).'),
  }),
  outputSchema: z.object({
    id: z.string(),
    name: z.string(),
    columns: z.array(ColumnInfoSchema),
    timestamps: z.array(z.number()).describe('Epoch ms (bucket starts when downsampled).'),
    values: z
      .record(z.string(), z.array(z.number().nullable()))
      .describe('Values per column, aligned with timestamps; null = missing.'),
    labels: z.array(LabelSchema),
    rows: z.number().int(),
    truncated: z.boolean().describe('More rows exist in the range than were returned.'),
    suggestedBucket: z.string().optional().describe('A bucket that would return the whole range within the limit.'),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  example: { id: 'ser_3fA9xQ', bucket: '1h', aggregation: 'avg' },
  routes: [{ method: 'GET', path: '/v1/series/:id' }],
  async handler(input, ctx) {
    const limit = Math.min(input.limit, ctx.engines.config.maxReturnPoints);
    const start = input.start !== undefined ? parseTime(input.start, 'start') : undefined;
    const end = input.end !== undefined ? parseTime(input.end, 'end') : undefined;
    if (start !== undefined && end !== undefined && end < start) {
      throw new TsiotError('invalid_input', `end: ${end} is before start (${start}); expected end ≥ start`, {
        details: { field: 'end' },
      });
    }
    const query: SeriesQuery = {
      id: input.id,
      limit: limit + 1,
      ...(start !== undefined ? { start } : {}),
      ...(end !== undefined ? { end } : {}),
      ...(input.columns ? { columns: input.columns } : {}),
      ...(input.bucket !== undefined
        ? { downsample: { bucketMs: parseDuration(input.bucket, 'bucket'), aggregation: input.aggregation } }
        : {}),
    };
    if (query.downsample && !(query.downsample.bucketMs >= 1)) {
      throw new TsiotError('invalid_input', 'bucket: must be at least 1 ms', {
        details: { field: 'bucket', example: '1h' },
      });
    }
    const s = await ctx.engines.storage.retrieve(query);
    const truncated = s.timestamps.length > limit;
    const rows = Math.min(limit, s.timestamps.length);
    const timestamps = Array.from(s.timestamps.subarray(0, rows));
    const values: Record<string, (number | null)[]> = {};
    for (const c of s.columns) {
      const out: (number | null)[] = new Array(rows);
      for (let i = 0; i < rows; i++) out[i] = Number.isNaN(c.values[i]!) ? null : c.values[i]!;
      values[c.name] = out;
    }
    const lo = start ?? -Infinity;
    const hi = end ?? Infinity;
    const labels = s.labels.filter(
      (l) => l.end >= lo && l.start <= hi && (!input.columns || !l.column || input.columns.includes(l.column)),
    );
    let suggestedBucket: string | undefined;
    if (truncated) {
      const summary = await ctx.engines.storage.describe(input.id);
      const from = start ?? summary?.start ?? timestamps[0]!;
      const to = end ?? summary?.end ?? timestamps[rows - 1]!;
      suggestedBucket = suggestBucket(to - from, limit);
    }
    return {
      structured: {
        id: s.id,
        name: s.name,
        columns: s.columns.map(columnInfo),
        timestamps,
        values,
        labels,
        rows,
        truncated,
        ...(suggestedBucket ? { suggestedBucket } : {}),
      },
      summary:
        `${s.name}: ${rows} rows × ${s.columns.length} columns${query.downsample ? ` (${input.aggregation} per ${String(input.bucket)})` : ''}` +
        (truncated
          ? `, truncated at the limit of ${limit}; use bucket "${suggestedBucket}" or a narrower range to see it all.`
          : '.'),
    };
  },
});
