/** The stored description of a trained model, as listed and described. */
import type { Seed } from '../../core/rng.js';
import type { TrainingSummary } from './learned.js';

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
  /** Fidelity scores, when measured (e.g. by synthesize_like). */
  fidelity?: Record<string, unknown>;
  /** Size of the stored state (JSON characters). */
  stateSize: number;
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

/** A resumable fit: its request, its prepared training data and the learner's latest checkpoint. */
export interface CheckpointRecord {
  id: string;
  generator: string;
  savedAt: string;
  progress: { done: number; total: number };
  request: { options: unknown; columns?: string[]; seed: string | number; name?: string; sourceSeriesId?: string };
  data: { name: string; timestamps: number[]; columns: { name: string; unit?: string; values: number[] }[] };
  checkpoint: unknown;
}
