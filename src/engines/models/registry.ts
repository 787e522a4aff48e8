/**
 * The model registry: fits learned generators, persists what they learned
 * through a DocumentStore, lists/describes/deletes models and samples from
 * them through a bounded pool of loaded models.
 *
 * Visibility: a model's state is written first and its record second, so a
 * model is listed only once it is complete; a failed or cancelled fit writes
 * nothing, and a failed record write removes the state again.
 */
import { randomBytes } from 'node:crypto';
import { TsiotError } from '../../core/errors.js';
import { parseInput } from '../../core/input-errors.js';
import { createRng, randomSeed, type Seed } from '../../core/rng.js';
import { checkGrid, parseTime } from '../../core/time.js';
import type { ProgressFn, TimeSeries } from '../../core/types.js';
import type { GeneratorFactory } from '../generation/factory.js';
import type { ModelSampler } from '../generation/service.js';
import type { DocumentStore } from '../storage/storage.js';
import type { ColumnForecast, FitResult, LearnedGenerator, LoadedModel, TrainingData } from '../generation/learner.js';
import type { ConstraintsInput } from '../generation/constraints/index.js';
import type { CategoricalModel } from '../generation/categorical/index.js';
import type { MissingnessModel } from '../generation/missingness/index.js';
import {
  type CategoricalInput,
  fitLayered,
  type LayeredState,
  layersOf,
  learnRawCategorical,
  learnRawMissingness,
} from './layers.js';
import { ModelPool, type PoolLimits } from './pool.js';
import { loadModelState, type SampleCall, sampleSeries, sampleStart } from './sampling.js';
import type { WorkerPool } from '../workers/pool.js';
import type { FitCheckpointEvent, TaskInput } from '../workers/tasks.js';
import { POOLED_LEARNERS } from '../workers/learners.js';
import {
  CHECKPOINTS_COLLECTION,
  type CheckpointRecord,
  type CheckpointSeries,
  type FitStatus,
  MODEL_STATES_COLLECTION,
  MODELS_COLLECTION,
  type ModelRecord,
} from './record.js';
import { type SampleParams, SampleParamsSchema } from './schemas.js';
import { prepareTrainingData } from './training-data.js';
import { prepareTrainingSequences } from './training-sequences.js';

export interface FitRequest {
  generator: string;
  /**
   * One series, or several independent ones (the entities of a fleet, or
   * windows): each keeps its own `metadata.attributes`, which learners of
   * static attributes (dgan) learn; every series needs the same columns.
   */
  data: TimeSeries | TimeSeries[];
  /** Generator-specific fit options, validated by its schema. */
  options?: unknown;
  columns?: string[];
  seed?: Seed;
  name?: string;
  sourceSeriesId?: string;
  /** Stored series of a multi-series fit, when they came from storage. */
  sourceSeriesIds?: string[];
  /**
   * Constraints to learn and enforce in every sample (bounds, whole numbers,
   * counters, angles; see ConstraintsSchema). Default: learned from the data;
   * false: none (the learner's raw output).
   */
  constraints?: ConstraintsInput | false;
  /** Learn the raw data's missing-value pattern and put it on samples (default true). */
  missingness?: boolean;
  /** Text columns of a single training series, aligned with its rows, copied as categories. */
  categorical?: CategoricalInput[];
  /** A resumed fit: the layers the interrupted one learned from the raw data. */
  learnedLayers?: { missingness?: MissingnessModel; categorical?: CategoricalModel };
}

export interface FitCallOptions {
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

export type { SampleCall };

/**
 * Fits and long samplings of built-in learners run in the worker pool, so a
 * fit never holds the event loop; a plugin's learner runs inline.
 */
export interface ModelWorkers {
  pool: WorkerPool;
  /** Values (rows × count × columns) from which a sampling goes to the pool; default 200,000. */
  sampleValues: number;
}

export interface SampleResult {
  model: ModelRecord;
  seed: Seed;
  series: TimeSeries[];
}

export const DEFAULT_POOL_LIMITS: PoolLimits = { maxModels: 16, maxBytes: 256 * 1024 * 1024 };

/** A fresh model id. */
export function newModelId(): string {
  return `mdl_${randomBytes(9).toString('base64url')}`;
}

/**
 * Learners come from the generator factory, so a plugin's learner is fitted,
 * stored and sampled like a built-in one. A model keeps the generator name
 * it was fitted under (an alias such as "ydata" stays "ydata").
 */
export class ModelRegistry implements ModelSampler {
  private readonly pool: ModelPool;
  private readonly running = new Map<string, { status: FitStatus; controller: AbortController }>();

