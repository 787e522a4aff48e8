import type { Job, JobsOptions } from 'bullmq';
import type { NormalizedStart } from '../request.js';
import type { JobError, JobState, JobType, JobView } from '../types.js';
import { currentTraceCarrier } from '../../telemetry/tracing.js';

/**
 * Default key prefix of every tsiot key in Redis. Queues are named after job
 * types: tsiot:generation:* … Deployments (or test runs) sharing one Redis
 * keep apart by giving the API and its workers another prefix.
 */
export const PREFIX = 'tsiot';

/** Keys the API and the workers share besides BullMQ's own, under one prefix. */
export interface BullKeys {
  prefix: string;
  /** Channel on which cancel requests reach the worker running the job. */
  cancelChannel: string;
  cancelKey(id: string): string;
  /** Hash of cancelled-before-start jobs (removed from their queue), id → JSON JobView. */
  tombstones: string;
}

export function bullKeys(prefix = PREFIX): BullKeys {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix))
    throw new Error(`job queue prefix "${prefix}": expected letters, digits, "_", "." or "-" (1–64)`);
  return {
    prefix,
    cancelChannel: `${prefix}:jobs:cancel`,
    cancelKey: (id: string) => `${prefix}:jobs:cancel:${id}`,
    tombstones: `${prefix}:jobs:cancelled`,
  };
}

/** What a BullMQ job carries: the job's own data plus queue bookkeeping. */
export interface Envelope {
  data: unknown;
  tenant: string;
  timeoutMs: number;
  scheduleId?: string;
  checkpoint?: unknown;
  /** W3C trace headers of the request that started the job. */
  traceContext?: Record<string, string>;
}

/** failedReason of a job stopped by cancel_job (never retried). */
export const CANCELLED_PREFIX = 'cancelled: ';

export function envelopeOf(n: NormalizedStart, scheduleId?: string): Envelope {
  const traceContext = currentTraceCarrier();
  return {
    data: n.data,
    tenant: n.tenant,
    timeoutMs: n.timeoutMs,
    ...(scheduleId ? { scheduleId } : {}),
    ...(Object.keys(traceContext).length ? { traceContext } : {}),
  };
}

export function jobOptionsOf(n: NormalizedStart): JobsOptions {
  return {
    priority: n.priority,
    attempts: n.attempts,
    backoff: { type: 'exponential', delay: n.backoffMs },
    ...(n.delayMs ? { delay: n.delayMs } : {}),
    removeOnComplete: { age: 7 * 86_400, count: 10_000 },
    removeOnFail: { age: 30 * 86_400, count: 10_000 },
  };
}

/** Encode a failure as a failedReason "code: message" so the code survives the trip through Redis. */
export function encodeFailure(e: JobError): string {
  return `${e.code}: ${e.message}`;
}

export function decodeFailure(reason: string): JobError {
  const m = /^([a-z_]+): ([\s\S]*)$/.exec(reason);
  return m ? { code: m[1]!, message: m[2]! } : { code: 'internal', message: reason };
}

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : undefined);

export function stateOf(bullState: string, job: Job<Envelope>): JobState {
  switch (bullState) {
    case 'active':
      return 'running';
    case 'completed':
      return 'completed';
    case 'failed':
      return job.failedReason?.startsWith(CANCELLED_PREFIX) ? 'cancelled' : 'dead';
    default:
      return 'queued';
  }
}

export function viewOf(job: Job<Envelope>, bullState: string): JobView {
  const env = job.data;
  const state = stateOf(bullState, job);
  const progress =
    typeof job.progress === 'object' && job.progress !== null && 'done' in job.progress
      ? (job.progress as JobView['progress'])
      : undefined;
  const started = iso(job.processedOn);
  const finished = state === 'completed' || state === 'dead' || state === 'cancelled' ? iso(job.finishedOn) : undefined;
  return {
    id: job.id!,
    type: job.queueName as JobType,
    state,
    tenant: env.tenant,
    priority: job.opts.priority ?? 50,
    attempts: job.attemptsStarted ?? job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    ...(progress ? { progress } : {}),
    ...(state === 'completed' ? { result: job.returnvalue } : {}),
    ...(job.failedReason ? { error: decodeFailure(job.failedReason) } : {}),
    createdAt: new Date(job.timestamp).toISOString(),
    ...(started ? { startedAt: started } : {}),
    ...(finished ? { finishedAt: finished } : {}),
    ...(job.processedBy ? { worker: job.processedBy } : {}),
    ...(env.scheduleId ? { scheduleId: env.scheduleId } : {}),
    data: env.data,
  };
}
