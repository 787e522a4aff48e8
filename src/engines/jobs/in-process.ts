import { hostname } from 'node:os';
import { TsiotError } from '../../core/errors.js';
import { parseInput } from '../../core/input-errors.js';
import type { Logger } from '../../core/logger.js';
import type { Progress } from '../../core/types.js';
import type { EventBus, TsiotEvent } from '../events/types.js';
import type { DocumentStore } from '../storage/storage.js';
import { isPermanentFailure, runAttempt, toJobError } from './attempt.js';
import { backoffDelay } from './backoff.js';
import { currentTraceCarrier } from '../telemetry/tracing.js';
import { nextCronRun } from './cron.js';
import { newJobId } from './ids.js';
import { MemoryRateLimiter, type RateLimit, type RateLimiter } from './rate-limit.js';
import type { JobHandlerRegistry } from './registry.js';
import { normalizeStart, ScheduleRequestSchema } from './request.js';
import {
  JOB_TYPES,
  type JobCounts,
  type JobEngine,
  type JobState,
  type JobType,
  type JobView,
  type ListJobsQuery,
  type ScheduleRequest,
  type ScheduleView,
  type StartJobRequest,
} from './types.js';

export const JOBS_COLLECTION = 'jobs';
export const SCHEDULES_COLLECTION = 'job-schedules';

/** A job as persisted by the in-process engine. */
interface StoredJob extends JobView {
  backoffMs: number;
  timeoutMs: number;
  /** Epoch ms before which the job must not start (delay or retry backoff). */
  notBefore: number;
  checkpoint?: unknown;
  /** W3C trace headers of the request that started the job. */
  traceContext?: Record<string, string>;
}

interface StoredSchedule extends ScheduleView {
  /** Epoch ms of the next run. */
  nextAt: number;
}

export interface InProcessJobEngineOptions {
  documents: DocumentStore;
  registry: JobHandlerRegistry;
  events: EventBus;
  logger: Logger;
  /** Jobs run at the same time (default 2). */
  concurrency?: number;
  rateLimit?: RateLimit;
  /** How often the scheduler looks for due schedules (default 250 ms). */
  schedulerTickMs?: number;
}

const TERMINAL = new Set(['completed', 'dead', 'cancelled']);
const PROGRESS_EVERY_MS = 1000;

/**
 * Jobs without Redis: they run in this process, and their state lives in the
 * DocumentStore (`jobs`, `job-schedules`, and the `events` log), so after a
 * restart the list shows what ran and failed, and jobs that were running
 * start again from their last checkpoint.
 */
export class InProcessJobEngine implements JobEngine {
  readonly kind = 'in-process' as const;
  readonly events: EventBus;
  private readonly docs: DocumentStore;
  private readonly registry: JobHandlerRegistry;
  private readonly logger: Logger;
  private readonly concurrency: number;
  private readonly limiter: RateLimiter | undefined;
  /** Jobs waiting to run, by id. */
  private readonly pending = new Map<string, StoredJob>();
  private readonly running = new Map<string, { job: StoredJob; cancel: AbortController; done: Promise<void> }>();
  private wakeTimer: NodeJS.Timeout | undefined;
  private scheduleTimer: NodeJS.Timeout | undefined;
  private scheduleLock: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Set by drain(): no job starts any more. */
  private draining = false;

  constructor(private readonly options: InProcessJobEngineOptions) {
    this.docs = options.documents;
    this.registry = options.registry;
    this.events = options.events;
    this.logger = options.logger;
    this.concurrency = options.concurrency ?? 2;
    this.limiter = options.rateLimit ? new MemoryRateLimiter(options.rateLimit) : undefined;
  }

  /** Load persisted jobs: queued ones wait again, running ones were interrupted and run again from their checkpoint. */
  async init(): Promise<void> {
    for (const { doc } of await this.allJobs()) {
      if (doc.state === 'running') {
        doc.state = 'queued';
        doc.notBefore = 0;
        await this.save(doc);
        await this.publish('job.interrupted', doc, { attempt: doc.attempts });
      }
      if (doc.state === 'queued') this.pending.set(doc.id, doc);
    }
    this.scheduleTimer = setInterval(() => void this.fireDueSchedules(), this.options.schedulerTickMs ?? 250);
    this.scheduleTimer.unref();
    this.pump();
  }

