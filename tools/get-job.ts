import { z } from 'zod';
import { jobsOf, waitForJob } from '../src/engines/jobs/access.js';
import { EventSchema, JobViewSchema } from '../src/engines/jobs/view-schema.js';
import { defineTool } from '../src/registry/tool.js';

export const getJob = defineTool({
  name: 'get_job',
  title: 'Get a background job',
  description:
    'A job\'s state, progress, result or error; waitMs blocks until it ends, history adds its event log. Example: {"id": "generation-3f9a0c1d2e4b5a69", "waitMs": 30000}',
  details:
    'State, progress, result or error of a job started with start_job (or by a schedule). Set waitMs to block until it finishes (progress is reported meanwhile) and history to include its event log (queued, started, progress, failed/retrying, completed …). Unknown ids give not_found; finished jobs are kept for 7 days (dead ones longer). Example: {"id": "generation-3f9a0c1d2e4b5a69", "waitMs": 30000}.',
  inputSchema: z.object({
    id: z.string().min(1).describe('Job id from start_job or list_jobs.'),
    waitMs: z
      .number()
      .int()
      .min(0)
      .max(600_000)
      .default(0)
      .describe('Wait up to this long for the job to finish. 0 = answer at once.'),
    history: z.boolean().default(false).describe("Include the job's events, oldest first."),
  }),
  outputSchema: z.object({
    job: JobViewSchema,
    events: z.array(EventSchema).optional(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  routes: [{ method: 'GET', path: '/v1/jobs/:id' }],
  async handler(input, ctx) {
    const jobs = jobsOf(ctx.engines);
    const job = await waitForJob(jobs, input.id, input.waitMs, { signal: ctx.signal, onProgress: ctx.progress });
    const events = input.history ? await jobs.events.history(input.id) : undefined;
    const p = job.progress ? ` (${job.progress.done}/${job.progress.total})` : '';
    const tail = job.state === 'dead' || job.state === 'cancelled' ? (job.error ? `: ${job.error.message}` : '') : '';
    return {
      structured: { job, ...(events ? { events } : {}) },
      summary: `Job ${job.id} (${job.type}) is ${job.state}${p}, attempt ${job.attempts} of ${job.maxAttempts}${tail}.`,
    };
  },
});
