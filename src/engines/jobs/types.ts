import type { z } from 'zod';
import type { Logger } from '../../core/logger.js';
import type { Progress } from '../../core/types.js';
import type { EventBus, TsiotEvent } from '../events/types.js';
import type { SeriesStore } from '../series/store.js';
import type { Storage } from '../storage/storage.js';
import type { ValidationEngine } from '../validation/engine.js';

/** The kinds of background work tsiot knows. A type is runnable once a handler is registered for it. */
export const JOB_TYPES = ['generation', 'validation', 'export', 'training', 'cleanup'] as const;
export type JobType = (typeof JOB_TYPES)[number];

/**
 * Where a job is in its life:
 * queued (waiting or delayed, including between retries) → running → completed | failed | cancelled.
 * `dead` is a job that exhausted its retries: it sits in the dead-letter queue until re-queued.
 */
export type JobState = 'queued' | 'running' | 'completed' | 'dead' | 'cancelled';

export interface JobError {
  code: string;
  message: string;
}

/** What callers see of a job (MCP, REST, CLI). */
export interface JobView {
  id: string;
  type: JobType;
  state: JobState;
  tenant: string;
  /** 1 = most urgent … 100 = least; default 50. */
  priority: number;
  /** Attempts started so far (1 on the first run). */
  attempts: number;
  maxAttempts: number;
  progress?: Progress;
  result?: unknown;
  /** The last failure (kept while retrying, and for dead or cancelled jobs). */
  error?: JobError;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** The worker that ran (or runs) the latest attempt, e.g. "host:pid". */
  worker?: string;
  /** The schedule that created this job, if any. */
  scheduleId?: string;
  data: unknown;
}

/** A request to run a job. */
export interface StartJobRequest {
  type: JobType;
  data: unknown;
  tenant?: string;
  priority?: number;
  /** Total attempts including the first (default 3). */
  attempts?: number;
  /** First retry delay; doubled on each further retry (default 1000 ms). */
  backoffMs?: number;
  /** Abort one attempt after this long (default 1 h). */
  timeoutMs?: number;
  /** Start no earlier than this many ms from now. */
  delayMs?: number;
}

export interface JobCounts {
  byState: Partial<Record<JobState, number>>;
  /** Jobs waiting to run (queued, delayed or between retries), per job type. */
  queued: Partial<Record<JobType, number>>;
}

export interface ListJobsQuery {
  state?: JobState;
  type?: JobType;
  tenant?: string;
  limit?: number;
}

export interface ScheduleRequest {
  /** Stable schedule id (letters, digits, - and _); re-using it replaces the schedule. */
  id: string;
  /** Cron expression, five fields (minute precision) or six (leading seconds). */
  cron: string;
  /** IANA time zone for the cron fields (default UTC). */
  tz?: string;
  job: Omit<StartJobRequest, 'delayMs'>;
}

export interface ScheduleView {
  id: string;
  cron: string;
  tz: string;
  type: JobType;
  /** Next planned run, ISO 8601. */
  next: string | null;
  job: Omit<StartJobRequest, 'delayMs'>;
}

/**
 * What a job works on, as the tenant that started it sees them: its series
 * only (others' ids do not exist), what it stores and announces owned by it,
 * its reports claimed for it. The engines build it from the tenancy views.
 */
export interface TenantParts {
  storage: Storage;
  series: SeriesStore;
  validation?: ValidationEngine;
}

export type TenantScope = (tenant: string) => TenantParts;

/** Persisted progress a handler saves so a re-run (after a crash or a retry) resumes instead of starting over. */
export interface Checkpoint {
  get<T>(): T | undefined;
  save(value: unknown): Promise<void>;
}

/** What a handler gets besides its data. */
export interface JobRunContext {
  jobId: string;
  /** The tenant that started the job: what it reads, stores and announces is this tenant's. Default the default tenant. */
  tenant?: string;
  /** 1 on the first attempt. */
  attempt: number;
  signal: AbortSignal;
  progress(p: Progress): void;
  log: Logger;
  checkpoint: Checkpoint;
  /** W3C trace headers of the request that started the job (empty when tracing is off). */
  traceContext?: Record<string, string>;
  /** Publish a domain event (e.g. generation.completed) tied to this job. */
  emit(type: string, data?: Record<string, unknown>): Promise<void>;
}

/**
 * One kind of job: validated data in, a JSON-serialisable result out. Handlers
 * must honour `signal` (cancellation and timeouts) and should save a
 * checkpoint when they can resume part-way.
 */
export interface JobHandler<D = unknown> {
  type: JobType;
  description: string;
  schema: z.ZodType<D>;
  example: unknown;
  /** Run once when the job is submitted: validate deeply and fix choices (such as a seed) so retries repeat the same work. */
  prepare?(data: D): D;
  run(data: D, ctx: JobRunContext): Promise<unknown>;
}

/** Runs jobs: on BullMQ when Redis is configured, in-process otherwise. */
export interface JobEngine {
  readonly kind: 'bullmq' | 'in-process';
  readonly events: EventBus;
  start(req: StartJobRequest): Promise<JobView>;
  /** Throws not_found for an unknown id. */
  get(id: string): Promise<JobView>;
  list(query?: ListJobsQuery): Promise<JobView[]>;
  /** How many jobs are in each state, and how many wait per job type (for the metrics gauges). */
  counts(): Promise<JobCounts>;
  /** Cancel a queued or running job; conflict when it already finished. */
  cancel(id: string): Promise<JobView>;
  /** Jobs that exhausted their retries. */
  deadLetters(limit?: number): Promise<JobView[]>;
  /** Put a dead job back in its queue with a fresh set of attempts. */
  requeue(id: string): Promise<JobView>;
  schedule(req: ScheduleRequest): Promise<ScheduleView>;
  schedules(): Promise<ScheduleView[]>;
  /** True when a schedule was removed. */
  unschedule(id: string): Promise<boolean>;
  /** Called with the job id whenever a job changes (state, progress, result). Returns an unsubscribe function. */
  onChange(listener: (jobId: string, event: TsiotEvent) => void): () => void;
  /**
   * For a graceful stop, where jobs run in this process: start no more jobs, let
   * the running ones finish for up to graceMs, then stop the rest, which are
   * handed back (they resume from their checkpoint at the next start). Engines
   * whose jobs run elsewhere (workers) have nothing to drain.
   */
  drain?(graceMs: number): Promise<void>;
  close(): Promise<void>;
}
