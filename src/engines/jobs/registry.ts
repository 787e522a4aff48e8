import { TsiotError } from '../../core/errors.js';
import { parseInput } from '../../core/input-errors.js';
import { JOB_TYPES, type JobHandler, type JobType } from './types.js';

/**
 * The job handlers this process can run. A job type without a handler is
 * refused at submission with `unsupported` (never accepted and left to rot).
 */
export class JobHandlerRegistry {
  private readonly handlers = new Map<JobType, JobHandler<any>>();

  register(handler: JobHandler<any>): this {
    this.handlers.set(handler.type, handler);
    return this;
  }

  types(): JobType[] {
    return [...this.handlers.keys()];
  }

  has(type: string): boolean {
    return this.handlers.has(type as JobType);
  }

  get(type: string): JobHandler<unknown> {
    if (!(JOB_TYPES as readonly string[]).includes(type)) {
      throw new TsiotError(
        'invalid_input',
        `type: unknown job type "${type}"; expected one of ${JOB_TYPES.join(', ')}`,
        {
          details: { field: 'type', expected: JOB_TYPES, example: 'generation' },
        },
      );
    }
    const h = this.handlers.get(type as JobType);
    if (!h && type === 'training') {
      throw new TsiotError(
        'unsupported',
        `Job type "training" is not run as a job; runnable types: ${this.types().join(', ') || 'none'}`,
        {
          details: { type, runnable: this.types() },
          hint: 'Use the fit_model tool: it already runs long fits in the background and returns a model id to follow with describe_model.',
        },
      );
    }
    if (!h) {
      throw new TsiotError(
        'unsupported',
        `Job type "${type}" has no handler in this deployment yet; runnable types: ${this.types().join(', ') || 'none'}`,
        {
          details: { type, runnable: this.types() },
        },
      );
    }
    return h;
  }

  /** Validate and prepare job data at submission, so bad input fails before anything is queued. */
  prepare(type: string, data: unknown): unknown {
    const h = this.get(type);
    const parsed = parseInput(h.schema, data ?? {}, `data for a "${type}" job`, { data: h.example });
    return h.prepare ? h.prepare(parsed) : parsed;
  }
}
