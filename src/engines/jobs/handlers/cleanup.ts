import { z } from 'zod';
import { TagFilterSchema } from '../../../core/schemas.js';
import { TsiotError } from '../../../core/errors.js';
import { DurationSchema, parseDuration } from '../../../core/time.js';
import type { SeriesSummary } from '../../../core/types.js';
import type { Storage } from '../../storage/storage.js';
import type { JobHandler } from '../types.js';

const DataSchema = z
  .object({
    olderThan: DurationSchema.describe('Delete series older than this, e.g. "30d".'),
    by: z
      .enum(['created', 'data'])
      .default('created')
      .describe(
        '"created": when the series was stored (metadata.createdAt; series without it are kept). "data": its last timestamp.',
      ),
    tags: TagFilterSchema.optional(),
    namePrefix: z.string().min(1).optional().describe('Only series whose name starts with this.'),
    dryRun: z.boolean().default(false).describe('Only count what would be deleted.'),
  })
  .describe('Delete old series.');

export type CleanupJobData = z.output<typeof DataSchema>;

const PAGE = 500;

/** Deletes stored series older than a cut-off (e.g. a nightly schedule with olderThan "30d"). */
export function cleanupJobHandler(deps: {
  storage: Storage;
  /** Deletes announced on the event bus (engines.series); default storage itself. */
  series?: { delete(id: string): Promise<boolean> };
  now?: () => number;
}): JobHandler<CleanupJobData> {
  const remover = deps.series ?? deps.storage;
  const now = deps.now ?? Date.now;
  return {
    type: 'cleanup',
    description: 'Delete stored series older than a cut-off, optionally filtered by tags or name prefix.',
    schema: DataSchema,
    example: { olderThan: '30d', tags: { project: 'demo' } },
    async run(data, ctx) {
      const cutoff = now() - parseDuration(data.olderThan, 'olderThan');
      const isOld = (s: SeriesSummary) => {
        if (data.by === 'data') return s.end !== null && s.end < cutoff;
        const created = typeof s.metadata.createdAt === 'string' ? Date.parse(s.metadata.createdAt) : NaN;
        return Number.isFinite(created) && created < cutoff;
      };
      const victims: string[] = [];
      let scanned = 0;
      for (let offset = 0; ; offset += PAGE) {
        const page = await deps.storage.list({
          ...(data.tags ? { tags: data.tags } : {}),
          ...(data.namePrefix ? { namePrefix: data.namePrefix } : {}),
          limit: PAGE,
          offset,
        });
        scanned += page.items.length;
        for (const s of page.items) if (isOld(s)) victims.push(s.id);
        if (page.items.length < PAGE) break;
      }
      let deleted = 0;
      if (!data.dryRun) {
        for (const id of victims) {
          if (ctx.signal.aborted)
            throw new TsiotError('cancelled', `Job ${ctx.jobId} was cancelled after deleting ${deleted} series`);
          if (await remover.delete(id)) deleted++;
          ctx.progress({ done: deleted, total: victims.length });
        }
      }
      const result = {
        scanned,
        matched: victims.length,
        deleted,
        cutoff: new Date(cutoff).toISOString(),
        dryRun: data.dryRun,
      };
      await ctx.emit('cleanup.completed', result);
      return result;
    },
  };
}
