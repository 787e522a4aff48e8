import { z } from 'zod';
import { parseInput } from '../../core/input-errors.js';
import { SCHEDULE_ID_RE } from './ids.js';
import type { JobHandlerRegistry } from './registry.js';
import { JOB_TYPES, type StartJobRequest } from './types.js';

/** Queue options shared by start_job, schedules and the engines (one schema, every interface). */
export const JobOptionsSchema = z.object({
  tenant: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:@|-]{0,199}$/, 'letters, digits and . _ : @ | - (1–200)')
    .default('default')
    .describe(
      "Who the job is for; rate limits apply per tenant. With authentication it is always the caller's own tenant.",
    ),
  priority: z.number().int().min(1).max(100).default(50).describe('1 = most urgent … 100 = least urgent. Default 50.'),
  attempts: z
    .number()
    .int()
    .min(1)
    .max(20)
    .default(3)
    .describe('Total attempts including the first; after the last failure the job goes to the dead-letter queue.'),
  backoffMs: z
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .default(1000)
    .describe('Delay before the first retry in ms; doubled on each further retry.'),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(7 * 86_400_000)
    .default(3_600_000)
    .describe('Abort an attempt that runs longer than this (ms). Default 1 h.'),
});

export const StartJobSchema = JobOptionsSchema.extend({
  type: z.enum(JOB_TYPES).describe('Job type: generation, validation, export, training or cleanup.'),
  data: z.record(z.string(), z.unknown()).default({}).describe('Input of the job; its shape depends on the type.'),
  delayMs: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400_000)
    .default(0)
    .describe('Start no earlier than this many ms from now.'),
});

/** A recurring job: cron (5 fields, or 6 with seconds), time zone, and the job each run starts. */
export const ScheduleRequestSchema = z.object({
  id: z
    .string()
    .regex(SCHEDULE_ID_RE, 'letters, digits, "_" or "-" (1–64)')
    .describe('Schedule id; re-using it replaces the schedule.'),
  cron: z
    .string()
    .min(1)
    .describe('Cron expression: 5 fields, or 6 with leading seconds. Example "0 * * * *" (hourly).'),
  tz: z.string().default('UTC').describe('IANA time zone of the cron fields.'),
  job: JobOptionsSchema.extend({ type: z.enum(JOB_TYPES), data: z.record(z.string(), z.unknown()).default({}) }),
});

export type NormalizedStart = Required<StartJobRequest>;

/** Fill defaults, validate options, and validate + prepare the data with the type's handler. */
export function normalizeStart(req: StartJobRequest, registry: JobHandlerRegistry): NormalizedStart {
  const opts = parseInput(StartJobSchema, req, 'job request', { type: 'generation' });
  return { ...opts, data: registry.prepare(opts.type, opts.data) };
}
