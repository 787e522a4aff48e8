/** Building the model registry for an Engines context. */
import type { GeneratorFactory } from '../generation/factory.js';
import type { DocumentStore } from '../storage/storage.js';
import type { WorkerPool } from '../workers/pool.js';
import type { PoolLimits } from './pool.js';
import { DEFAULT_POOL_LIMITS, ModelRegistry } from './registry.js';

/**
 * A registry over the engines' document store (the embedded database unless
 * the series backend keeps documents), fitting the learners of the factory
 * (the built-in ones in `workers`' threads when given).
 */
export function createModelRegistry(
  documents: DocumentStore,
  generators: GeneratorFactory,
  limits: PoolLimits = DEFAULT_POOL_LIMITS,
  workers?: { pool: WorkerPool; sampleValues?: number },
): ModelRegistry {
  return new ModelRegistry(documents, generators, limits, workers);
}
