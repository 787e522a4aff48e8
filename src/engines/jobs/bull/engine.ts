import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { TsiotError } from '../../../core/errors.js';
import { parseInput } from '../../../core/input-errors.js';
import type { Logger } from '../../../core/logger.js';
import { RedisEventBus } from '../../events/redis-bus.js';
import type { EventBus, TsiotEvent } from '../../events/types.js';
import { nextCronRun } from '../cron.js';
import { newJobId, typeOfJobId } from '../ids.js';
import { RedisRateLimiter, type RateLimit, type RateLimiter } from '../rate-limit.js';
import type { JobHandlerRegistry } from '../registry.js';
import { normalizeStart, ScheduleRequestSchema } from '../request.js';
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
} from '../types.js';
import { connectRedis, guard, pingRedis } from './connection.js';
import { type BullKeys, bullKeys, envelopeOf, jobOptionsOf, viewOf, type Envelope } from './shared.js';

export interface BullJobEngineOptions {
  redisUrl: string;
  /** Validates and prepares job data at submission (the worker runs it). */
  registry: JobHandlerRegistry;
  logger: Logger;
  rateLimit?: RateLimit;
  /** Prefix of every Redis key (default "tsiot"); workers must use the same one. */
  prefix?: string;
  /** The bus to publish job events on (a Redis bus with the same prefix, so workers' events reach it); default one on this connection. */
  events?: EventBus;
}

const QUEUED_STATES = ['waiting', 'prioritized', 'delayed', 'waiting-children', 'paused'] as const;
const BULL_STATES_OF = {
  queued: [...QUEUED_STATES],
  running: ['active'],
  completed: ['completed'],
  dead: ['failed'],
  cancelled: ['failed'],
} as const;

/**
 * The job API on BullMQ: submits to one queue per job type; `tsiot worker`
 * processes (any number, on any machine) run them. Every call answers within
 * a few seconds: `unavailable` when Redis is away, never a hang.
 */
export class BullJobEngine implements JobEngine {
  readonly kind = 'bullmq' as const;
  readonly events: EventBus;
  /** Whether this engine made its bus (and so closes it). */
  private readonly ownsEvents: boolean;
  private readonly redis: Redis;
  private readonly queues = new Map<JobType, Queue<Envelope>>();
  private readonly limiter: RateLimiter | undefined;
  private readonly url: string;
  private readonly keys: BullKeys;

  private constructor(private readonly options: BullJobEngineOptions) {
    this.url = options.redisUrl;
    this.keys = bullKeys(options.prefix);
    this.redis = connectRedis(this.url, 'api');
    this.ownsEvents = !options.events;
    this.events = options.events ?? new RedisEventBus(this.redis, options.logger, this.keys.prefix);
    this.limiter = options.rateLimit
      ? new RedisRateLimiter(this.redis, options.rateLimit, this.keys.prefix)
      : undefined;
    for (const type of JOB_TYPES) {
      const queue = new Queue<Envelope>(type, { connection: this.redis, prefix: this.keys.prefix });
      queue.on('error', () => undefined); // surfaced as `unavailable` by the calls that need Redis
      this.queues.set(type, queue);
    }
  }

  /** Connect and check Redis answers; throws `unavailable` quickly when it does not. */
  static async connect(options: BullJobEngineOptions): Promise<BullJobEngine> {
    const engine = new BullJobEngine(options);
    try {
      await pingRedis(engine.url, engine.redis);
    } catch (e) {
      await engine.close();
      throw e;
    }
    return engine;
  }

  async start(req: StartJobRequest): Promise<JobView> {
    const n = normalizeStart(req, this.options.registry);
    return guard(this.url, async () => {
      await this.limiter?.take(n.tenant);
      const id = newJobId(n.type);
      const job = await this.queue(n.type).add(n.type, envelopeOf(n), { ...jobOptionsOf(n), jobId: id });
      await this.events.publish({
        type: 'job.queued',
        jobId: id,
        data: { jobType: n.type, priority: n.priority, tenant: n.tenant },
      });
      return viewOf(job, n.delayMs ? 'delayed' : 'waiting');
    });
  }

