import type { ToolInput, ToolName, ToolOutput } from './types.js';

export interface TsiotClientOptions {
  /** Where `tsiot serve` listens. Default http://127.0.0.1:8080. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer <token>` when the server requires authentication. */
  token?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** A fetch implementation (default the global one). */
  fetch?: typeof fetch;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** What every tool call answers: the structured result and a one-line summary. */
export interface ToolAnswer<N extends ToolName> {
  result: ToolOutput<N>;
  summary: string;
  images?: { mimeType: string; data: string }[];
}

/** The fields of an RFC 9457 problem document tsiot answers errors with. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  hint?: string;
  details?: Record<string, unknown>;
  retryable: boolean;
}

/** A failed request: the server's problem document, or a transport failure (status 0, code "unavailable"). */
export class TsiotApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;
  readonly retryable: boolean;
  readonly problem?: ProblemDocument;

  constructor(problem: ProblemDocument, options?: { cause?: unknown }) {
    super(problem.detail, options);
    this.name = 'TsiotApiError';
    this.status = problem.status;
    this.code = problem.code;
    if (problem.hint) this.hint = problem.hint;
    if (problem.details) this.details = problem.details;
    this.retryable = problem.retryable;
    this.problem = problem;
  }
}

export type JobView = ToolOutput<'get_job'>['job'];

export interface WaitOptions extends CallOptions {
  /** Called whenever the job's state or progress changes. */
  onProgress?: (job: JobView) => void;
  /** Give up after this long (a TsiotApiError with code "timeout"). Default: wait for ever. */
  timeoutMs?: number;
}

/** A background job: its id, and a way to wait for its end while watching progress. */
export class JobHandle {
  constructor(
    private readonly client: TsiotClient,
    readonly id: string,
    /** The job as last seen. */
    public job: JobView,
  ) {}

  /** Read the job again. */
  async refresh(options: CallOptions = {}): Promise<JobView> {
    this.job = (await this.client.call('get_job', { id: this.id }, options)).result.job;
    return this.job;
  }

  /**
   * Wait until the job is completed, dead or cancelled; resolves with the
   * completed job, rejects with its error otherwise. The server holds each
   * request up to a second, so progress arrives without busy polling.
   */
  async done(options: WaitOptions = {}): Promise<JobView> {
    const until = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : Infinity;
    let seen = '';
    for (;;) {
      const mark = JSON.stringify([this.job.state, this.job.progress]);
      if (mark !== seen) {
        seen = mark;
        options.onProgress?.(this.job);
      }
      if (this.job.state === 'completed') return this.job;
      if (this.job.state === 'dead' || this.job.state === 'cancelled') {
        throw new TsiotApiError({
          type: 'urn:tsiot:problem:job',
          title: `Job ${this.job.state}`,
          status: 0,
          detail: this.job.error?.message ?? `job ${this.id} ended ${this.job.state}`,
          code: this.job.error?.code ?? this.job.state,
          retryable: false,
        });
      }
      const left = until - Date.now();
      if (left <= 0)
        throw new TsiotApiError({
          type: 'urn:tsiot:problem:timeout',
          title: 'Timed out',
          status: 0,
          detail: `job ${this.id} is still ${this.job.state} after ${options.timeoutMs} ms`,
          code: 'timeout',
          retryable: true,
        });
      const waitMs = Math.max(1, Math.min(1_000, Math.floor(left)));
      this.job = (await this.client.call('get_job', { id: this.id, waitMs }, options)).result.job;
    }
  }
}

/**
 * A typed client of the tsiot REST API. Every tool is reachable through
 * `call(name, input)` with its input and output types; the common ones have
 * methods of their own.
 *
 * ```ts
 * const tsiot = new TsiotClient({ baseUrl: 'http://127.0.0.1:8080' });
 * const { series } = await tsiot.generate({ devices: 3, duration: '1d', seed: 42 });
 * const png = await tsiot.plot({ series: series[0].id });
 * ```
 */
export class TsiotClient {
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly fetchImpl: typeof fetch;

