import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of one process. Every metric lives in this
 * registry (not prom-client's global one), so two sets of engines in one
 * process — tests, embedded use — never mix their counts.
 *
 * Labels stay low-cardinality: tool, generator, validator, backend,
 * operation, route template, job type and state; never a series id, a
 * tenant or a raw path.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly toolCalls: Counter<'tool' | 'transport' | 'status'>;
  readonly toolDuration: Histogram<'tool' | 'transport' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly storageDuration: Histogram<'backend' | 'operation' | 'status'>;
  readonly generationDuration: Histogram<'generator' | 'status'>;
  readonly generatedValues: Counter<'generator'>;
  readonly validations: Counter<'validator' | 'result'>;
  readonly fitDuration: Histogram<'generator' | 'status'>;
  readonly fits: Counter<'generator' | 'status'>;
  readonly jobRuns: Counter<'type' | 'status'>;
  readonly jobDuration: Histogram<'type' | 'status'>;
  readonly jobs: Gauge<'state'>;
  readonly queueDepth: Gauge<'queue'>;
  /** Where the jobs gauges read from at scrape time; unset until jobs exist. */
  setJobSource(source: JobCountSource | undefined): void;
}

/** What the jobs gauges need of a job engine: counts by state and the number waiting per queue. */
export interface JobCountSource {
  counts(): Promise<{ byState: Record<string, number>; queued: Record<string, number> }>;
}

/** Seconds: from a fast tool call (~1 ms) to a long generation or fit (~5 min). */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'tsiot_' });
  const registers = [registry];
  let jobSource: JobCountSource | undefined;
  // one scrape reads the job counts once for both gauges
  let pending: ReturnType<JobCountSource['counts']> | undefined;
  const readCounts = () => {
    if (!jobSource) return undefined;
    pending ??= jobSource.counts().finally(() => {
      pending = undefined;
    });
    return pending;
  };

  const jobs = new Gauge({
    name: 'tsiot_jobs',
    help: 'Jobs by state (queued, running, completed, dead, cancelled), read from the job engine at scrape time.',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      const counts = await readCounts()?.catch(() => undefined);
      this.reset();
      for (const [state, n] of Object.entries(counts?.byState ?? {})) this.set({ state }, n);
    },
  });
  const queueDepth = new Gauge({
    name: 'tsiot_job_queue_depth',
    help: 'Jobs waiting to run, per queue (job type), read from the job engine at scrape time.',
    labelNames: ['queue'] as const,
    registers,
    async collect() {
      const counts = await readCounts()?.catch(() => undefined);
      this.reset();
      for (const [queue, n] of Object.entries(counts?.queued ?? {})) this.set({ queue }, n);
    },
  });

  return {
    registry,
    toolCalls: new Counter({
      name: 'tsiot_tool_calls_total',
      help: 'Tool calls by tool, transport (stdio, streamable-http, websocket, rest, cli) and status (ok, or the error code).',
      labelNames: ['tool', 'transport', 'status'] as const,
      registers,
    }),
    toolDuration: new Histogram({
      name: 'tsiot_tool_call_duration_seconds',
      help: 'Time to run a tool call, from validated input to result.',
      labelNames: ['tool', 'transport', 'status'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'tsiot_http_request_duration_seconds',
      help: 'HTTP request durations by method, route template and status code.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    }),
    storageDuration: new Histogram({
      name: 'tsiot_storage_operation_duration_seconds',
      help: 'Storage operation durations by backend, operation and status (ok or error).',
      labelNames: ['backend', 'operation', 'status'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    }),
    generationDuration: new Histogram({
      name: 'tsiot_generation_duration_seconds',
      help: 'Time to generate (and store) one request, by generator and status.',
      labelNames: ['generator', 'status'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    }),
    generatedValues: new Counter({
      name: 'tsiot_generated_values_total',
      help: 'Values generated (rows × columns), by generator.',
      labelNames: ['generator'] as const,
      registers,
    }),
    validations: new Counter({
      name: 'tsiot_validation_total',
      help: 'Validator runs by validator and result (passed, failed, error).',
      labelNames: ['validator', 'result'] as const,
      registers,
    }),
    fitDuration: new Histogram({
      name: 'tsiot_model_fit_duration_seconds',
      help: 'Time to fit one model, by generator and status.',
      labelNames: ['generator', 'status'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    }),
    fits: new Counter({
      name: 'tsiot_model_fits_total',
      help: 'Model fits by generator and status (ok, or the error code).',
      labelNames: ['generator', 'status'] as const,
      registers,
    }),
    jobRuns: new Counter({
      name: 'tsiot_job_runs_total',
      help: 'Job attempts run in this process, by job type and status (ok, or the error code).',
      labelNames: ['type', 'status'] as const,
      registers,
    }),
    jobDuration: new Histogram({
      name: 'tsiot_job_run_duration_seconds',
      help: 'Time one job attempt ran in this process, by job type and status.',
      labelNames: ['type', 'status'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    }),
    jobs,
    queueDepth,
    setJobSource(source) {
      jobSource = source;
    },
  };
}

/** The status label of a finished operation: "ok", or the error's code ("internal" for a bug). */
export function statusOf(error: unknown): string {
  if (error === undefined) return 'ok';
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? code : 'internal';
}
