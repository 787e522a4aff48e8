/** Building the model registry for an Engines context. */
import type { DocumentStore } from '../storage/storage.js';
import { builtinLearners } from './learners.js';
import { DEFAULT_POOL_LIMITS, ModelRegistry } from './registry.js';
import type { PoolLimits } from './pool.js';

/** A registry over the engines' document store (the embedded database unless the series backend keeps documents). */
export function createModelRegistry(documents: DocumentStore, limits: PoolLimits = DEFAULT_POOL_LIMITS): ModelRegistry {
  return new ModelRegistry(documents, builtinLearners(), limits);
}