  async start(req: StartJobRequest): Promise<JobView> {
    return this.enqueue(req);
  }

  private async enqueue(req: StartJobRequest, scheduleId?: string): Promise<JobView> {
    const n = normalizeStart(req, this.registry);
    await this.limiter?.take(n.tenant);
    const job: StoredJob = {
      id: newJobId(n.type),
      type: n.type,
      state: 'queued',
      tenant: n.tenant,
      priority: n.priority,
      attempts: 0,
      maxAttempts: n.attempts,
      createdAt: new Date().toISOString(),
      data: n.data,
      backoffMs: n.backoffMs,
      timeoutMs: n.timeoutMs,
      notBefore: Date.now() + n.delayMs,
      ...(scheduleId ? { scheduleId } : {}),
      ...withTrace(currentTraceCarrier()),
    };
    await this.save(job);
    await this.publish('job.queued', job, {
      priority: job.priority,
      tenant: job.tenant,
      ...(scheduleId ? { scheduleId } : {}),
    });
    // the answer is the job as queued: pump() may start it at once, mutating `job`
    const queued = view(job);
    this.pending.set(job.id, job);
    this.pump();
    return queued;
  }

  async get(id: string): Promise<JobView> {
    return view(await this.load(id));
  }

  async counts(): Promise<JobCounts> {
    // every state and type, zeros included, so a gauge shows an empty queue rather than nothing
    const byState: Record<JobState, number> = { queued: 0, running: 0, completed: 0, dead: 0, cancelled: 0 };
    const queued = Object.fromEntries(JOB_TYPES.map((t) => [t, 0])) as Record<JobType, number>;
    for (const { id, doc } of await this.allJobs()) {
      const job = this.running.get(id)?.job ?? this.pending.get(id) ?? doc;
      byState[job.state] += 1;
      if (job.state === 'queued') queued[job.type] += 1;
    }
    return { byState, queued };
  }

  async list(query: ListJobsQuery = {}): Promise<JobView[]> {
    const limit = query.limit ?? 100;
    // a job in this process is read where get() reads it: its state changes before it is saved
    const live = (id: string, doc: StoredJob) => this.running.get(id)?.job ?? this.pending.get(id) ?? doc;
    return (await this.allJobs())
      .map((d) => live(d.id, d.doc))
      .filter(
        (j) =>
          (!query.state || j.state === query.state) &&
          (!query.type || j.type === query.type) &&
          (!query.tenant || j.tenant === query.tenant),
      )
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
      .slice(0, limit)
      .map(view);
  }

  async cancel(id: string): Promise<JobView> {
    const job = await this.load(id);
    if (TERMINAL.has(job.state)) {
      throw new TsiotError('conflict', `Job ${id} already finished (${job.state}); there is nothing to cancel`, {
        details: { id, state: job.state },
      });
    }
    const run = this.running.get(id);
    if (run) {
      run.cancel.abort();
      await run.done;
      return view(run.job);
    }
    this.pending.delete(id);
    job.state = 'cancelled';
    job.finishedAt = new Date().toISOString();
    await this.save(job);
    await this.publish('job.cancelled', job, {});
    return view(job);
  }

  async deadLetters(limit = 100): Promise<JobView[]> {
    return this.list({ state: 'dead', limit });
  }

  async requeue(id: string): Promise<JobView> {
    const job = await this.load(id);
    if (job.state !== 'dead') {
      throw new TsiotError('conflict', `Job ${id} is ${job.state}, not in the dead-letter queue`, {
        details: { id, state: job.state },
        hint: 'List dead jobs with list_jobs state="dead".',
      });
    }
    job.state = 'queued';
    job.attempts = 0;
    job.notBefore = 0;
    delete job.finishedAt;
    await this.save(job);
    await this.publish('job.requeued', job, {});
    const queued = view(job);
    this.pending.set(job.id, job);
    this.pump();
    return queued;
  }