  async get(id: string): Promise<JobView> {
    return guard(this.url, async () => {
      const found = await this.find(id);
      if (found) return this.snapshot(found);
      const tomb = await this.redis.hget(this.keys.tombstones, id);
      if (tomb) return JSON.parse(tomb) as JobView;
      throw new TsiotError('not_found', `job "${id}" does not exist`, {
        details: { id },
        hint: 'List jobs with list_jobs; finished jobs are kept 7 days (dead ones 30).',
      });
    });
  }

  async counts(): Promise<JobCounts> {
    return guard(this.url, async () => {
      const byState: Record<JobState, number> = { queued: 0, running: 0, completed: 0, dead: 0, cancelled: 0 };
      const queued: JobCounts['queued'] = {};
      for (const type of JOB_TYPES) {
        // "paused" is a state of older BullMQ queues its typings no longer list
        const states = ['active', 'completed', 'failed', ...QUEUED_STATES] as never[];
        const c: Record<string, number> = await this.queue(type).getJobCounts(...states);
        const waiting = QUEUED_STATES.reduce((a, s) => a + (c[s] ?? 0), 0);
        queued[type] = waiting;
        byState.queued += waiting;
        byState.running += c.active ?? 0;
        byState.completed += c.completed ?? 0;
        // BullMQ keeps dead jobs and those cancelled while running in one "failed" set; telling them
        // apart means reading every job, too slow for a scrape, so both count as dead here
        byState.dead += c.failed ?? 0;
      }
      byState.cancelled = await this.redis.hlen(this.keys.tombstones);
      return { byState, queued };
    });
  }

  async list(query: ListJobsQuery = {}): Promise<JobView[]> {
    const limit = query.limit ?? 100;
    const types = query.type ? [query.type] : [...JOB_TYPES];
    const bullStates: string[] = query.state
      ? [...BULL_STATES_OF[query.state]]
      : ['active', ...QUEUED_STATES, 'completed', 'failed'];
    const wanted = (v: JobView) =>
      (!query.state || v.state === query.state) &&
      (!query.tenant || v.tenant === query.tenant) &&
      (!query.type || v.type === query.type);
    // The tenant (and dead vs cancelled, both BullMQ "failed") is only known after reading a job, so
    // each BullMQ state is read page by page, newest first, until it holds `limit` matches or ends.
    const page = Math.max(limit, 200);
    return guard(this.url, async () => {
      const views: JobView[] = [];
      for (const type of types) {
        for (const state of bullStates) {
          let found = 0;
          for (let start = 0; found < limit; start += page) {
            const jobs = await this.queue(type).getJobs([state as never], start, start + page - 1, false);
            for (const job of jobs) {
              if (!job) continue;
              const v = await this.snapshot(job);
              if (!wanted(v)) continue;
              views.push(v);
              found++;
            }
            if (jobs.length < page) break;
          }
        }
      }
      if (!query.state || query.state === 'cancelled') {
        for (const raw of Object.values(await this.redis.hgetall(this.keys.tombstones))) {
          const v = JSON.parse(raw) as JobView;
          if (wanted(v)) views.push(v);
        }
      }
      const unique = new Map(views.map((v) => [v.id, v])); // a job moving between states meanwhile is read twice
      return [...unique.values()]
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
        .slice(0, limit);
    });
  }

  async cancel(id: string): Promise<JobView> {
    const before = await this.get(id);
    if (before.state === 'completed' || before.state === 'dead' || before.state === 'cancelled') {
      throw new TsiotError('conflict', `Job ${id} already finished (${before.state}); there is nothing to cancel`, {
        details: { id, state: before.state },
      });
    }
    return guard(
      this.url,
      async () => {
        await this.redis.set(this.keys.cancelKey(id), '1', 'EX', 86_400);
        const job = await this.find(id);
        if (job && (await job.getState()) !== 'active') {
          try {
            await job.remove();
            const view: JobView = {
              ...viewOf(job, 'waiting'),
              state: 'cancelled',
              finishedAt: new Date().toISOString(),
            };
            await this.redis.hset(this.keys.tombstones, id, JSON.stringify(view));
            await this.events.publish({
              type: 'job.cancelled',
              jobId: id,
              data: { jobType: view.type, tenant: view.tenant },
            });
            return view;
          } catch {
            // picked up meanwhile: cancel it where it runs
          }
        }
        await this.redis.publish(this.keys.cancelChannel, id);
        for (let i = 0; i < 20; i++) {
          const now = await this.get(id);
          if (now.state !== 'running') return now;
          await new Promise((r) => setTimeout(r, 100));
        }
        return this.get(id);
      },
      10_000,
    );
  }