  private readonly workers: ModelWorkers | undefined;

  constructor(
    private readonly store: DocumentStore,
    private readonly factory: GeneratorFactory,
    limits: PoolLimits = DEFAULT_POOL_LIMITS,
    workers?: { pool: WorkerPool; sampleValues?: number },
  ) {
    this.pool = new ModelPool(limits);
    this.workers = workers ? { pool: workers.pool, sampleValues: workers.sampleValues ?? 200_000 } : undefined;
  }

  /** A generator whose learner a pool worker holds (the very definition, not a plugin under its name). */
  private pooled(generator: string): boolean {
    return POOLED_LEARNERS.has(this.factory.definition(generator));
  }

  /** Names (and aliases) of the generators that can be fitted. */
  generators(): string[] {
    return this.factory.fittable();
  }

  /** The learner of a fittable generator; invalid_input naming the fittable ones otherwise. */
  learner(name: string): LearnedGenerator<any, any> {
    return this.factory.learner(name);
  }

  /** Fit and save a model; resolves with its record once it is stored. */
  async fit(req: FitRequest, call: FitCallOptions = {}, id = newModelId(), resumeFrom?: unknown): Promise<ModelRecord> {
    const learner = this.learner(req.generator);
    const generator = req.generator;
    const options = parseInput(learner.fitOptionsSchema, req.options ?? {}, `fit options for "${generator}"`);
    // a private learner's guarantee would not cover layers learned from the raw data
    const privateFit = learner.private === true;
    const constraints = privateFit ? false : (req.constraints ?? {});
    const data = prepareRequestData(req, constraints !== false);
    const layerColumns = data.series.columns.map((c) => c.name);
    const missingness = privateFit
      ? undefined
      : (req.learnedLayers?.missingness ??
        (req.missingness === false ? undefined : learnRawMissingness(req.data, layerColumns)));
    const categorical = privateFit
      ? undefined
      : (req.learnedLayers?.categorical ??
        (Array.isArray(req.data) ? undefined : learnRawCategorical(req.data, req.categorical)));
    if (missingness)
      data.summary.notes.push(
        'the missing-value pattern (rate, run lengths, columns missing together) was learned before filling and is put back on samples (missing: "fill" for complete ones)',
      );
    if (categorical) {
      const names = [...categorical.attributes.names, ...categorical.chains.map((c) => c.name)];
      data.summary.notes.push(`text column(s) ${names.map((n) => `"${n}"`).join(', ')} copied as categories`);
    }
    const min = learner.minimumRows(options);
    if (data.summary.points < min) {
      throw new TsiotError(
        'invalid_input',
        `data: ${data.summary.points} rows is too little for "${generator}" with these options; at least ${min} are needed`,
        {
          details: { field: 'data', rows: data.summary.points, minimum: min },
          hint: 'Give a longer series, or a shorter window / season / lower order.',
        },
      );
    }
    const seed = req.seed ?? randomSeed();
    const started = performance.now();
    const cancelled = () =>
      new TsiotError('cancelled', `Fitting model ${id} was cancelled; nothing was saved`, { details: { id } });
    if (call.signal?.aborted) throw cancelled();
    // The prepared data a resume needs, converted once for every checkpoint.
    let kept: Pick<CheckpointRecord, 'data' | 'sequences'> | undefined;
    const checkpoint = async (cp: unknown, progress: { done: number; total: number }) => {
      kept ??= data.sequences
        ? { sequences: data.sequences.map((s) => toCheckpointSeries(s, true)) }
        : { data: toCheckpointSeries(data.series, false) };
      const doc: CheckpointRecord = {
        id,
        generator,
        savedAt: new Date().toISOString(),
        progress,
        request: {
          options: req.options ?? {},
          seed,
          ...(req.columns ? { columns: req.columns } : {}),
          ...(req.name ? { name: req.name } : {}),
          ...(req.sourceSeriesId ? { sourceSeriesId: req.sourceSeriesId } : {}),
          ...(req.sourceSeriesIds ? { sourceSeriesIds: req.sourceSeriesIds } : {}),
          constraints,
          ...(missingness || categorical
            ? { layers: { ...(missingness ? { missingness } : {}), ...(categorical ? { categorical } : {}) } }
            : {}),
        },
        ...kept,
        checkpoint: cp,
      };
      await this.store.putDocument(CHECKPOINTS_COLLECTION, id, doc);
    };
    let result: Awaited<ReturnType<typeof fitLayered>>;
    try {
      const ctx = {
        rng: createRng(seed),
        checkpoint,
        ...(resumeFrom !== undefined ? { resumeFrom } : {}),
        ...(call.signal ? { signal: call.signal } : {}),
        ...(call.onProgress ? { onProgress: call.onProgress } : {}),
      };
      const layers = {
        constraints,
        ...(missingness ? { missingness } : {}),
        ...(categorical ? { categorical } : {}),
      };
      result =
        this.workers && this.pooled(generator)
          ? await this.fitInPool(
              this.workers.pool,
              { generator, data, options, seed, resumeFrom, layers },
              call,
              checkpoint,
            )
          : await fitLayered(learner, data, options, ctx, layers);
    } catch (e) {
      // An explicit cancel or a failure discards the checkpoint; only a process that dies keeps it for resume().
      await this.store.deleteDocument(CHECKPOINTS_COLLECTION, id).catch(() => undefined);
      if (call.signal?.aborted) throw cancelled();
      throw e;
    }
    if (call.signal?.aborted) {
      await this.store.deleteDocument(CHECKPOINTS_COLLECTION, id).catch(() => undefined);
      throw cancelled();
    }
    const trainingMs = Math.round(performance.now() - started);
    const stateJson = JSON.stringify(result.state);
    const record: ModelRecord = {
      id,
      name: req.name ?? defaultName(generator, req.data),
      generator,
      createdAt: new Date().toISOString(),
      seed,
      hyperParameters: result.hyperParameters,
      details: result.details,
      training: result.privacy?.summary ?? data.summary,
      ...(result.privacy ? { privacy: result.privacy.guarantee } : {}),
      trainingMs,
      columns: data.series.columns.map((c) => c.name),
      ...(req.sourceSeriesId ? { sourceSeriesId: req.sourceSeriesId } : {}),
      ...(req.sourceSeriesIds ? { sourceSeriesIds: req.sourceSeriesIds } : {}),
      ...(data.sequences ? { sequences: data.sequences.length } : {}),
      layers: layersOf(result.state),
      stateSize: stateJson.length,
    };
    await this.store.putDocument(MODEL_STATES_COLLECTION, id, result.state);
    try {
      await this.store.putDocument(MODELS_COLLECTION, id, record);
    } catch (e) {
      await this.store.deleteDocument(MODEL_STATES_COLLECTION, id).catch(() => undefined);
      throw e;
    }
    await this.store.deleteDocument(CHECKPOINTS_COLLECTION, id).catch(() => undefined);
    return record;
  }