  constructor(options: TsiotClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
    this.headers = {
      ...options.headers,
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    };
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Call any tool by name. */
  async call<N extends ToolName>(name: N, input: ToolInput<N>, options: CallOptions = {}): Promise<ToolAnswer<N>> {
    const res = await this.request(`/v1/tools/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(input ?? {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return (await res.json()) as ToolAnswer<N>;
  }

  /** Generate synthetic series (generate_timeseries): stored ids, the seed, labelled anomalies. */
  async generate(input: ToolInput<'generate_timeseries'> = {}, options?: CallOptions) {
    return (await this.call('generate_timeseries', input, options)).result;
  }

  /** Find stored series (list_series). */
  async listSeries(input: ToolInput<'list_series'> = {}, options?: CallOptions) {
    return (await this.call('list_series', input, options)).result;
  }

  /** Read one stored series, optionally a range, columns or buckets (get_series). */
  async getSeries(id: string, input: Omit<ToolInput<'get_series'>, 'id'> = {}, options?: CallOptions) {
    return (await this.call('get_series', { ...input, id }, options)).result;
  }

  async deleteSeries(id: string, options?: CallOptions) {
    return (await this.call('delete_series', { id }, options)).result;
  }

  /** Export series to a file format (export_series). */
  async exportSeries(input: ToolInput<'export_series'>, options?: CallOptions) {
    return (await this.call('export_series', input, options)).result;
  }

  /** Compare two series or fleets statistically (compare_series). */
  async compare(input: ToolInput<'compare_series'>, options?: CallOptions) {
    return (await this.call('compare_series', input, options)).result;
  }

  /** A full trust report with a 0–100 score (validate_timeseries). */
  async validate(input: ToolInput<'validate_timeseries'>, options?: CallOptions) {
    return (await this.call('validate_timeseries', input, options)).result;
  }

  /** Learn from real data and generate look-alike data in one call (synthesize_like). */
  async synthesizeLike(input: ToolInput<'synthesize_like'>, options?: CallOptions) {
    return (await this.call('synthesize_like', input, options)).result;
  }

  async fitModel(input: ToolInput<'fit_model'>, options?: CallOptions) {
    return (await this.call('fit_model', input, options)).result;
  }

  async listModels(input: ToolInput<'list_models'> = {}, options?: CallOptions) {
    return (await this.call('list_models', input, options)).result;
  }

  /** Draw series to an image (plot_series): the bytes, their type, and what was drawn. */
  async plot(
    input: ToolInput<'plot_series'>,
    options?: CallOptions,
  ): Promise<{ image: Uint8Array; mimeType: string; info: ToolOutput<'plot_series'> }> {
    const answer = await this.call('plot_series', input, options);
    const first = answer.images?.[0];
    if (!first) throw new Error('plot_series answered without an image');
    return { image: fromBase64(first.data), mimeType: first.mimeType, info: answer.result };
  }

  /** Start a background job (start_job) and get a handle to wait on. */
  async startJob(input: ToolInput<'start_job'>, options?: CallOptions): Promise<JobHandle> {
    const { job } = (await this.call('start_job', input, options)).result;
    if (!job) throw new Error('start_job created a schedule, not a job: use call("start_job", …) for schedules');
    return new JobHandle(this, job.id, job);
  }

  /** A handle on an existing job. */
  async job(id: string, options?: CallOptions): Promise<JobHandle> {
    const { job } = (await this.call('get_job', { id }, options)).result;
    return new JobHandle(this, id, job);
  }

  /**
   * Every row of a stored series, page by page (get_series), as
   * `{ t, values: { column: number | null } }`, oldest first.
   */
  async *points(
    id: string,
    input: { columns?: string[]; start?: number | string; end?: number | string; pageSize?: number } = {},
    options: CallOptions = {},
  ): AsyncGenerator<{ t: number; values: Record<string, number | null> }> {
    const limit = input.pageSize ?? 1_000;
    let start: number | string | undefined = input.start;
    for (;;) {
      const page = await this.getSeries(
        id,
        {
          limit,
          ...(start !== undefined ? { start } : {}),
          ...(input.end !== undefined ? { end: input.end } : {}),
          ...(input.columns ? { columns: input.columns } : {}),
        },
        options,
      );
      const names = Object.keys(page.values);
      for (let i = 0; i < page.rows; i++) {
        const values: Record<string, number | null> = {};
        for (const n of names) values[n] = page.values[n]![i] ?? null;
        yield { t: page.timestamps[i]!, values };
      }
      if (!page.truncated || page.rows === 0) return;
      start = page.timestamps[page.rows - 1]! + 1;
    }
  }

  /** Liveness of the server. */
  async health(options: CallOptions = {}): Promise<{ status: string; version: string }> {
    const res = await this.request('/healthz', {
      method: 'GET',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return (await res.json()) as { status: string; version: string };
  }

  private async request(path: string, init: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}`, {
        ...init,
        headers: { ...this.headers, ...(init.headers as Record<string, string>) },
      });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new TsiotApiError(
        {
          type: 'urn:tsiot:problem:unavailable',
          title: 'Service unavailable',
          status: 0,
          detail: `Could not reach tsiot at ${this.baseUrl}: ${(e as Error).message}`,
          code: 'unavailable',
          retryable: true,
        },
        { cause: e },
      );
    }
    if (res.ok) return res;
    const text = await res.text();
    let problem: ProblemDocument;
    try {
      problem = JSON.parse(text) as ProblemDocument;
      if (typeof problem.detail !== 'string') throw new Error('not a problem document');
    } catch {
      problem = {
        type: 'about:blank',
        title: res.statusText,
        status: res.status,
        detail: `HTTP ${res.status} from ${path}`,
        code: res.status === 401 ? 'unauthorized' : res.status === 404 ? 'not_found' : 'internal',
        retryable: res.status >= 500,
      };
    }
    throw new TsiotApiError({ ...problem, status: res.status });
  }
}

/** Base64 to bytes with what both Node and browsers have. */
function fromBase64(data: string): Uint8Array {
  return Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
}
