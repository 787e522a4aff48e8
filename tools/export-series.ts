import { createHash, randomBytes } from 'node:crypto';
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ExportFolder } from '../src/engines/export/folder.js';
import { z } from 'zod';
import { TsiotError } from '../src/core/errors.js';
import { TimeSchema, parseTime } from '../src/core/time.js';
import type { TimeSeries } from '../src/core/types.js';
import { exportSeries, type ExportFormat } from '../src/engines/export/index.js';
import { defineTool } from '../src/registry/tool.js';
import { SeriesIdSchema } from '../src/core/schemas.js';

const EXT: Record<ExportFormat, string> = { csv: 'csv', ndjson: 'ndjson', line: 'lp', parquet: 'parquet' };
const MAX_INLINE_BYTES = 1_000_000;

export const exportSeriesTool = defineTool({
  name: 'export_series',
  title: 'Export stored series to a file',
  description:
    'Export stored series as CSV, NDJSON, line protocol or Parquet to a file in the exports folder (inline=true also returns small content). Use it to hand data to other tools. Example: {"ids": ["ser_3fA9xQ"], "format": "csv", "inline": true}',
  details: [
    'Export one or more stored series as CSV (wide: timestamp, series, one column per sensor), NDJSON (one JSON object per row), InfluxDB line protocol (ms precision) or Parquet.',
    "By default writes a file in the server's exports folder and returns its path, size and SHA-256; with inline=true also returns the content (text, or base64 for Parquet) when it is under 1 MB.",
    'Example: {"ids": ["ser_3fA9…"], "format": "csv", "inline": true}.',
  ].join(' '),
  inputSchema: z.object({
    ids: z
      .array(SeriesIdSchema)
      .min(1)
      .max(10_000)
      .describe('Series to export together, e.g. every device of a fleet.'),
    format: z
      .enum(['csv', 'ndjson', 'line', 'parquet'])
      .default('csv')
      .describe('csv | ndjson | line (InfluxDB line protocol) | parquet'),
    start: TimeSchema.optional().describe('Inclusive start: ISO 8601 or epoch ms.'),
    end: TimeSchema.optional().describe('Inclusive end: ISO 8601 or epoch ms.'),
    timestamps: z.enum(['iso', 'ms']).default('iso').describe('CSV/NDJSON timestamp style: ISO 8601 or epoch ms.'),
    fileName: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/,
        'a plain file name: letters, digits, dot, dash, underscore; no folders',
      )
      .optional()
      .describe('File name inside the exports folder (default derived from the request).'),
    overwrite: z
      .boolean()
      .default(false)
      .describe('Replace an existing file of the same fileName (default: refuse with a conflict).'),
    inline: z.boolean().default(false).describe('Also return the content when under 1 MB.'),
  }),
  outputSchema: z.object({
    format: z.string(),
    path: z
      .string()
      .describe(
        "Absolute path of the written file, in the caller's exports folder (GET /v1/exports/{name} downloads it).",
      ),
    bytes: z.number().int(),
    rows: z.number().int(),
    sha256: z.string(),
    content: z.string().optional().describe('The file content (text formats) when inline and small enough.'),
    contentBase64: z.string().optional().describe('The file content in base64 (Parquet) when inline and small enough.'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  example: { ids: ['ser_3fA9xQ'], format: 'csv', inline: true },
  routes: [{ method: 'POST', path: '/v1/export' }],
  async handler(input, ctx) {
    const start = input.start !== undefined ? parseTime(input.start, 'start') : undefined;
    const end = input.end !== undefined ? parseTime(input.end, 'end') : undefined;
    // refuse an export larger than one request may generate before reading anything
    let values = 0;
    for (const id of input.ids) {
      const summary = await ctx.engines.storage.describe(id);
      if (!summary)
        throw new TsiotError('not_found', `series "${id}" does not exist`, {
          details: { id },
          hint: 'List stored series with list_series.',
        });
      values += summary.points * summary.columns.length;
    }
    const limit = ctx.engines.config.maxPointsPerRequest;
    if (values > limit && start === undefined && end === undefined) {
      throw new TsiotError(
        'too_large',
        `These series hold ${values.toLocaleString('en-US')} values; one export may hold at most ${limit.toLocaleString('en-US')}.`,
        {
          details: { values, limit },
          hint: 'Export fewer series or a time range (start/end) per call, or use `tsiot generate --output` / a generation job for bulk files.',
        },
      );
    }
    const series: TimeSeries[] = [];
    for (const id of input.ids) {
      series.push(
        await ctx.engines.storage.retrieve({
          id,
          ...(start !== undefined ? { start } : {}),
          ...(end !== undefined ? { end } : {}),
        }),
      );
      if (ctx.signal.aborted) throw new TsiotError('cancelled', 'Export was cancelled');
    }
    const bytes = await exportSeries(series, input.format, { timestamps: input.timestamps });
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    // the caller's tenant's folder (encrypting when a key is configured); another tenant's files are out of reach
    const folder = ctx.engines.exports ?? new ExportFolder({ dataDir: ctx.engines.config.dataDir });
    const dir = await folder.ensure();
    const fileName = input.fileName ?? `export-${sha256.slice(0, 16)}.${EXT[input.format]}`;
    // write to a temporary name then rename, so no half-written file is ever visible
    const tmp = join(dir, `.${fileName}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    let path: string;
    try {
      await writeFile(tmp, bytes);
      // a name derived from the content only ever holds these same bytes, so replacing it is harmless
      path = await folder.place(tmp, fileName, input.overwrite || input.fileName === undefined);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    const rows = series.reduce((a, s) => a + s.timestamps.length, 0);
    const small = input.inline && bytes.byteLength <= MAX_INLINE_BYTES;
    const structured = {
      format: input.format,
      path,
      bytes: bytes.byteLength,
      rows,
      sha256,
      ...(small && input.format !== 'parquet' ? { content: Buffer.from(bytes).toString('utf8') } : {}),
      ...(small && input.format === 'parquet' ? { contentBase64: Buffer.from(bytes).toString('base64') } : {}),
    };
    const tooBig =
      input.inline && !small
        ? ` Content not inlined: ${bytes.byteLength.toLocaleString('en-US')} bytes is over the 1 MB inline limit.`
        : '';
    return {
      structured,
      summary: `Exported ${series.length} series, ${rows.toLocaleString('en-US')} rows as ${input.format} to ${path} (${bytes.byteLength.toLocaleString('en-US')} bytes).${tooBig}`,
    };
  },
});
