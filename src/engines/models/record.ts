/** The stored description of a trained model, as listed and described. */
import type { Seed } from '../../core/rng.js';
import type { CategoricalModel } from '../generation/categorical/index.js';
import type { ConstraintsInput } from '../generation/constraints/index.js';
import type { TrainingSummary } from '../generation/learner.js';
import type { MissingnessModel } from '../generation/missingness/index.js';
import type { ModelLayers } from './layers.js';

export interface ModelRecord {
  id: string;
  name: string;
  generator: string;
  createdAt: string;
  /** Seed of the training run. */
  seed: Seed;
  hyperParameters: Record<string, unknown>;
  /** Learned quantities (coefficients, noise variance, final losses). */
  details: Record<string, unknown>;
  training: TrainingSummary;
  trainingMs: number;
  /** Column names in the order the model samples them. */
  columns: string[];
  /** Stored series the model was trained on, when it came from storage. */
  sourceSeriesId?: string;
  /** Stored series of a multi-series fit (fleet entities / windows), when they came from storage. */
  sourceSeriesIds?: string[];
  /** Number of independent sequences of a multi-series fit. */
  sequences?: number;
  /** The differential-privacy guarantee of the fit (private learners only): mechanism, ε, δ, ρ, unit. */
  privacy?: Record<string, unknown>;
  /** Fidelity scores, when measured (e.g. by synthesize_like). */
  fidelity?: Record<string, unknown>;
  /** Size of the stored state (JSON characters). */
  stateSize: number;
  /**
   * What the state carries besides the learner's model (constraints, the
   * missing-value pattern, categorical columns); absent on models fitted
   * before layers existed, whose state is the learner's alone.
   */
  layers?: ModelLayers;
}

/** A fit running in this process (not yet in the registry). */
export interface FitStatus {
  id: string;
  generator: string;
  status: 'training' | 'failed' | 'cancelled';
  startedAt: string;
  progress?: { done: number; total: number; message?: string };
  error?: { code: string; message: string };
}

/** Document collections used by the registry. */
export const MODELS_COLLECTION = 'models';
export const MODEL_STATES_COLLECTION = 'model-states';
export const CHECKPOINTS_COLLECTION = 'model-checkpoints';

/** One prepared training series as a checkpoint keeps it. */
export interface CheckpointSeries {
  name: string;
  /** The series id (multi-series fits). */
  id?: string;
  /** The entity's static attributes (multi-series fits). */
  attributes?: Record<string, string | number | boolean>;
  timestamps: number[];
  columns: { name: string; unit?: string; values: number[] }[];
}

/**
 * A resumable fit: its request, its prepared training data and the learner's
 * latest checkpoint. A single-series fit keeps `data`; a multi-series fit
 * keeps every prepared sequence in `sequences` (with its attributes), so a
 * resume needs nothing from series storage.
 */
export interface CheckpointRecord {
  id: string;
  generator: string;
  savedAt: string;
  progress: { done: number; total: number };
  request: {
    options: unknown;
    columns?: string[];
    seed: string | number;
    name?: string;
    sourceSeriesId?: string;
    sourceSeriesIds?: string[];
    constraints?: ConstraintsInput | false;
    /** What was learned from the raw data before it was prepared (a resume sees only the prepared data). */
    layers?: { missingness?: MissingnessModel; categorical?: CategoricalModel };
  };
  data?: CheckpointSeries;
  sequences?: CheckpointSeries[];
  checkpoint: unknown;
}
