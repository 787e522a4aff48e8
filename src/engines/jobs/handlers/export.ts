import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_TENANT } from '../../../core/caller.js';
import { ExportFolder } from '../../export/folder.js';
import { z } from 'zod';
import { TagFilterSchema } from '../../../core/schemas.js';
import { TsiotError } from '../../../core/errors.js';
import { TimeSchema, parseTime } from '../../../core/time.js';
import type { ListQuery, SeriesQuery, TimeSeries } from '../../../core/types.js';
import { csvField } from '../../export/csv.js';
import { writeParquetFile, writeSeries, type ExportFormat } from '../../export/index.js';
import type { Storage } from '../../storage/storage.js';
import type { JobHandler, JobRunContext, TenantScope } from '../types.js';

const EXTENSIONS: Record<ExportFormat, string> = { csv: 'csv', ndjson: 'ndjson', line: 'lp', parquet: 'parquet' };
const PAGE = 500;
/** Most series one export job takes (ids given or selected). */
const MAX_SERIES = 100_000;

const SelectionSchema = z
  .object({
    tags: TagFilterSchema.optional(),
    namePrefix: z.string().min(1).optional().describe('Only series whose name starts with this.'),
    deviceId: z.string().min(1).optional().describe('Only series of this device.'),
  })
  .strict();

const DataSchema = z.object({
  ids: z
    .array(z.string().min(1).max(128))
    .min(1)
    .max(MAX_SERIES)
    .optional()
    .describe('Series to export, in this order.'),
  selection: SelectionSchema.optional().describe(
    'Instead of ids: every stored series matching all of these (in list_series order).',
  ),
  format: z
    .enum(['csv', 'ndjson', 'line', 'parquet'])
    .default('csv')
    .describe('csv | ndjson | line (InfluxDB line protocol) | parquet'),
  start: TimeSchema.optional().describe('Inclusive start: ISO 8601 or epoch ms.'),
  end: TimeSchema.optional().describe('Inclusive end: ISO 8601 or epoch ms.'),
  timestamps: z
    .enum(['iso', 'ms'])
    .default('iso')
    .describe('CSV/NDJSON/Parquet timestamp style: ISO 8601 or epoch ms.'),
  fileName: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/,
      'a plain file name: letters, digits, dot, dash, underscore; no folders',
    )
    .optional()
    .describe(
      'File name inside the exports folder (default export-<first 16 hex of the SHA-256>.<ext>, as export_series names it).',
    ),
  overwrite: z
    .boolean()
    .default(false)
    .describe('Replace an existing file of the same fileName (default: the job fails with a conflict).'),
});

export type ExportJobData = z.output<typeof DataSchema>;

export interface ExportJobDeps {
  storage: Storage;
  /** Files go to `<dataDir>/exports/` (the default tenant's folder; see ExportFolder). */
  dataDir: string;
  /** The exports folders (encryption included); default plain folders under dataDir. */
  folder?: ExportFolder;
  /** The tenant's view: a job exports only its tenant's series, into its tenant's folder. */
  forTenant?: TenantScope;
}

export interface ExportJobResult {
  format: ExportFormat;
  path: string;
  series: number;
  bytes: number;
  rows: number;
  sha256: string;
}

/**
 * Export stored series to one file in `<dataDir>/exports/`, the same bytes
 * export_series writes for the same ids, format and range, but in bounded
 * memory: one series is read, written and dropped before the next.
 *
 * - csv, ndjson, line: each series goes through writeSeries in turn. CSV is
 *   wide (one header naming the union of all columns), so the union is taken
 *   from the stored summaries first; each series is written with its columns
 *   laid out in that order (absent ones as missing) and its own header line
 *   dropped after the first series.
 * - parquet: writeSeries needs the whole fleet in one array, so the job feeds
 *   writeParquetFile (which export_series's bytes also come from) one series
 *   at a time; rows are staged in an embedded DuckDB, not in JavaScript memory.
 *
 * The file is written under a temporary name and renamed when complete; on
 * failure or cancellation the temporary file is removed, so a half-written
 * export is never visible.
 */
export function exportJobHandler(deps: ExportJobDeps): JobHandler<ExportJobData> {
  const folders = deps.folder ?? new ExportFolder({ dataDir: deps.dataDir });
  return {
    type: 'export',
    description:
      'Export stored series (ids or a tag/name/device selection) to a CSV, NDJSON, line-protocol or Parquet file, one series at a time.',
    schema: DataSchema,
    example: { selection: { tags: { fleet: 'plant-1' } }, format: 'parquet' },
    prepare(data) {
      if ((data.ids === undefined) === (data.selection === undefined)) {
        throw new TsiotError(
          'invalid_input',
          'data: give exactly one of "ids" (a list of series ids) or "selection" (tags, namePrefix, deviceId)',
          {
            details: { field: 'ids', example: { ids: ['ser_3fA9xQ'], format: 'csv' } },
          },
        );
      }
      if (data.selection && Object.keys(data.selection).length === 0) {
        throw new TsiotError('invalid_input', 'selection: name at least one of tags, namePrefix or deviceId', {
          details: { field: 'selection', example: { tags: { fleet: 'plant-1' } } },
        });
      }
      rangeOf(data);
      return data;
    },
    async run(data, ctx) {
      const tenant = ctx.tenant ?? DEFAULT_TENANT;
      const storage = deps.forTenant && ctx.tenant !== undefined ? deps.forTenant(tenant).storage : deps.storage;
      const folder = folders.forTenant(tenant);
      const ids = data.ids ?? (await selectIds(storage, data.selection ?? {}));
      // every id is checked before anything is written; the union of columns is the CSV header
      const union = new Set<string>();
      for (const id of ids) {
        const summary = await storage.describe(id);
        if (!summary)
          throw new TsiotError('not_found', `series "${id}" does not exist`, {
            details: { id },
            hint: 'List stored series with list_series.',
          });
        for (const c of summary.columns) union.add(c.name);
      }
      const columns = [...union];
      const dir = await folder.ensure();
      const temp = join(dir, `.export-${ctx.jobId}.tmp`);
      const range = rangeOf(data);
      const read = (id: string) => storage.retrieve({ id, ...range });
      try {
        const written =
          data.format === 'parquet'
            ? await writeParquet(ids, read, temp, data.timestamps, ctx)
            : await writeText(ids, read, temp, data.format, data.timestamps, columns, ctx);
        cancelled(ctx);
        const name = data.fileName ?? `export-${written.sha256.slice(0, 16)}.${EXTENSIONS[data.format]}`;
        const path = await folder.place(temp, name, data.overwrite || data.fileName === undefined);
        const result: ExportJobResult = { format: data.format, path, series: ids.length, ...written };
        await ctx.emit('export.completed', { ...result });
        return result;
      } catch (e) {
        await rm(temp, { force: true });
        throw e;
      }
    },
  };
}

