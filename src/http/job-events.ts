import type { Context, Hono } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { TsiotError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { EventBus, TsiotEvent } from '../engines/events/types.js';

/** Path of the feed. */
export const JOB_EVENTS_PATH = '/v1/jobs/events';

export interface JobEventsOptions {
  /** The bus to follow, looked up per request (engines.events). */
  events: () => EventBus;
  logger: Logger;
  /** Interval of the keep-alive comments, ms. Default 15000. */
  heartbeatMs?: number;
  /** For one request: whether the caller may see a job's events (its tenant's). Absent: every job. */
  ownsJob?: (c: Context) => (jobId: string) => Promise<boolean>;
}

/** What one client asked to see. */
export interface JobEventFilter {
  job?: string;
  types?: ReadonlySet<string>;
}

const TYPE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const MAX_TYPES = 50;

/** Read `job` and `types` from the query string; invalid_input naming the parameter otherwise. */
export function parseJobEventFilter(query: { job?: string | undefined; types?: string | undefined }): JobEventFilter {
  const filter: JobEventFilter = {};
  if (query.job !== undefined) {
    if (query.job === '' || query.job.length > 128) {
      throw new TsiotError(
        'invalid_input',
        `job: expected a job id of 1–128 characters, got ${JSON.stringify(query.job)}`,
        { details: { field: 'job', example: 'job_3fA9xQ' } },
      );
    }
    filter.job = query.job;
  }
  if (query.types !== undefined) {
    const types = query.types.split(',').map((t) => t.trim());
    const bad = types.find((t) => !TYPE.test(t));
    if (bad !== undefined || types.length > MAX_TYPES) {
      throw new TsiotError(
        'invalid_input',
        `types: expected a comma-separated list of up to ${MAX_TYPES} event types, got ${JSON.stringify(query.types)}`,
        {
          details: { field: 'types', example: 'job.completed,job.failed' },
        },
      );
    }
    filter.types = new Set(types);
  }
  return filter;
}

function matches(filter: JobEventFilter, event: TsiotEvent): boolean {
  return (
    (filter.job === undefined || event.jobId === filter.job) &&
    (filter.types === undefined || filter.types.has(event.type))
  );
}

/**
 * `GET /v1/jobs/events[?job=<id>][&types=job.completed,job.failed]`: a
 * Server-Sent Events feed of job events for dashboards. Each event is sent as
 * `event: <type>`, `id: <event id>`, `data: <TsiotEvent as JSON>`. With `job`,
 * the job's logged history comes first, then live events (each once). A
 * comment line keeps idle connections open; the subscription ends when the
 * client goes away.
 */
export function mountJobEvents(app: Hono, options: JobEventsOptions): void {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  app.get(JOB_EVENTS_PATH, (c) => {
    const filter = parseJobEventFilter({ job: c.req.query('job'), types: c.req.query('types') });
    const signal = c.req.raw.signal;
    const bus = options.events();
    const owns = options.ownsJob?.(c);
    return streamSSE(
      c,
      (stream) => follow(stream, bus, filter, heartbeatMs, signal, owns),
      async (error) => options.logger.warn({ err: error }, 'job event feed failed'),
    );
  });
}

/** Relay matching events to one client until it disconnects. */
async function follow(
  stream: SSEStreamingApi,
  bus: EventBus,
  filter: JobEventFilter,
  heartbeatMs: number,
  signal: AbortSignal,
  owns?: (jobId: string) => Promise<boolean>,
): Promise<void> {
  const pending: TsiotEvent[] = [];
  // a tenant hears only of its own jobs: each job's owner is checked once per feed
  const owned = new Map<string, Promise<boolean>>();
  const mine = (event: TsiotEvent): Promise<boolean> => {
    if (!owns) return Promise.resolve(true);
    if (event.jobId === undefined) return Promise.resolve(false);
    let known = owned.get(event.jobId);
    if (!known) {
      known = owns(event.jobId);
      owned.set(event.jobId, known);
    }
    return known;
  };
  let wake: (() => void) | undefined;
  const nudge = () => {
    wake?.();
    wake = undefined;
  };
  const unsubscribe = bus.subscribe((event) => {
    if (!matches(filter, event)) return;
    pending.push(event);
    nudge();
  });
  const gone = () => stream.aborted || stream.closed || signal.aborted;
  stream.onAbort(nudge);
  signal.addEventListener('abort', nudge, { once: true });
  try {
    const sent = new Set<string>();
    if (filter.job !== undefined) {
      const history = await bus.history(filter.job);
      // events published while the history was read are in both: send them once
      pending.unshift(...history.filter((e) => matches(filter, e)));
    }
    while (!gone()) {
      while (pending.length && !gone()) {
        const event = pending.shift()!;
        if (sent.has(event.id)) continue;
        if (!(await mine(event))) continue;
        if (filter.job !== undefined) sent.add(event.id);
        await stream.writeSSE({ event: event.type, id: event.id, data: JSON.stringify(event) });
      }
      if (gone()) break;
      let timer: NodeJS.Timeout | undefined;
      const beat = await new Promise<boolean>((resolve) => {
        wake = () => resolve(false);
        timer = setTimeout(() => resolve(true), heartbeatMs);
      });
      clearTimeout(timer);
      if (beat && !gone()) await stream.write(': heartbeat\n\n');
    }
  } finally {
    unsubscribe();
    signal.removeEventListener('abort', nudge);
  }
}