  /**
   * A fit in a pool worker: progress passed on, each checkpoint it emits
   * stored in order (all of them written before this returns), cancelled
   * through the call's signal (the worker is terminated).
   */
  private async fitInPool(
    pool: WorkerPool,
    input: Omit<TaskInput<'fit'>, 'resumeFrom'> & { resumeFrom: unknown },
    call: FitCallOptions,
    checkpoint: (cp: unknown, progress: { done: number; total: number }) => Promise<void>,
  ): Promise<FitResult<LayeredState>> {
    let writes = Promise.resolve();
    let failed: { error: unknown } | undefined;
    const { resumeFrom, ...rest } = input;
    const run = pool.run<FitResult<LayeredState>>(
      'fit',
      { ...rest, ...(resumeFrom !== undefined ? { resumeFrom } : {}) } satisfies TaskInput<'fit'>,
      {
        ...(call.signal ? { signal: call.signal } : {}),
        ...(call.onProgress ? { onProgress: call.onProgress } : {}),
        onEvent: (e) => {
          const { checkpoint: cp, progress } = e as FitCheckpointEvent;
          writes = writes
            .then(() => checkpoint(cp, progress))
            .catch((error: unknown) => {
              failed ??= { error };
            });
        },
      },
    );
    const settled = await run.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await writes;
    if ('error' in settled) throw settled.error;
    // a checkpoint that could not be stored fails the fit, as it does inline
    if (failed) throw failed.error;
    return settled.value;
  }