  async schedule(req: ScheduleRequest): Promise<ScheduleView> {
    const s = parseInput(ScheduleRequestSchema, req, 'schedule', { cron: '0 * * * *' });
    const next = nextCronRun(s.cron, s.tz);
    normalizeStart({ ...s.job, delayMs: 0 }, this.registry); // refuse bad job data now, not at the first run
    const stored: StoredSchedule = {
      id: s.id,
      cron: s.cron,
      tz: s.tz,
      type: s.job.type,
      job: s.job,
      next: next.toISOString(),
      nextAt: next.getTime(),
    };
    await this.withScheduleLock(() => this.docs.putDocument(SCHEDULES_COLLECTION, s.id, stored));
    return scheduleView(stored);
  }

  async schedules(): Promise<ScheduleView[]> {
    return (await this.docs.listDocuments<StoredSchedule>(SCHEDULES_COLLECTION, { limit: 10_000 })).map((d) =>
      scheduleView(d.doc),
    );
  }

  async unschedule(id: string): Promise<boolean> {
    return this.withScheduleLock(() => this.docs.deleteDocument(SCHEDULES_COLLECTION, id));
  }

  /**
   * Schedule changes and the scheduler's tick run one at a time: a tick that
   * read a schedule must not write it back after it was removed, and a slow
   * tick must not overlap the next one and fire a run twice.
   */
  private withScheduleLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.scheduleLock.then(fn, fn);
    this.scheduleLock = run.catch(() => undefined);
    return run;
  }

  onChange(listener: (jobId: string, event: TsiotEvent) => void): () => void {
    return this.events.subscribe((e) => {
      if (e.jobId) listener(e.jobId, e);
    });
  }

  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    clearTimeout(this.wakeTimer);
    const finished = Promise.allSettled([...this.running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([finished, timeUp]);
    clearTimeout(timer);
    if (this.running.size) this.logger.info({ jobs: [...this.running.keys()] }, 'handing back running jobs');
    // closed first: an aborted job then stays "running" in storage and resumes at the next start
    this.closed = true;
    for (const r of this.running.values()) r.cancel.abort(new Error('shutdown'));
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.scheduleTimer);
    clearTimeout(this.wakeTimer);
    await this.scheduleLock; // a tick in flight finishes before the documents close
    for (const r of this.running.values()) r.cancel.abort(new Error('shutdown'));
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  /** A schedule whose time has come starts its job once and moves to its next run (persisted first, so a restart does not fire it twice). */
  private fireDueSchedules(): Promise<void> {
    return this.withScheduleLock(() => this.fireDueSchedulesNow());
  }

  private async fireDueSchedulesNow(): Promise<void> {
    if (this.closed) return;
    const now = Date.now();
    for (const { doc } of await this.docs.listDocuments<StoredSchedule>(SCHEDULES_COLLECTION, { limit: 10_000 })) {
      if (doc.nextAt > now) continue;
      const next = nextCronRun(doc.cron, doc.tz, new Date(Math.max(now, doc.nextAt)));
      await this.docs.putDocument(SCHEDULES_COLLECTION, doc.id, {
        ...doc,
        next: next.toISOString(),
        nextAt: next.getTime(),
      });
      try {
        await this.enqueue(doc.job, doc.id);
      } catch (err) {
        this.logger.warn({ err, schedule: doc.id }, 'scheduled job could not start');
      }
    }
  }

  private pump(): void {
    if (this.closed || this.draining) return;
    clearTimeout(this.wakeTimer);
    const now = Date.now();
    while (this.running.size < this.concurrency) {
      let best: StoredJob | undefined;
      for (const j of this.pending.values()) {
        if (j.notBefore > now) continue;
        if (!best || j.priority < best.priority || (j.priority === best.priority && j.createdAt < best.createdAt))
          best = j;
      }
      if (!best) break;
      this.pending.delete(best.id);
      this.launch(best);
    }
    const later = [...this.pending.values()].map((j) => j.notBefore).filter((t) => t > now);
    if (later.length && this.running.size < this.concurrency) {
      this.wakeTimer = setTimeout(() => this.pump(), Math.min(...later) - now);
      this.wakeTimer.unref();
    }
  }

  private launch(job: StoredJob): void {
    const cancel = new AbortController();
    const entry = { job, cancel, done: Promise.resolve() };
    this.running.set(job.id, entry);
    entry.done = this.execute(job, cancel.signal)
      .catch((err) => this.logger.error({ err, job: job.id }, 'job bookkeeping failed'))
      .finally(() => {
        this.running.delete(job.id);
        this.pump();
      });
  }

  private async execute(job: StoredJob, cancel: AbortSignal): Promise<void> {
    const handler = this.registry.get(job.type);
    job.state = 'running';
    job.attempts += 1;
    job.startedAt = new Date().toISOString();
    job.worker = `${hostname()}:${process.pid}`;
    await this.save(job);
    await this.publish('job.started', job, { attempt: job.attempts });
    let lastProgressAt = 0;
    // progress is saved and published in order, and all of it before the job's outcome
    let progressWritten: Promise<void> = Promise.resolve();
    const log = this.logger.child({ job: job.id });
    try {
      const result = await runAttempt(handler, job.data, {
        jobId: job.id,
        tenant: job.tenant,
        attempt: job.attempts,
        ...(job.traceContext ? { traceContext: job.traceContext } : {}),
        cancel,
        timeoutMs: job.timeoutMs,
        log,
        progress: (p: Progress) => {
          job.progress = p;
          const now = Date.now();
          if (now - lastProgressAt < PROGRESS_EVERY_MS && p.done < p.total) return;
          lastProgressAt = now;
          const snapshot = { ...p };
          progressWritten = progressWritten
            .then(() => this.save(job))
            .then(() => this.publish('job.progress', job, snapshot))
            .then(
              () => undefined,
              (err: unknown) => log.warn({ err }, 'progress not saved'),
            );
        },
        checkpoint: {
          get: <T>() => job.checkpoint as T | undefined,
          save: async (value: unknown) => {
            job.checkpoint = value;
            await this.save(job);
          },
        },
        emit: async (type, data = {}) => {
          await this.publish(type, job, data);
        },
      });
      await progressWritten;
      job.state = 'completed';
      job.result = result;
      job.finishedAt = new Date().toISOString();
      delete job.error;
      await this.save(job);
      await this.publish('job.completed', job, { result });
    } catch (e) {
      await progressWritten;
      if (this.closed && !cancel.aborted) throw e;
      job.error = toJobError(e);
      if (cancel.aborted) {
        // shutdown leaves the job running in storage: the next start resumes it
        if (this.closed) return;
        job.state = 'cancelled';
        job.finishedAt = new Date().toISOString();
        await this.save(job);
        await this.publish('job.cancelled', job, {});
        return;
      }
      const willRetry = !isPermanentFailure(e) && job.attempts < job.maxAttempts;
      if (willRetry) {
        job.state = 'queued';
        job.notBefore = Date.now() + backoffDelay(job.attempts, job.backoffMs);
        this.pending.set(job.id, job);
      } else {
        job.state = 'dead';
        job.finishedAt = new Date().toISOString();
      }
      await this.save(job);
      await this.publish('job.failed', job, { error: job.error, attempt: job.attempts, willRetry });
    }
  }

  private async load(id: string): Promise<StoredJob> {
    const live = this.running.get(id)?.job ?? this.pending.get(id);
    if (live) return live;
    const doc = await this.docs.getDocument<StoredJob>(JOBS_COLLECTION, id);
    if (!doc)
      throw new TsiotError('not_found', `job "${id}" does not exist`, {
        details: { id },
        hint: 'List jobs with list_jobs.',
      });
    return doc;
  }

  private async allJobs(): Promise<{ id: string; doc: StoredJob }[]> {
    return this.docs.listDocuments<StoredJob>(JOBS_COLLECTION, { limit: 100_000 });
  }

  private save(job: StoredJob): Promise<void> {
    return this.docs.putDocument(JOBS_COLLECTION, job.id, job);
  }

  private async publish(type: string, job: StoredJob, data: Record<string, unknown>): Promise<void> {
    // every job event names its tenant, so a feed can keep each tenant to its own
    await this.events.publish({ type, jobId: job.id, data: { jobType: job.type, ...data, tenant: job.tenant } });
  }
}

function withTrace(carrier: Record<string, string>): { traceContext?: Record<string, string> } {
  return Object.keys(carrier).length ? { traceContext: carrier } : {};
}

function view(job: StoredJob): JobView {
  const { backoffMs: _b, timeoutMs: _t, notBefore: _n, checkpoint: _c, traceContext: _x, ...rest } = job;
  return structuredClone(rest);
}

function scheduleView(s: StoredSchedule): ScheduleView {
  const { nextAt: _n, ...rest } = s;
  return rest;
}
