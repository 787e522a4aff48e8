import { arimaGenerator } from './arima/index.js';
import { dganGenerator } from './dgan/index.js';
import { GeneratorFactory } from './factory.js';
import type { GeneratorDefinition } from './generator.js';
import { mixtureGenerator } from './mixture/index.js';
import { rnnGenerator } from './rnn/index.js';
import { statisticalGenerator } from './statistical/index.js';
import { timeganGenerator } from './timegan/index.js';

/** The generators that ship with tsiot, fitted or not. */
export function builtinGenerators(): GeneratorDefinition[] {
  // best measured fidelity first: the order the model tools' descriptions list them in
  return [mixtureGenerator, statisticalGenerator, arimaGenerator, rnnGenerator, timeganGenerator, dganGenerator];
}

/** Register the generators that ship with tsiot. */
export function registerBuiltinGenerators(factory: GeneratorFactory): void {
  for (const d of builtinGenerators()) factory.register(d);
}

/** A factory holding the built-in generators (plugins are loaded by createEngines). */
export function createBuiltinFactory(config: Record<string, Record<string, unknown>> = {}): GeneratorFactory {
  const factory = new GeneratorFactory(config);
  registerBuiltinGenerators(factory);
  return factory;
}