  /** Fits interrupted by a restart that can be resumed from their last checkpoint. */
  async resumable(): Promise<Pick<CheckpointRecord, 'id' | 'generator' | 'savedAt' | 'progress'>[]> {
    const docs = await this.store.listDocuments<CheckpointRecord>(CHECKPOINTS_COLLECTION);
    return docs
      .filter((d) => !this.running.has(d.id))
      .map(({ doc }) => ({ id: doc.id, generator: doc.generator, savedAt: doc.savedAt, progress: doc.progress }));
  }

  /**
   * Continue an interrupted fit from its last checkpoint, under the same
   * model id. `options` overrides stored fit options (e.g. a longer budget).
   */
  async resume(id: string, call: FitCallOptions = {}, options?: Record<string, unknown>): Promise<ModelRecord> {
    const doc = await this.store.getDocument<CheckpointRecord>(CHECKPOINTS_COLLECTION, id);
    if (!doc)
      throw new TsiotError('not_found', `No checkpoint for "${id}"`, {
        details: { id },
        hint: 'Only fits interrupted by a restart leave a checkpoint; start a new fit.',
      });
    const data = doc.sequences
      ? doc.sequences.map(fromCheckpointSeries)
      : doc.data
        ? fromCheckpointSeries(doc.data)
        : undefined;
    if (!data)
      throw new TsiotError('internal', `The checkpoint of "${id}" holds no training data`, {
        details: { id },
        hint: 'Delete it with delete_model and start a new fit.',
      });
    const { columns, seed, name, sourceSeriesId, sourceSeriesIds, constraints, layers } = doc.request;
    return this.fit(
      {
        generator: doc.generator,
        data,
        options: { ...(doc.request.options as Record<string, unknown>), ...(options ?? {}) },
        seed,
        ...(columns ? { columns } : {}),
        ...(name ? { name } : {}),
        ...(sourceSeriesId ? { sourceSeriesId } : {}),
        ...(sourceSeriesIds ? { sourceSeriesIds } : {}),
        ...(constraints !== undefined ? { constraints } : {}),
        // The raw data is gone (the checkpoint keeps it prepared): what was learned from it is reused.
        missingness: false,
        learnedLayers: layers ?? {},
      },
      call,
      id,
      doc.checkpoint,
    );
  }

  /**
   * Start a fit in the background and return its id at once. Progress and
   * failures are visible through status(id) until the model is stored.
   */
  startFit(req: FitRequest, onProgress?: ProgressFn): { id: string; done: Promise<ModelRecord> } {
    return this.background(newModelId(), req.generator, (id, call) => this.fit(req, call, id), onProgress);
  }

  /** resume() in the background, like startFit. */
  async startResume(
    id: string,
    onProgress?: ProgressFn,
    options?: Record<string, unknown>,
  ): Promise<{ id: string; done: Promise<ModelRecord> }> {
    if (this.running.get(id)?.status.status === 'training')
      throw new TsiotError('conflict', `The fit of "${id}" is already running`, { details: { id } });
    const doc = await this.store.getDocument<CheckpointRecord>(CHECKPOINTS_COLLECTION, id);
    if (!doc)
      throw new TsiotError('not_found', `No checkpoint for "${id}"`, {
        details: { id },
        hint: 'Only fits interrupted by a restart leave a checkpoint; start a new fit.',
      });
    return this.background(id, doc.generator, (_, call) => this.resume(id, call, options), onProgress);
  }

