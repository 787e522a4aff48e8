import { TsiotError } from '../../core/errors.js';
import type { JobEngine, JobView } from './types.js';

/**
 * The job engine of a context (any object with an optional `jobs`, such as
 * `Engines`), or `unavailable` when this server runs without one. Typed
 * structurally so the job engine does not import the `Engines` that holds it.
 */
export function jobsOf(engines: { jobs?: JobEngine | undefined }): JobEngine {
  const jobs = engines.jobs;
  if (!jobs) {
    throw new TsiotError('unavailable', 'Background jobs are not enabled on this server', {
      hint: 'Use the direct tools (e.g. generate_timeseries) or start the server with jobs enabled.',
    });
  }
  return jobs;
}

const FINISHED = new Set(['completed', 'dead', 'cancelled']);

export function isFinished(job: JobView): boolean {
  return FINISHED.has(job.state);
}

/**
 * Wait until a job finishes or `ms` pass, relaying its progress. Returns the
 * latest view either way; stopping early (signal) leaves the job running.
 */
export async function waitForJob(
  jobs: JobEngine,
  id: string,
  ms: number,
  options: { signal?: AbortSignal; onProgress?: (p: { done: number; total: number; message?: string }) => void } = {},
): Promise<JobView> {
  let current = await jobs.get(id);
  if (isFinished(current) || ms <= 0) return current;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(finish, ms);
    const poll = setInterval(() => void check(), 1000);
    const unsubscribe = jobs.onChange((jobId, event) => {
      if (jobId !== id) return;
      if (event.type === 'job.progress')
        options.onProgress?.({
          done: Number(event.data.done),
          total: Number(event.data.total),
          ...(typeof event.data.message === 'string' ? { message: event.data.message } : {}),
        });
      void check();
    });
    options.signal?.addEventListener('abort', finish, { once: true });
    async function check() {
      try {
        current = await jobs.get(id);
        if (isFinished(current)) finish();
      } catch {
        // keep the last view; the caller gets it at the deadline
      }
    }
    function finish() {
      clearTimeout(timer);
      clearInterval(poll);
      unsubscribe();
      options.signal?.removeEventListener('abort', finish);
      resolve();
    }
    void check();
  });
  return current;
}
