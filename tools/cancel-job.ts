import { z } from 'zod';
import { TsiotError } from '../src/core/errors.js';
import { jobsOf } from '../src/engines/jobs/access.js';
import { JobViewSchema } from '../src/engines/jobs/view-schema.js';
import { defineTool } from '../src/registry/tool.js';

export const cancelJob = defineTool({
  name: 'cancel_job',
  title: 'Cancel a job or remove a schedule',
  description:
    'Stop a queued or running job (id) or remove a schedule (scheduleId); stored work stays. Example: {"id": "generation-3f9a0c1d2e4b5a69"}',
  details:
    'Stop a queued or running job (give id), or remove a recurring schedule (give scheduleId). A running generation stops after its current chunk; what it already stored stays (find it by the tag in the job data). Cancelling a job that already finished gives conflict; an unknown id gives not_found. Example: {"id": "generation-3f9a0c1d2e4b5a69"} or {"scheduleId": "hourly-fleet"}.',
  inputSchema: z.object({
    id: z.string().min(1).optional().describe('The job to cancel.'),
    scheduleId: z
      .string()
      .min(1)
      .optional()
      .describe('The schedule to remove (jobs it already started are not touched).'),
  }),
  outputSchema: z.object({
    job: JobViewSchema.optional(),
    scheduleRemoved: z.boolean().optional(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  routes: [
    { method: 'DELETE', path: '/v1/jobs/:id' },
    { method: 'DELETE', path: '/v1/schedules/:scheduleId' },
  ],
  async handler(input, ctx) {
    const jobs = jobsOf(ctx.engines);
    if ((input.id === undefined) === (input.scheduleId === undefined)) {
      throw new TsiotError(
        'invalid_input',
        'id, scheduleId: give exactly one of id (a job) or scheduleId (a schedule)',
        {
          details: { field: 'id', example: { id: 'generation-3f9a0c1d2e4b5a69' } },
        },
      );
    }
    if (input.scheduleId !== undefined) {
      const removed = await jobs.unschedule(input.scheduleId);
      if (!removed)
        throw new TsiotError('not_found', `schedule "${input.scheduleId}" does not exist`, {
          hint: 'List schedules with list_jobs {"view": "schedules"}.',
        });
      return { structured: { scheduleRemoved: true }, summary: `Removed schedule ${input.scheduleId}.` };
    }
    const job = await jobs.cancel(input.id!);
    return { structured: { job }, summary: `Job ${job.id} is ${job.state}.` };
  },
});