  private background(
    id: string,
    generator: string,
    run: (id: string, call: FitCallOptions) => Promise<ModelRecord>,
    onProgress?: ProgressFn,
  ): { id: string; done: Promise<ModelRecord> } {
    const controller = new AbortController();
    const status: FitStatus = { id, generator, status: 'training', startedAt: new Date().toISOString() };
    this.running.set(id, { status, controller });
    const done = run(id, {
      signal: controller.signal,
      onProgress: (p) => {
        status.progress = p;
        onProgress?.(p);
      },
    });
    done.then(
      () => this.running.delete(id),
      (e: unknown) => {
        status.status = controller.signal.aborted ? 'cancelled' : 'failed';
        status.error = { code: e instanceof TsiotError ? e.code : 'internal', message: (e as Error).message };
      },
    );
    return { id, done };
  }

  /** The status of a fit started in this process, if it has not finished successfully. */
  status(id: string): FitStatus | undefined {
    return this.running.get(id)?.status;
  }

  /** Fits started in this process that have not been stored (training, failed or cancelled). */
  fits(): FitStatus[] {
    return [...this.running.values()].map((r) => r.status);
  }

  /** Forget a failed or cancelled fit's status. */
  forget(id: string): boolean {
    const r = this.running.get(id);
    if (!r || r.status.status === 'training') return false;
    return this.running.delete(id);
  }

  /** Cancel a running fit; true when one was running. */
  cancel(id: string): boolean {
    const r = this.running.get(id);
    if (r?.status.status !== 'training') return false;
    r.controller.abort();
    return true;
  }

  async list(page: { limit?: number; offset?: number } = {}): Promise<ModelRecord[]> {
    const docs = await this.store.listDocuments<ModelRecord>(MODELS_COLLECTION, page);
    return docs.map((d) => d.doc);
  }

  /** The record of a stored model; not_found otherwise. */
  async get(id: string): Promise<ModelRecord> {
    const rec = await this.store.getDocument<ModelRecord>(MODELS_COLLECTION, id);
    if (!rec) {
      const running = this.status(id);
      throw new TsiotError(
        'not_found',
        running ? `Model "${id}" is not ready (${running.status})` : `Model "${id}" does not exist`,
        {
          details: { id, ...(running ? { fit: running } : {}) },
          hint:
            running?.status === 'training'
              ? 'Wait for the fit to finish and retry.'
              : 'Call list_models to see the saved models.',
        },
      );
    }
    return rec;
  }

  /** Delete a model and release it from the pool; true when it existed. */
  async delete(id: string): Promise<boolean> {
    const existed = await this.store.deleteDocument(MODELS_COLLECTION, id);
    await this.store.deleteDocument(MODEL_STATES_COLLECTION, id);
    await this.store.deleteDocument(CHECKPOINTS_COLLECTION, id);
    this.pool.remove(id);
    return existed;
  }

  /** Attach measured fidelity scores to a model's record. */
  async setFidelity(id: string, fidelity: Record<string, unknown>): Promise<ModelRecord> {
    const rec = await this.get(id);
    const next = { ...rec, fidelity };
    await this.store.putDocument(MODELS_COLLECTION, id, next);
    return next;
  }

  /**
   * Sample new series from a saved model; the same seed gives the same
   * values. Models that learned static attributes (dgan) sample entities:
   * `call.attributes` fixes some of them, and each series carries its
   * entity's attributes in `metadata.attributes`.
   */
  async sample(id: string, call: SampleCall, signal?: AbortSignal): Promise<SampleResult> {
    const model = await this.get(id);
    const seed = call.seed ?? randomSeed();
    const count = call.count ?? 1;
    const context = call.context ?? 'end';
    checkGrid(
      sampleStart(model, call),
      model.training.intervalMs,
      call.length,
      context === 'end' ? 'context' : 'start',
    );
    const values = call.length * count * model.columns.length;
    const series =
      this.workers && values >= this.workers.sampleValues && this.pooled(model.generator)
        ? await this.workers.pool.run<TimeSeries[]>(
            'sample',
            { model, state: await this.state(model), call, seed } satisfies TaskInput<'sample'>,
            signal ? { signal } : {},
          )
        : await this.withModel(model, (m) => sampleSeries(model, m, call, seed, signal));
    return { model, seed, series };
  }

