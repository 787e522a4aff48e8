import { TsiotError } from '../../core/errors.js';
import type { JobError, JobHandler, JobRunContext } from './types.js';

/** Error codes for which another attempt cannot help: the job goes to the dead-letter queue at once. */
const PERMANENT = new Set(['invalid_input', 'unsupported', 'too_large', 'not_found', 'forbidden', 'budget_exhausted']);

export function isPermanentFailure(e: unknown): boolean {
  return e instanceof TsiotError && PERMANENT.has(e.code);
}

export function toJobError(e: unknown): JobError {
  if (e instanceof TsiotError) return { code: e.code, message: e.message };
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

export interface AttemptOptions extends Omit<JobRunContext, 'signal'> {
  /** Aborted when the job is cancelled (or the worker shuts down). */
  cancel: AbortSignal;
  timeoutMs: number;
}

/**
 * Run one attempt of a handler with cancellation and a timeout. The attempt
 * settles as soon as either fires, even if the handler is slow to notice.
 */
export async function runAttempt(
  handler: JobHandler<unknown>,
  data: unknown,
  options: AttemptOptions,
): Promise<unknown> {
  const { cancel, timeoutMs, ...ctx } = options;
  const timeout = new AbortController();
  const timer = setTimeout(
    () => timeout.abort(new TsiotError('timeout', `Job ${ctx.jobId} exceeded its timeout of ${timeoutMs} ms`)),
    timeoutMs,
  );
  const signal = AbortSignal.any([cancel, timeout.signal]);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () =>
      reject(cancel.aborted ? new TsiotError('cancelled', `Job ${ctx.jobId} was cancelled`) : timeout.signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    return await Promise.race([handler.run(data, { ...ctx, signal }), aborted]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
