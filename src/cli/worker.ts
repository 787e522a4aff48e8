import type { TsiotConfig } from '../core/config.js';
import { TsiotError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { createEngines, type Engines } from '../engines/engines.js';
import { defaultJobHandlers, startBullWorkers, type BullWorkers } from '../engines/jobs/index.js';
import { JOB_TYPES, type JobType } from '../engines/jobs/types.js';
import { instrumentJobHandlers } from '../engines/telemetry/instrument.js';

export interface WorkerOptions {
  /** redis://host:port/db of the shared queues. */
  redisUrl: string;
  /** Jobs run at the same time per queue (default 1). */
  concurrency?: number;
  /** Job types to serve (default every type this build has a handler for). */
  queues?: string[];
  config: TsiotConfig;
  logger: Logger;
  /** Stop on SIGINT/SIGTERM (default true; tests pass false). */
  handleSignals?: boolean;
  /** Runs last when the worker stops (e.g. flush traces). */
  onStopped?: () => Promise<void>;
}

export interface RunningWorker {
  workers: BullWorkers;
  engines: Engines;
  /** Finish running jobs, then disconnect and close storage. */
  stop(): Promise<void>;
}

/**
 * `tsiot worker`: serve the job queues on Redis. Run as many as needed, on
 * as many machines as needed, against the same Redis and the same storage
 * (a shared backend such as PostgreSQL: an embedded DuckDB file belongs to
 * one process). A killed worker's jobs pass to the others once their locks
 * expire, and resume from their last checkpoint.
 */
export async function runWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const queues = (opts.queues ?? []).map((q) => q.trim()).filter(Boolean);
  for (const q of queues) {
    if (!(JOB_TYPES as readonly string[]).includes(q)) {
      throw new TsiotError(
        'invalid_input',
        `--queues: unknown job type "${q}"; expected some of ${JOB_TYPES.join(', ')}`,
        { details: { field: 'queues', example: 'generation,cleanup' } },
      );
    }
  }
  const concurrency = opts.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new TsiotError('invalid_input', `--concurrency: expected an integer 1–256, got ${opts.concurrency}`, {
      details: { field: 'concurrency', example: 4 },
    });
  }
  // the worker's engines share the queues' Redis, so the series its jobs store are announced to every server
  const engines = await createEngines(
    { ...opts.config, jobs: { ...opts.config.jobs, redisUrl: opts.redisUrl } },
    opts.logger,
  );
  let workers: BullWorkers;
  try {
    const registry = instrumentJobHandlers(
      defaultJobHandlers({
        generators: engines.generators,
        storage: engines.storage,
        series: engines.series,
        maxChunkValues: opts.config.maxPointsPerRequest,
        validation: engines.validation,
        dataDir: opts.config.dataDir,
      }),
      engines.metrics,
    );
    workers = await startBullWorkers({
      redisUrl: opts.redisUrl,
      registry,
      logger: opts.logger,
      concurrency,
      ...(queues.length ? { types: queues as JobType[] } : {}),
    });
  } catch (e) {
    await engines.close();
    throw e;
  }
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      opts.logger.info({ graceMs: opts.config.shutdownGraceMs }, 'worker stopping: finishing running jobs');
      await workers.close(opts.config.shutdownGraceMs);
      await engines.close();
      await opts.onStopped?.();
    })());
  if (opts.handleSignals !== false) {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stop().then(() => process.exit(0)));
  }
  return { workers, engines, stop };
}
