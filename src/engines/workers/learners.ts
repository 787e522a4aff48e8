/**
 * The learners a pool worker can fit and sample: those that ship with tsiot
 * (a plugin's learner lives only in the process that loaded it). The
 * registry sends a model to the pool only when its generator is one of these
 * very definitions, so a worker never runs a different learner under the
 * same name.
 */
import { builtinGenerators, createBuiltinFactory } from '../generation/builtin.js';
import type { GeneratorFactory } from '../generation/factory.js';
import type { GeneratorDefinition } from '../generation/generator.js';
import { privateMixtureGenerator } from '../privacy/learners/index.js';

/** The definitions whose learners a worker holds. */
export const POOLED_LEARNERS: ReadonlySet<GeneratorDefinition> = new Set([
  ...builtinGenerators().filter((d) => d.learner !== undefined),
  privateMixtureGenerator,
]);

let factory: GeneratorFactory | undefined;

/** The worker's catalogue of learners (built once per worker). */
export function pooledLearners(): GeneratorFactory {
  if (!factory) {
    factory = createBuiltinFactory();
    factory.register(privateMixtureGenerator);
  }
  return factory;
}
