import { z } from 'zod';
import { jobsOf } from '../src/engines/jobs/access.js';
import { JobViewSchema } from '../src/engines/jobs/view-schema.js';
import { defineTool } from '../src/registry/tool.js';

export const requeueJob = defineTool({
  name: 'requeue_job',
  title: 'Re-queue a dead job',
  description:
    'Put a dead job (failed every attempt) back in its queue with fresh attempts. Example: {"id": "generation-3f9a0c1d2e4b5a69"}',
  details:
    'Put a job from the dead-letter queue (state "dead": it failed every attempt) back in its queue with a fresh set of attempts, e.g. after fixing what made it fail. A generation job resumes from its last stored chunk. Jobs in any other state give conflict. Example: {"id": "generation-3f9a0c1d2e4b5a69"}.',
  inputSchema: z.object({ id: z.string().min(1).describe('The dead job (see list_jobs {"view": "dead_letters"}).') }),
  outputSchema: z.object({ job: JobViewSchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  routes: [{ method: 'POST', path: '/v1/jobs/:id/requeue' }],
  async handler(input, ctx) {
    const job = await jobsOf(ctx.engines).requeue(input.id);
    return { structured: { job }, summary: `Job ${job.id} is back in the ${job.type} queue (${job.state}).` };
  },
});
