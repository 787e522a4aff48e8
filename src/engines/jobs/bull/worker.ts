import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from '../../../core/logger.js';
import type { Progress } from '../../../core/types.js';
import { RedisEventBus } from '../../events/redis-bus.js';
import { isPermanentFailure, runAttempt, toJobError } from '../attempt.js';
import type { JobHandlerRegistry } from '../registry.js';
import type { JobType } from '../types.js';
import { connectRedis, pingRedis } from './connection.js';
import { bullKeys, CANCELLED_PREFIX, decodeFailure, encodeFailure, type Envelope } from './shared.js';

export interface BullWorkerOptions {
  redisUrl: string;
  registry: JobHandlerRegistry;
  logger: Logger;
  /** Jobs run at the same time per queue (default 1). */
  concurrency?: number;
  /** Queues (job types) to serve; default every type with a registered handler. */
  types?: JobType[];
  /** Name shown as a job's `worker` (default "<hostname>:<pid>"). */
  name?: string;
  /** How long a job's lock lasts without renewal; a worker that dies loses its jobs after this (default 30 s). */
  lockDurationMs?: number;
  /** How often workers look for jobs whose worker died (default 30 s). */
  stalledIntervalMs?: number;
  /** Prefix of every Redis key (default "tsiot"); the same as the API's. */
  prefix?: string;
}

export interface BullWorkers {
  readonly types: JobType[];
  /**
   * Stop taking jobs and wait for the running ones (graceful). With graceMs,
   * jobs still running after it are dropped: their locks expire and another
   * worker resumes them from their checkpoint.
   */
  close(graceMs?: number): Promise<void>;
}

const PROGRESS_EVERY_MS = 1000;

/**
 * Workers for the BullMQ queues. Any number of processes on any number of
 * machines may run them against the same Redis: each job runs on one worker
 * at a time; when a worker dies its jobs' locks expire and another worker
 * takes them over (resuming from the job's checkpoint).
 */
export async function startBullWorkers(options: BullWorkerOptions): Promise<BullWorkers> {
  const { registry, logger, redisUrl } = options;
  const types = options.types ?? registry.types();
  for (const t of types) registry.get(t); // refuse unknown or unhandled types up front
  const keys = bullKeys(options.prefix);
  const redis = connectRedis(redisUrl, 'worker');
  const subscriber = connectRedis(redisUrl, 'worker');
  try {
    await pingRedis(redisUrl, redis);
  } catch (e) {
    redis.disconnect();
    subscriber.disconnect();
    throw e;
  }
  const events = new RedisEventBus(redis, logger, keys.prefix);
  const workers: Worker<Envelope>[] = [];

  const processor = async (job: Job<Envelope>, _token?: string, signal?: AbortSignal): Promise<unknown> => {
    const type = job.queueName as JobType;
    const handler = registry.get(type);
    const log = logger.child({ job: job.id, type });
    const publish = (t: string, data: Record<string, unknown>) =>
      events
        .publish({ type: t, jobId: job.id!, data: { jobType: type, ...data, tenant: job.data.tenant } })
        .then(() => undefined);
    const attempt = job.attemptsStarted;
    const cancel = new AbortController();
    signal?.addEventListener('abort', () => cancel.abort(), { once: true });
    if (await redis.exists(keys.cancelKey(job.id!))) cancel.abort();
    await publish('job.started', { attempt });
    let lastProgressAt = 0;
    // progress is stored and published in order, and all of it before the job's outcome
    let progressWritten: Promise<void> = Promise.resolve();
    try {
      const result = await runAttempt(handler, job.data.data, {
        jobId: job.id!,
        tenant: job.data.tenant,
        attempt,
        ...(job.data.traceContext ? { traceContext: job.data.traceContext } : {}),
        cancel: cancel.signal,
        timeoutMs: job.data.timeoutMs,
        log,
        progress: (p: Progress) => {
          const now = Date.now();
          if (now - lastProgressAt < PROGRESS_EVERY_MS && p.done < p.total) return;
          lastProgressAt = now;
          const snapshot = { ...p };
          progressWritten = progressWritten
            .then(() => job.updateProgress(snapshot))
            .then(() => publish('job.progress', snapshot))
            .then(
              () => undefined,
              (err: unknown) => log.warn({ err }, 'progress not saved'),
            );
        },
        checkpoint: {
          get: <T>() => job.data.checkpoint as T | undefined,
          save: async (value: unknown) => {
            await job.updateData({ ...job.data, checkpoint: value });
          },
        },
        emit: (t, data = {}) => publish(t, data),
      });
      await progressWritten;
      return result;
    } catch (e) {
      await progressWritten;
      const err = toJobError(e);
      if (cancel.signal.aborted && err.code === 'cancelled')
        throw new UnrecoverableError(`${CANCELLED_PREFIX}${err.message}`);
      if (isPermanentFailure(e)) throw new UnrecoverableError(encodeFailure(err));
      throw new Error(encodeFailure(err));
    }
  };

  for (const type of types) {
    const worker = new Worker<Envelope>(type, processor, {
      connection: redis,
      prefix: keys.prefix,
      concurrency: options.concurrency ?? 1,
      name: options.name ?? `${hostname()}:${process.pid}`,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: 3,
    });
    worker.on('error', (err) => logger.warn({ err, queue: type }, 'worker error'));
    worker.on('completed', (job, result) => {
      void events
        .publish({ type: 'job.completed', jobId: job.id!, data: { jobType: type, result } })
        .catch(() => undefined);
    });
    worker.on('failed', (job, err) => {
      if (!job) return;
      if (err.message.startsWith(CANCELLED_PREFIX)) {
        void events.publish({ type: 'job.cancelled', jobId: job.id!, data: { jobType: type } }).catch(() => undefined);
        return;
      }
      const willRetry = !(err instanceof UnrecoverableError) && job.attemptsMade < (job.opts.attempts ?? 1);
      const error = decodeFailure(err.message);
      void events
        .publish({
          type: 'job.failed',
          jobId: job.id!,
          data: { jobType: type, error, attempt: job.attemptsMade, willRetry },
        })
        .catch(() => undefined);
    });
    worker.on('stalled', (jobId) => {
      void events.publish({ type: 'job.interrupted', jobId, data: { jobType: type } }).catch(() => undefined);
    });
    workers.push(worker);
  }

  await subscriber.subscribe(keys.cancelChannel);
  subscriber.on('message', (_channel: string, id: string) => {
    for (const w of workers) w.cancelJob(id, 'cancelled');
  });
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  logger.info({ queues: types, concurrency: options.concurrency ?? 1 }, 'job workers started');

  return {
    types,
    async close(graceMs?: number) {
      const graceful = Promise.allSettled(workers.map((w) => w.close()));
      if (graceMs === undefined) await graceful;
      else {
        let timer: NodeJS.Timeout | undefined;
        const timeUp = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), graceMs);
        });
        const outcome = await Promise.race([graceful, timeUp]);
        clearTimeout(timer);
        if (outcome === 'late') {
          logger.info('jobs still running after the grace period are handed back to the queue');
          await Promise.allSettled(workers.map((w) => w.close(true)));
        }
      }
      await events.close();
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}
