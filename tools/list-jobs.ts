import { z } from 'zod';
import { jobsOf } from '../src/engines/jobs/access.js';
import { JOB_TYPES } from '../src/engines/jobs/types.js';
import { JobViewSchema, ScheduleViewSchema } from '../src/engines/jobs/view-schema.js';
import { decodeCursor, encodeCursor } from '../src/registry/cursor.js';
import { defineTool } from '../src/registry/tool.js';

export const listJobs = defineTool({
  name: 'list_jobs',
  title: 'List background jobs',
  description:
    'List jobs newest first by state or type; view "dead_letters" or "schedules"; page with cursor. Example: {"state": "running"}',
  details:
    'List jobs newest first, filtered by state, type or tenant; view "dead_letters" lists jobs that failed every attempt (re-queue them with requeue_job), view "schedules" lists recurring jobs (cron, next run). Example: {"state": "running"} or {"view": "dead_letters"}.',
  inputSchema: z.object({
    view: z
      .enum(['jobs', 'dead_letters', 'schedules'])
      .default('jobs')
      .describe('jobs (default), dead_letters, or schedules.'),
    state: z
      .enum(['queued', 'running', 'completed', 'dead', 'cancelled'])
      .optional()
      .describe('Only jobs in this state.'),
    type: z.enum(JOB_TYPES).optional().describe('Only jobs of this type.'),
    tenant: z.string().optional().describe('Only jobs of this tenant.'),
    limit: z.number().int().min(1).max(500).default(50).describe('At most this many.'),
    cursor: z
      .string()
      .max(200)
      .optional()
      .describe('nextCursor of the previous page, to read the next one (same filters and view).'),
  }),
  outputSchema: z.object({
    jobs: z.array(JobViewSchema).optional(),
    schedules: z.array(ScheduleViewSchema).optional(),
    nextCursor: z.string().nullable().describe('Pass as cursor to read the next page; null at the end.'),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  routes: [{ method: 'GET', path: '/v1/jobs' }],
  async handler(input, ctx) {
    const jobs = jobsOf(ctx.engines);
    const query = { view: input.view, state: input.state, type: input.type, tenant: input.tenant };
    const offset = input.cursor ? decodeCursor(input.cursor, query).offset : 0;
    // the job engine lists newest first without an offset: read one page past the cursor and cut
    const want = offset + input.limit + 1;
    const page = <T>(all: T[]) => ({
      items: all.slice(offset, offset + input.limit),
      nextCursor: all.length > offset + input.limit ? encodeCursor({ offset: offset + input.limit }, query) : null,
    });
    if (input.view === 'schedules') {
      const { items: schedules, nextCursor } = page(await jobs.schedules());
      return {
        structured: { schedules, nextCursor },
        summary: `${schedules.length} schedule${schedules.length === 1 ? '' : 's'}${schedules.length ? `: ${schedules.map((s) => `${s.id} (${s.cron})`).join(', ')}` : ''}.`,
      };
    }
    const { items: list, nextCursor } = page(
      input.view === 'dead_letters'
        ? await jobs.deadLetters(want)
        : await jobs.list({
            limit: want,
            ...(input.state ? { state: input.state } : {}),
            ...(input.type ? { type: input.type } : {}),
            ...(input.tenant ? { tenant: input.tenant } : {}),
          }),
    );
    const byState = new Map<string, number>();
    for (const j of list) byState.set(j.state, (byState.get(j.state) ?? 0) + 1);
    const counts = [...byState].map(([s, n]) => `${n} ${s}`).join(', ');
    return {
      structured: { jobs: list, nextCursor },
      summary: `${list.length} job${list.length === 1 ? '' : 's'}${counts ? ` (${counts})` : ''}.`,
    };
  },
});
