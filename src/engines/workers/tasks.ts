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

export interface Tasks {
  analyze: { input: { series: TimeSeries; options: Omit<AnalyzeOptions, 'rules'> }; output: SeriesAnalysis };
  validate: { input: { request: ValidateRequest; defaults?: RulesInput; maxValues: number }; output: ValidationReport };
  generate: {
    input: { generator: string; params: unknown; seed: Seed; config: Record<string, Record<string, unknown>> };
    output: GenerationOutput;
  };
}

export type TaskName = keyof Tasks;
export type TaskInput<N extends TaskName> = Tasks[N]['input'];
export type TaskOutput<N extends TaskName> = Tasks[N]['output'];

type Runner<N extends TaskName> = (input: TaskInput<N>, progress: (p: Progress) => void) => Promise<TaskOutput<N>>;

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
};
