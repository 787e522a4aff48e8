/**
 * The learner-independent constraint layer: wraps any learned generator so
 * that it fits in the transformed space and samples back inside the data's
 * constraints. The state it saves is the plan beside the learner's own.
 */
import type { Rng } from '../../../core/rng.js';
import type {
  ColumnForecast,
  FitContext,
  FitResult,
  LearnedGenerator,
  LoadedModel,
  SampleRequest,
  TrainingData,
} from '../learner.js';
import { calibrateAtoms } from './calibrate.js';
import { describeConstraints } from './describe.js';
import { type ConstraintPlan, learnConstraints } from './plan.js';
import type { ConstraintsInput } from './schema.js';
import { forwardTraining, fromLearner, inversePath } from './transform.js';

export interface ConstrainedState<S> {
  constraints: ConstraintPlan;
  inner: S;
}

/** A learner that honours the constraints learned from its training data (and those declared in `spec`). */
export function withConstraints<O, S>(
  learner: LearnedGenerator<O, S>,
  spec: ConstraintsInput = {},
): LearnedGenerator<O, ConstrainedState<S>> {
  return {
    name: learner.name,
    fitOptionsSchema: learner.fitOptionsSchema,
    minimumRows: (options) => learner.minimumRows(options),
    async fit(data: TrainingData, options: O, ctx: FitContext): Promise<FitResult<ConstrainedState<S>>> {
      const learned = learnConstraints(data, spec);
      const inner = await learner.fit(forwardTraining(learned, data), options, ctx);
      const model = await learner.load(inner.state);
      let plan: ConstraintPlan;
      try {
        // A stream of its own, so the learner's fit is the same with or without the layer.
        plan = await calibrateAtoms(learned, model, ctx.rng.fork('constraints'), ctx.signal);
      } finally {
        model.dispose();
      }
      return {
        state: { constraints: plan, inner: inner.state },
        hyperParameters: inner.hyperParameters,
        details: { ...inner.details, constraints: describeConstraints(plan) },
      };
    },
    async load(state: ConstrainedState<S>): Promise<LoadedModel> {
      return constrainModel(await learner.load(state.inner), state.constraints);
    },
  };
}

/** A loaded model whose samples (and forecasts, where every column maps one to one) are read back through the plan. */
export function constrainModel(model: LoadedModel, plan: ConstraintPlan): LoadedModel {
  const elementwise = plan.columns.every((c) => c.kind === 'value' || c.kind === 'constant');
  const wrapped: LoadedModel = {
    get bytes() {
      return model.bytes;
    },
    dispose: () => model.dispose(),
    async sample(request: SampleRequest, rng: Rng, signal?: AbortSignal) {
      const paths = await model.sample(request, rng, signal);
      return paths.map((p) => inversePath(plan, p, request.context));
    },
  };
  if (model.sampleEntities) {
    const inner = model.sampleEntities.bind(model);
    wrapped.sampleEntities = async (request, rng, signal) =>
      (await inner(request, rng, signal)).map((e) => ({ ...e, path: inversePath(plan, e.path, request.context) }));
  }
  if (model.forecast && elementwise) {
    const inner = model.forecast.bind(model);
    wrapped.forecast = (horizon: number, level: number): ColumnForecast[] => {
      const byName = new Map(inner(horizon, level).map((f) => [f.column, f]));
      return plan.columns.map((c) => {
        if (c.kind === 'constant') {
          const flat = new Array<number>(horizon).fill(c.value!);
          return { column: c.name, mean: flat, lower: flat, upper: flat };
        }
        // The maps are increasing, so interval ends map to interval ends; the mean maps to the median.
        const f = byName.get(c.name)!;
        const back = (v: number[]) => v.map((y) => fromLearner(c, y));
        return { column: c.name, mean: back(f.mean), lower: back(f.lower), upper: back(f.upper) };
      });
    };
  }
  return wrapped;
}