  async planSample(id: string, params: unknown): Promise<{ generator: string; params: SampleParams; points: number }> {
    const model = await this.get(id);
    const p = parseInput(SampleParamsSchema, params, `sampling options for model "${id}"`, {
      length: 1440,
      count: 3,
      context: 'none',
      attributes: { site: 'plant-3' },
    });
    return { generator: model.generator, params: p, points: p.length * p.count * model.columns.length };
  }

  async sampleModel(id: string, params: unknown, seed: Seed, signal?: AbortSignal): Promise<TimeSeries[]> {
    const p = params as SampleParams;
    const res = await this.sample(
      id,
      {
        length: p.length,
        count: p.count,
        context: p.context,
        seed,
        ...(p.attributes ? { attributes: p.attributes } : {}),
        missing: p.missing,
        ...(p.start !== undefined ? { startMs: parseTime(p.start, 'start') } : {}),
      },
      signal,
    );
    return res.series;
  }

  /** Point forecasts with intervals after the training data, for models that support them. */
  async forecast(
    id: string,
    horizon: number,
    level = 0.95,
  ): Promise<{ model: ModelRecord; forecast: ColumnForecast[] }> {
    const model = await this.get(id);
    const forecast = await this.withModel(model, (m) => {
      if (!m.forecast)
        throw new TsiotError('unsupported', `Generator "${model.generator}" does not produce forecasts`, {
          details: { id, generator: model.generator },
        });
      return m.forecast(horizon, level);
    });
    return { model, forecast };
  }

  poolStats() {
    return this.pool.stats();
  }

  /** Cancel running fits and dispose loaded models. */
  close(): void {
    for (const r of this.running.values()) r.controller.abort();
    this.pool.clear();
  }

  private async state(model: ModelRecord): Promise<unknown> {
    const state = await this.store.getDocument(MODEL_STATES_COLLECTION, model.id);
    if (state === undefined)
      throw new TsiotError('not_found', `The state of model "${model.id}" is missing from storage`, {
        details: { id: model.id },
      });
    return state;
  }

  private withModel<T>(model: ModelRecord, use: (m: LoadedModel) => Promise<T> | T): Promise<T> {
    return this.pool.with(
      model.id,
      async () => loadModelState(this.learner(model.generator), model, await this.state(model)),
      use,
    );
  }
}

/** Training data of a request: one series, or several as independent sequences. */
function prepareRequestData(req: FitRequest, allowConstant: boolean): TrainingData {
  const options = { ...(req.columns ? { columns: req.columns } : {}), allowConstant };
  return Array.isArray(req.data) ? prepareTrainingSequences(req.data, options) : prepareTrainingData(req.data, options);
}

/** The default model name: the generator and the data's name (or how many series it had). */
function defaultName(generator: string, data: TimeSeries | TimeSeries[]): string {
  if (Array.isArray(data)) return `${generator}-${data.length}-series`;
  return `${generator}-${data.name || data.id || 'data'}`;
}

/** A prepared series as a checkpoint keeps it; `entity` keeps its id and attributes too. */
function toCheckpointSeries(s: TimeSeries, entity: boolean): CheckpointSeries {
  const attributes = s.metadata.attributes;
  return {
    name: s.name,
    ...(entity ? { id: s.id } : {}),
    ...(entity && attributes ? { attributes } : {}),
    timestamps: Array.from(s.timestamps),
    columns: s.columns.map((c) => ({
      name: c.name,
      ...(c.unit !== undefined ? { unit: c.unit } : {}),
      values: Array.from(c.values),
    })),
  };
}

function fromCheckpointSeries(c: CheckpointSeries): TimeSeries {
  return {
    id: c.id ?? c.name,
    name: c.name,
    metadata: { tags: {}, ...(c.attributes ? { attributes: c.attributes } : {}) },
    timestamps: Float64Array.from(c.timestamps),
    columns: c.columns.map((col) => ({ ...col, values: Float64Array.from(col.values) })),
    labels: [],
  };
}
