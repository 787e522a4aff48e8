import type { GeneratorFactory } from './factory.js';
import { statisticalGenerator } from './statistical/index.js';
import { arimaGenerator } from './arima/index.js';

/** Register the generators that ship with tsiot. */
export function registerBuiltinGenerators(factory: GeneratorFactory): void {
  factory.register(statisticalGenerator);
  factory.register(arimaGenerator);
}