  async deadLetters(limit = 100): Promise<JobView[]> {
    return this.list({ state: 'dead', limit });
  }

  async requeue(id: string): Promise<JobView> {
    const view = await this.get(id);
    if (view.state !== 'dead') {
      throw new TsiotError('conflict', `Job ${id} is ${view.state}, not in the dead-letter queue`, {
        details: { id, state: view.state },
        hint: 'List dead jobs with list_jobs state="dead".',
      });
    }
    return guard(this.url, async () => {
      const job = (await this.find(id))!;
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      await this.events.publish({ type: 'job.requeued', jobId: id, data: { jobType: view.type, tenant: view.tenant } });
      return this.snapshot((await this.find(id))!);
    });
  }

  async schedule(req: ScheduleRequest): Promise<ScheduleView> {
    const s = parseInput(ScheduleRequestSchema, req, 'schedule', { cron: '0 * * * *' });
    nextCronRun(s.cron, s.tz);
    const n = normalizeStart({ ...s.job, delayMs: 0 }, this.options.registry);
    return guard(this.url, async () => {
      // one id, one queue: drop a schedule of the same id from other queues first
      for (const type of JOB_TYPES) if (type !== n.type) await this.queue(type).removeJobScheduler(s.id);
      const { delay: _d, ...opts } = jobOptionsOf(n);
      await this.queue(n.type).upsertJobScheduler(
        s.id,
        { pattern: s.cron, tz: s.tz },
        { name: n.type, data: envelopeOf(n, s.id), opts },
      );
      const found = (await this.schedules()).find((x) => x.id === s.id);
      return (
        found ?? {
          id: s.id,
          cron: s.cron,
          tz: s.tz,
          type: n.type,
          next: nextCronRun(s.cron, s.tz).toISOString(),
          job: s.job,
        }
      );
    });
  }

  async schedules(): Promise<ScheduleView[]> {
    return guard(this.url, async () => {
      const out: ScheduleView[] = [];
      for (const type of JOB_TYPES) {
        for (const s of await this.queue(type).getJobSchedulers(0, -1, true)) {
          const env = s.template?.data as Envelope | undefined;
          const opts = s.template?.opts ?? {};
          out.push({
            id: s.key,
            cron: s.pattern ?? '',
            tz: s.tz ?? 'UTC',
            type,
            next: s.next ? new Date(s.next).toISOString() : null,
            job: {
              type,
              data: env?.data ?? {},
              tenant: env?.tenant ?? 'default',
              timeoutMs: env?.timeoutMs ?? 3_600_000,
              priority: opts.priority ?? 50,
              attempts: opts.attempts ?? 1,
              backoffMs: typeof opts.backoff === 'object' ? (opts.backoff.delay ?? 0) : (opts.backoff ?? 0),
            },
          });
        }
      }
      return out;
    });
  }

  async unschedule(id: string): Promise<boolean> {
    parseInput(z.string().min(1), id, 'schedule id');
    return guard(this.url, async () => {
      let removed = false;
      for (const type of JOB_TYPES) removed = (await this.queue(type).removeJobScheduler(id)) || removed;
      return removed;
    });
  }

  onChange(listener: (jobId: string, event: TsiotEvent) => void): () => void {
    return this.events.subscribe((e) => {
      if (e.jobId) listener(e.jobId, e);
    });
  }

  async close(): Promise<void> {
    if (this.ownsEvents) await this.events.close();
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    this.redis.disconnect();
  }

  private queue(type: JobType): Queue<Envelope> {
    return this.queues.get(type)!;
  }

  /** A consistent view: when the job finished between reading it and reading its state, read it again. */
  private async snapshot(job: Job<Envelope>): Promise<JobView> {
    const state = await job.getState();
    if ((state === 'failed' || state === 'completed') && !job.finishedOn) {
      const fresh = await this.queue(job.queueName as JobType).getJob(job.id!);
      if (fresh) return viewOf(fresh, state);
    }
    return viewOf(job, state);
  }

  private async find(id: string): Promise<Job<Envelope> | undefined> {
    const type = typeOfJobId(id);
    const candidates = type ? [type] : [...JOB_TYPES];
    for (const t of candidates) {
      const job = await this.queue(t).getJob(id);
      if (job) return job;
    }
    return undefined;
  }
}
