import { z } from 'zod';
import { JOB_TYPES } from './types.js';

/** A job as tools and REST show it (mirrors JobView). */
export const JobViewSchema = z.object({
  id: z.string().describe('Job id; read it with get_job or the resource tsiot://jobs/{id}.'),
  type: z.enum(JOB_TYPES),
  state: z
    .enum(['queued', 'running', 'completed', 'dead', 'cancelled'])
    .describe(
      'queued (waiting, delayed or between retries) → running → completed; dead = failed after its last attempt (in the dead-letter queue); cancelled.',
    ),
  tenant: z.string(),
  priority: z.number().int(),
  attempts: z.number().int().describe('Attempts started so far.'),
  maxAttempts: z.number().int(),
  progress: z.object({ done: z.number(), total: z.number(), message: z.string().optional() }).optional(),
  result: z
    .unknown()
    .optional()
    .describe(
      'The outcome of a completed job (for generation: chunks, values, parts and the tag to find the stored parts).',
    ),
  error: z.object({ code: z.string(), message: z.string() }).optional().describe('The latest failure.'),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  worker: z.string().optional().describe('Worker that ran the latest attempt.'),
  scheduleId: z.string().optional().describe('The schedule that started this job.'),
  data: z.unknown().describe('The job input as queued (with defaults and the seed filled in).'),
});

export const ScheduleViewSchema = z.object({
  id: z.string(),
  cron: z.string(),
  tz: z.string(),
  type: z.enum(JOB_TYPES),
  next: z.string().nullable().describe('Next run, ISO 8601.'),
  job: z.record(z.string(), z.unknown()).describe('What each run starts.'),
});

export const EventSchema = z.object({
  id: z.string(),
  type: z
    .string()
    .describe('e.g. job.queued, job.started, job.progress, job.failed, job.completed, generation.completed.'),
  at: z.string(),
  jobId: z.string().optional(),
  data: z.record(z.string(), z.unknown()),
});
