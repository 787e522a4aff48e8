import type { TsiotEvent } from './types.js';

/** A job's state rebuilt from its events alone. */
export interface ReplayedJob {
  jobId: string;
  state: 'queued' | 'running' | 'completed' | 'dead' | 'cancelled' | 'unknown';
  attempts: number;
  progress?: { done: number; total: number };
  result?: unknown;
  error?: { code: string; message: string };
  /** Event types in order, for an audit trail. */
  trail: string[];
}

/** Fold a job's events (oldest first) into its state: event sourcing of job state. */
export function replayJob(jobId: string, events: TsiotEvent[]): ReplayedJob {
  const out: ReplayedJob = { jobId, state: 'unknown', attempts: 0, trail: [] };
  for (const e of events) {
    if (e.jobId !== jobId) continue;
    out.trail.push(e.type);
    switch (e.type) {
      case 'job.queued':
      case 'job.requeued':
        out.state = 'queued';
        if (e.type === 'job.requeued') out.attempts = 0;
        break;
      case 'job.started':
        out.state = 'running';
        out.attempts = typeof e.data.attempt === 'number' ? e.data.attempt : out.attempts + 1;
        break;
      case 'job.progress':
        out.progress = { done: Number(e.data.done ?? 0), total: Number(e.data.total ?? 0) };
        break;
      case 'job.failed':
        out.state = e.data.willRetry ? 'queued' : 'dead';
        out.error = e.data.error as ReplayedJob['error'];
        break;
      case 'job.completed':
        out.state = 'completed';
        out.result = e.data.result;
        break;
      case 'job.cancelled':
        out.state = 'cancelled';
        break;
      default:
        break;
    }
  }
  return out;
}
