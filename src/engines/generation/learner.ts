/**
 * The contract of a generator that learns from real data: `fit` turns a
 * prepared training series into a JSON-serialisable state; `load` turns a
 * state back into a sampler. The model registry stores states and keeps
 * loaded samplers in a bounded pool.
 */
import type { RowInfluence } from './row-influence.js';
import type { z } from 'zod';
import type { Rng } from '../../core/rng.js';
import type { AttributeValue, ProgressFn, TimeSeries } from '../../core/types.js';

export type { AttributeValue };

/** Summary of the data a model was trained on (shown by describe_model). */
export interface TrainingSummary {
  points: number;
  columns: { name: string; unit?: string; mean: number; std: number; min: number; max: number }[];
  start: number;
  end: number;
  intervalMs: number;
  /** What was done to the input before fitting (resampling, imputation). */
  notes: string[];
}

/** A regular, gap-free multivariate series ready for fitting. */
export interface TrainingData {
  series: TimeSeries;
  intervalMs: number;
  summary: TrainingSummary;
  /**
   * Independent sequences (windows cut from one source, or the entities of a
   * fleet), each regular and gap-free with the columns of `series`. When set,
   * `series` is their concatenation (for learners that fit one series) and
   * `summary` covers all of them; learners that support it fit within each
   * sequence and never across the joins.
   */
  sequences?: TimeSeries[];
  /**
   * Which training rows each input row moves, when gaps were filled or the
   * sampling resampled by interpolation (absent: one row each, its own).
   * Private learners count these rows in a unit's sensitivity.
   */
  influence?: RowInfluence;
}

/** The sequences a learner should fit: the independent ones when given, else the one training series. */
export function trainingSequences(data: TrainingData): TimeSeries[] {
  return data.sequences && data.sequences.length > 0 ? data.sequences : [data.series];
}

export interface FitContext {
  rng: Rng;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /**
   * Save a resumable checkpoint (JSON-serialisable). Long learners call it
   * every N iterations; the registry stores the latest one with the fit's
   * inputs so the fit can resume after a restart.
   */
  checkpoint?: (checkpoint: unknown, progress: { done: number; total: number }) => Promise<void>;
  /** The last checkpoint of an earlier, interrupted run of this fit: continue from it. */
  resumeFrom?: unknown;
}

export interface FitResult<S> {
  /** Everything needed to sample again in another process; JSON-serialisable. */
  state: S;
  /** The hyper-parameters actually used (after defaults and automatic choices). */
  hyperParameters: Record<string, unknown>;
  /** Learned quantities worth showing (coefficients, noise variance, final losses). */
  details: Record<string, unknown>;
  /**
   * Differentially private learners: the guarantee of the fit, and the
   * training summary to show instead of the exact one (which would reveal
   * the data's statistics).
   */
  privacy?: { guarantee: Record<string, unknown>; summary: TrainingSummary };
}

/** Where each sampled path starts. */
export type SampleContext = 'end' | 'random' | 'none';

export interface SampleRequest {
  /** Steps per path. */
  length: number;
  /** Number of independent paths. */
  count: number;
  /**
   * `end`: continue after the training data; `random`: condition on the
   * training data up to a random position per path; `none`: start fresh
   * from the model's own stationary behaviour.
   */
  context: SampleContext;
  /**
   * Fix some static attributes of every sampled entity (models that learn
   * per-entity attributes, e.g. `dgan`); the others are sampled.
   */
  attributes?: Record<string, AttributeValue>;
}

/** One sampled entity: its static attributes and its path. */
export interface SampledEntity {
  attributes: Record<string, AttributeValue>;
  path: SampledPath;
}

/** One sampled path: one Float64Array per training column. */
export type SampledPath = Float64Array[];

export interface ColumnForecast {
  column: string;
  mean: number[];
  lower: number[];
  upper: number[];
}

/** A model ready to sample, held in the pool. */
export interface LoadedModel {
  sample(request: SampleRequest, rng: Rng, signal?: AbortSignal): Promise<SampledPath[]>;
  /** Point forecasts with central intervals after the training data, when the model supports it. */
  forecast?(horizon: number, level: number): ColumnForecast[];
  /** Sample entities with their static attributes, when the model learns them. */
  sampleEntities?(request: SampleRequest, rng: Rng, signal?: AbortSignal): Promise<SampledEntity[]>;
  /** Approximate memory held (bytes), for the pool's cap. */
  readonly bytes: number;
  /** Release native or backend memory (tfjs tensors). Idempotent. */
  dispose(): void;
}

export interface LearnedGenerator<O = unknown, S = unknown> {
  readonly name: string;
  /**
   * A differentially private learner: its guarantee covers only what it
   * learns itself, so the registry learns no layer (constraints, missing-value
   * pattern, categories) from the raw data around it.
   */
  readonly private?: boolean;
  /** Options accepted by fit, validated before training starts. */
  readonly fitOptionsSchema: z.ZodType<O>;
  /** Fewest training rows the options allow (checked before fitting). */
  minimumRows(options: O): number;
  fit(data: TrainingData, options: O, ctx: FitContext): Promise<FitResult<S>>;
  load(state: S): Promise<LoadedModel>;
}
