/**
 * What the worker pool can run: pure functions of their input (no storage,
 * no events), so they give the same bytes in a worker as inline. Each takes
 * plain data (typed arrays are copied by structured clone) and reports
 * progress through `progress`.
 */
import { TsiotError } from '../../core/errors.js';
import { createRng, type Seed } from '../../core/rng.js';
import type { Progress, TimeSeries } from '../../core/types.js';
import { createBuiltinFactory } from '../generation/builtin.js';
import type { GenerationOutput } from '../generation/generator.js';
import { type AnalyzeOptions, analyzeSeries } from '../validation/analyze.js';
import { ValidationEngine, type ValidateRequest } from '../validation/engine.js';
import type { RulesInput, ValidationReport } from '../validation/schema.js';
import type { SeriesAnalysis } from '../validation/analyze.js';
import type { ConstraintsInput } from '../generation/constraints/index.js';
import type { CategoricalModel } from '../generation/categorical/index.js';
import type { FitResult, LoadedModel, TrainingData } from '../generation/learner.js';
import type { MissingnessModel } from '../generation/missingness/index.js';
import { fitLayered, type LayeredState } from '../models/layers.js';
import type { ModelRecord } from '../models/record.js';
import { loadModelState, type SampleCall, sampleSeries } from '../models/sampling.js';
import { pooledLearners } from './learners.js';

export interface Tasks {
  analyze: { input: { series: TimeSeries; options: Omit<AnalyzeOptions, 'rules'> }; output: SeriesAnalysis };
  validate: { input: { request: ValidateRequest; defaults?: RulesInput; maxValues: number }; output: ValidationReport };
  generate: {
    input: { generator: string; params: unknown; seed: Seed; config: Record<string, Record<string, unknown>> };
    output: GenerationOutput;
  };
  /** A model fit with its layers; checkpoints are emitted as events ({checkpoint, progress}). */
  fit: {
    input: {
      generator: string;
      data: TrainingData;
      options: unknown;
      seed: Seed;
      resumeFrom?: unknown;
      layers: { constraints: ConstraintsInput | false; missingness?: MissingnessModel; categorical?: CategoricalModel };
    };
    output: FitResult<LayeredState>;
  };
  /** Series sampled from a stored model state (kept loaded in the worker for the next call). */
  sample: { input: { model: ModelRecord; state: unknown; call: SampleCall; seed: Seed }; output: TimeSeries[] };
}

/** A checkpoint a fit in a worker emits, for the registry to store. */
export interface FitCheckpointEvent {
  checkpoint: unknown;
  progress: { done: number; total: number };
}

export type TaskName = keyof Tasks;
export type TaskInput<N extends TaskName> = Tasks[N]['input'];
export type TaskOutput<N extends TaskName> = Tasks[N]['output'];

type Runner<N extends TaskName> = (
  input: TaskInput<N>,
  progress: (p: Progress) => void,
  emit: (event: unknown) => void,
) => Promise<TaskOutput<N>>;

/** Models loaded in this worker, by id (a stored model never changes), least recently used first. */
const loaded = new Map<string, Promise<LoadedModel>>();
const MAX_LOADED = 4;

function loadedModel(model: ModelRecord, state: unknown): Promise<LoadedModel> {
  let m = loaded.get(model.id);
  if (m) loaded.delete(model.id);
  else m = loadModelState(pooledLearners().learner(model.generator), model, state);
  loaded.set(model.id, m);
  m.catch(() => loaded.delete(model.id));
  while (loaded.size > MAX_LOADED) {
    const [oldest, evicted] = loaded.entries().next().value as [string, Promise<LoadedModel>];
    loaded.delete(oldest);
    void evicted.then(
      (e) => e.dispose(),
      () => undefined,
    );
  }
  return m;
}

export const TASKS: { [N in TaskName]: Runner<N> } = {
  async analyze({ series, options }) {
    return analyzeSeries(series, options);
  },
  async validate({ request, defaults, maxValues }, progress) {
    const engine = new ValidationEngine({ maxValues, ...(defaults ? { defaults } : {}) });
    return engine.validate(request, { onProgress: progress });
  },
  async generate({ generator, params, seed, config }, progress) {
    const factory = createBuiltinFactory(config);
    if (!factory.has(generator)) throw new TsiotError('not_found', `generator "${generator}" is not built in`);
    return factory.create(generator).generate(params as never, { rng: createRng(seed), onProgress: progress });
  },
  async fit({ generator, data, options, seed, resumeFrom, layers }, progress, emit) {
    const learner = pooledLearners().learner(generator);
    const ctx = {
      rng: createRng(seed),
      onProgress: progress,
      // the registry stores each checkpoint in order; the fit goes on meanwhile
      checkpoint: async (checkpoint: unknown, p: { done: number; total: number }) =>
        emit({ checkpoint, progress: p } satisfies FitCheckpointEvent),
      ...(resumeFrom !== undefined ? { resumeFrom } : {}),
    };
    return fitLayered(learner, data, options, ctx, layers);
  },
  async sample({ model, state, call, seed }) {
    return sampleSeries(model, await loadedModel(model, state), call, seed);
  },
};