type Written = Omit<ExportJobResult, 'format' | 'path' | 'series'>;
type Reader = (id: string) => Promise<TimeSeries>;

function rangeOf(data: ExportJobData): Pick<SeriesQuery, 'start' | 'end'> {
  return {
    ...(data.start !== undefined ? { start: parseTime(data.start, 'start') } : {}),
    ...(data.end !== undefined ? { end: parseTime(data.end, 'end') } : {}),
  };
}

function cancelled(ctx: JobRunContext): void {
  if (ctx.signal.aborted) throw new TsiotError('cancelled', `Job ${ctx.jobId} was cancelled`);
}

async function selectIds(storage: Storage, selection: Omit<ListQuery, 'limit' | 'offset'>): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await storage.list({ ...selection, limit: PAGE, offset });
    for (const s of page.items) ids.push(s.id);
    if (ids.length > MAX_SERIES) {
      throw new TsiotError(
        'too_large',
        `The selection matches more than ${MAX_SERIES.toLocaleString('en-US')} series`,
        { details: { limit: MAX_SERIES }, hint: 'Narrow it with more tags, a name prefix or a device id.' },
      );
    }
    if (page.items.length < PAGE) break;
  }
  if (ids.length === 0) {
    throw new TsiotError('not_found', 'No stored series match the selection', {
      details: { selection },
      hint: 'Check the tags, name prefix or device id with list_series.',
    });
  }
  return ids;
}

/** The series with its columns in `order` (the CSV header's), a column it lacks as all-missing. */
function laidOut(s: TimeSeries, order: readonly string[]): TimeSeries {
  const byName = new Map(s.columns.map((c) => [c.name, c]));
  const n = s.timestamps.length;
  return { ...s, columns: order.map((name) => byName.get(name) ?? { name, values: new Float64Array(n).fill(NaN) }) };
}

async function writeText(
  ids: readonly string[],
  read: Reader,
  temp: string,
  format: Exclude<ExportFormat, 'parquet'>,
  timestamps: 'iso' | 'ms',
  columns: readonly string[],
  ctx: JobRunContext,
): Promise<Written> {
  const hash = createHash('sha256');
  const file = await open(temp, 'w');
  const header = Buffer.byteLength(`${['timestamp', 'series', ...columns].map(csvField).join(',')}\n`, 'utf8');
  let bytes = 0;
  let rows = 0;
  try {
    for (let k = 0; k < ids.length; k++) {
      cancelled(ctx);
      const s = await read(ids[k]!);
      cancelled(ctx);
      // after the first series, drop the CSV header line every writeSeries call starts with
      let skip = format === 'csv' && k > 0 ? header : 0;
      await writeSeries(
        format === 'csv' ? [laidOut(s, columns)] : [s],
        format,
        async (chunk) => {
          cancelled(ctx);
          const dropped = Math.min(skip, chunk.length);
          skip -= dropped;
          const part = dropped ? chunk.subarray(dropped) : chunk;
          if (part.length === 0) return;
          hash.update(part);
          bytes += part.length;
          await file.write(part);
        },
        { timestamps },
      );
      rows += s.timestamps.length;
      ctx.progress({ done: k + 1, total: ids.length, message: `series ${k + 1}/${ids.length}` });
    }
  } finally {
    await file.close();
  }
  return { bytes, rows, sha256: hash.digest('hex') };
}

async function writeParquet(
  ids: readonly string[],
  read: Reader,
  temp: string,
  timestamps: 'iso' | 'ms',
  ctx: JobRunContext,
): Promise<Written> {
  async function* series(): AsyncGenerator<TimeSeries> {
    for (let k = 0; k < ids.length; k++) {
      cancelled(ctx);
      yield await read(ids[k]!);
      // the generator resumes once the previous series is staged
      ctx.progress({ done: k + 1, total: ids.length, message: `series ${k + 1}/${ids.length}` });
    }
  }
  const rows = await writeParquetFile(series(), temp, { timestamps });
  return { bytes: (await stat(temp)).size, rows, sha256: await sha256Of(temp) };
}

async function sha256Of(path: string): Promise<string> {
  const hash: Hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
