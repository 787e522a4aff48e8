import { randomBytes } from 'node:crypto';
import { TsiotError, isTsiotError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { createRng } from '../../core/rng.js';
import type { ProgressFn, TimeSeries } from '../../core/types.js';
import type { DocumentStore } from '../storage/storage.js';
import type { WorkerPool } from '../workers/pool.js';
import { type AnalyzeOptions, analyzeSeries, type SeriesAnalysis } from './analyze.js';
import { assertShape } from './dataset.js';
import { buildReport, type ValidatorRun } from './report.js';
import { resolveRules } from './rules.js';
import { ValidationReportSchema, type Rules, type RulesInput, type ValidationReport } from './schema.js';
import { StreamValidator, type StreamEvent, type StreamInput } from './streaming/stream.js';
import type { ValidationData, Validator } from './validator.js';
import { fidelityValidator } from './validators/fidelity.js';
import { privacyValidator } from './validators/privacy.js';
import { qualityValidator } from './validators/quality.js';
import { statisticalValidator } from './validators/statistical.js';
import { temporalValidator } from './validators/temporal.js';

/** The document collection reports are stored in. */
export const REPORTS_COLLECTION = 'reports';

export interface ValidateRequest {
  /** The data under test: one series or a fleet. */
  synthetic: TimeSeries | TimeSeries[];
  /** Real data to compare against; enables the statistical and privacy validators. */
  reference?: TimeSeries | TimeSeries[];
  /** Real data withheld from training: the privacy baseline. */
  holdout?: TimeSeries | TimeSeries[];
  rules?: RulesInput;
}

export interface ValidateOptions {
  signal?: AbortSignal;
  /** Called as validators finish. */
  onProgress?: ProgressFn;
}

export interface ValidationEngineOptions {
  /** Where reports are stored (collection "reports"); without it save/get refuse with `unsupported`. */
  documents?: Partial<DocumentStore>;
  /** Rules from configuration, under the request's own rules. */
  defaults?: RulesInput;
  /** Refuse requests with more values than this (rows × columns over all series); default 50 M. */
  maxValues?: number;
  logger?: Logger;
  /**
   * Worker threads for large or slow validations and analyses (at least
   * `offloadValues` values, or any fidelity run), so they never block the
   * event loop. Without it everything runs inline.
   */
  pool?: WorkerPool;
  /** Values (rows × columns over every series) from which work goes to the pool; default 100,000. */
  offloadValues?: number;
}

const BUILTIN_VALIDATORS = 5;

export interface ValidatorInfo {
  name: string;
  description: string;
  requiresReference: boolean;
}

/** Validators run when the rules name none. */
const DEFAULT_VALIDATORS = ['quality', 'temporal', 'statistical', 'privacy'];

/**
 * The validation engine: runs the selected validators concurrently over one
 * dataset and aggregates their checks into one report with a 0–100 score;
 * validates streams in bounded memory; stores and reads back reports.
 */
export class ValidationEngine {
  private readonly validators = new Map<string, Validator>();
  private readonly documents: Partial<DocumentStore> | undefined;
  private readonly defaults: RulesInput | undefined;
  /** Most values (rows × columns over all series) one validation accepts. */
  readonly maxValues: number;
  private readonly logger: Logger | undefined;
  private readonly pool: WorkerPool | undefined;
  private readonly offloadValues: number;

  constructor(options: ValidationEngineOptions = {}) {
    this.documents = options.documents;
    // configured rules are checked at start, so a bad configuration fails fast and names the field
    if (options.defaults) resolveRules(options.defaults);
    this.defaults = options.defaults;
    this.maxValues = options.maxValues ?? 50_000_000;
    this.logger = options.logger;
    this.pool = options.pool;
    this.offloadValues = options.offloadValues ?? 100_000;
    for (const v of [qualityValidator, temporalValidator, statisticalValidator, privacyValidator, fidelityValidator])
      this.register(v.name, v);
  }

  /** Add a validator under a name (a plugin, or a replacement under a new name). */
  register(name: string, validator: Validator): void {
    if (!/^[a-z][a-z0-9_-]*$/.test(name))
      throw new TsiotError('invalid_input', `validator name "${name}" must match /^[a-z][a-z0-9_-]*$/`);
    if (this.validators.has(name))
      throw new TsiotError('conflict', `A validator named "${name}" is already registered`, { details: { name } });
    this.validators.set(name, validator);
  }

  list(): ValidatorInfo[] {
    return [...this.validators.entries()].map(([name, v]) => ({
      name,
      description: v.description,
      requiresReference: v.requiresReference,
    }));
  }

  /** Complete a request's rules with the configured defaults (throws invalid_input naming a bad field). */
  rules(input?: RulesInput): Rules {
    return resolveRules(this.defaults, input);
  }

  /**
   * Validate a dataset and return one report (not stored; see save). Large
   * datasets and fidelity runs go to the worker pool when there is one (the
   * same engine there, so the same report); plugin validators keep it inline.
   */
  async validate(request: ValidateRequest, options: ValidateOptions = {}): Promise<ValidationReport> {
    if (this.pool && this.validators.size === BUILTIN_VALIDATORS) {
      const rules = this.rules(request.rules);
      const values = [request.synthetic, request.reference, request.holdout].reduce(
        (n, set) =>
          n + (set === undefined ? 0 : asList(set).reduce((m, s) => m + s.timestamps.length * s.columns.length, 0)),
        0,
      );
      if (values >= this.offloadValues || rules.validators?.includes('fidelity')) {
        return this.pool.run<ValidationReport>(
          'validate',
          { request, maxValues: this.maxValues, ...(this.defaults ? { defaults: this.defaults } : {}) },
          {
            ...(options.signal ? { signal: options.signal } : {}),
            ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          },
        );
      }
    }
    return this.validateInline(request, options);
  }

  /** Analyse one series (analyzeSeries), in the worker pool when it is large. */
  async analyze(
    series: TimeSeries,
    options: Omit<AnalyzeOptions, 'rules'> = {},
    signal?: AbortSignal,
  ): Promise<SeriesAnalysis> {
    if (this.pool && series.timestamps.length * Math.max(1, series.columns.length) >= this.offloadValues) {
      return this.pool.run<SeriesAnalysis>('analyze', { series, options }, signal ? { signal } : {});
    }
    return analyzeSeries(series, options);
  }

  private async validateInline(request: ValidateRequest, options: ValidateOptions): Promise<ValidationReport> {
    const started = performance.now();
    const rules = this.rules(request.rules);
    const data: ValidationData = { synthetic: asList(request.synthetic) };
    if (request.reference !== undefined) data.reference = asList(request.reference);
    if (request.holdout !== undefined) data.holdout = asList(request.holdout);
    assertShape(data.synthetic, 'synthetic');
    if (data.reference) assertShape(data.reference, 'reference');
    if (data.holdout) assertShape(data.holdout, 'holdout');
    this.assertSize(data);
    splitCategorical(data);

    const warnings: string[] = [];
    const selected = this.select(rules, data, warnings);
    const rng = createRng(rules.seed);
    let done = 0;
    const runs = await Promise.all(
      selected.map(async ([name, validator]): Promise<ValidatorRun> => {
        const t0 = performance.now();
        try {
          const output = await validator.validate(data, {
            rules,
            rng: rng.fork(name),
            ...(options.signal ? { signal: options.signal } : {}),
          });
          return { name, output, durationMs: performance.now() - t0 };
        } catch (e) {
          if (isTsiotError(e) && (e.code === 'cancelled' || e.code === 'invalid_input')) throw e;
          this.logger?.error({ err: e, validator: name }, 'validator failed');
          const message = isTsiotError(e) ? e.message : 'internal error (see the server log)';
          return {
            name,
            output: {
              checks: [],
              headline: `The ${name} validator could not run: ${message}.`,
              warnings: [`${name}: ${message}`],
            },
            durationMs: performance.now() - t0,
          };
        } finally {
          options.onProgress?.({ done: ++done, total: selected.length, message: `${name} done` });
        }
      }),
    );
    return buildReport(runs, data, rules, warnings, performance.now() - started);
  }

  /**
   * Validate a stream of rows (points or columnar batches) in bounded memory.
   * Yields alerts as they happen, a snapshot every rules.stream.emitEvery rows
   * and a final event with a report.
   */
  validateStream(
    source: AsyncIterable<StreamInput> | Iterable<StreamInput>,
    rules?: RulesInput,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<StreamEvent> {
    return new StreamValidator(this.rules(rules)).run(source, options.signal);
  }

  /** Store a report in the "reports" collection and return it with its id. */
  async save(report: ValidationReport): Promise<ValidationReport & { id: string }> {
    const docs = this.store('store reports');
    const id = report.id ?? newReportId();
    const stored = { ...report, id, createdAt: report.createdAt ?? new Date().toISOString() };
    await docs.putDocument!(REPORTS_COLLECTION, id, stored);
    return stored;
  }

  /** A stored report; throws not_found for an unknown id. */
  async get(id: string): Promise<ValidationReport> {
    const docs = this.store('read reports');
    const doc = await docs.getDocument!<unknown>(REPORTS_COLLECTION, id);
    if (doc === undefined)
      throw new TsiotError('not_found', `Report "${id}" does not exist`, {
        details: { id },
        hint: 'Report ids start with "rep_" and are returned by validate_timeseries.',
      });
    const parsed = ValidationReportSchema.safeParse(doc);
    if (!parsed.success)
      throw new TsiotError('internal', `Stored report "${id}" is not a valid report`, { details: { id } });
    return parsed.data;
  }

  async listReports(
    options: { limit?: number; offset?: number } = {},
  ): Promise<{ id: string; createdAt?: string; score: number | null; verdict: string; summary: string }[]> {
    const docs = this.store('list reports');
    const rows = await docs.listDocuments!<ValidationReport>(REPORTS_COLLECTION, options);
    return rows.map(({ id, doc }) => ({
      id,
      ...(doc.createdAt ? { createdAt: doc.createdAt } : {}),
      score: doc.score ?? null,
      verdict: doc.verdict ?? 'unknown',
      summary: doc.summary ?? '',
    }));
  }

  async deleteReport(id: string): Promise<boolean> {
    return this.store('delete reports').deleteDocument!(REPORTS_COLLECTION, id);
  }

  private store(action: string): DocumentStore {
    const d = this.documents;
    if (!d?.putDocument || !d.getDocument || !d.listDocuments || !d.deleteDocument) {
      throw new TsiotError('unsupported', `The configured storage cannot ${action}: it keeps no documents`, {
        hint: 'Use the embedded DuckDB storage (the default) to keep validation reports.',
      });
    }
    return d as DocumentStore;
  }

  private select(rules: Rules, data: ValidationData, warnings: string[]): [string, Validator][] {
    const names =
      rules.validators ??
      DEFAULT_VALIDATORS.filter((n) => data.reference || !this.validators.get(n)?.requiresReference);
    const unknown = names.filter((n) => !this.validators.has(n));
    if (unknown.length) {
      throw new TsiotError(
        'invalid_input',
        `rules.validators: unknown validator${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}`,
        {
          details: { field: 'rules.validators', unknown, available: [...this.validators.keys()] },
          hint: `Use some of: ${[...this.validators.keys()].join(', ')}`,
        },
      );
    }
    const out: [string, Validator][] = [];
    for (const name of new Set(names)) {
      const v = this.validators.get(name)!;
      if (v.requiresReference && !data.reference) {
        warnings.push(`${name}: skipped, it needs a reference dataset.`);
        continue;
      }
      out.push([name, v]);
    }
    return out;
  }

  private assertSize(data: ValidationData): void {
    let values = 0;
    for (const list of [data.synthetic, data.reference ?? [], data.holdout ?? []]) {
      for (const s of list) values += s.timestamps.length * s.columns.length;
    }
    if (values > this.maxValues) {
      throw new TsiotError(
        'too_large',
        `This validation covers ${values.toLocaleString('en-US')} values; the limit is ${this.maxValues.toLocaleString('en-US')}.`,
        {
          details: { values, limit: this.maxValues },
          hint: 'Validate a time range or a downsampled copy, or use streaming validation, which runs in bounded memory.',
        },
      );
    }
  }
}

/** Move categorical columns out of the numeric series into `data.categorical`. */
function splitCategorical(data: ValidationData): void {
  const hasLevels = (list: TimeSeries[] | undefined) =>
    list?.some((s) => s.columns.some((c) => c.levels !== undefined)) ?? false;
  if (!hasLevels(data.synthetic) && !hasLevels(data.reference)) return;
  const part = (list: TimeSeries[], categorical: boolean) =>
    list.map((s) => ({ ...s, columns: s.columns.filter((c) => (c.levels !== undefined) === categorical) }));
  data.categorical = {
    synthetic: part(data.synthetic, true),
    ...(data.reference ? { reference: part(data.reference, true) } : {}),
  };
  data.synthetic = part(data.synthetic, false);
  if (data.reference) data.reference = part(data.reference, false);
}

function asList(s: TimeSeries | TimeSeries[]): TimeSeries[] {
  return Array.isArray(s) ? s : [s];
}

/** A report id, independent of the data. */
export function newReportId(): string {
  return `rep_${randomBytes(9).toString('base64url')}`;
}
