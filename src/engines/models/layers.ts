/**
 * What every fitted model carries besides its learner's state: the
 * constraints learned from (and declared for) the data, the data's
 * missing-value pattern and its categorical columns. They are learned at fit
 * time around any learner and applied to every sample, so a copy stays
 * inside the data's bounds, has its gaps and its categories, whichever
 * learner made the numbers.
 */
import type { Rng } from '../../core/rng.js';
import type { Column, TimeSeries } from '../../core/types.js';
import {
  type CategoricalModel,
  type CategoricalSequence,
  describeCategorical,
  learnCategorical,
  sampleCategorical,
} from '../generation/categorical/index.js';
import {
  type ConstraintPlan,
  type ConstraintsInput,
  constrainModel,
  withConstraints,
} from '../generation/constraints/index.js';
import type { FitContext, FitResult, LearnedGenerator, LoadedModel, TrainingData } from '../generation/learner.js';
import {
  applyMissingness,
  describeMissingness,
  learnMissingness,
  type MissingnessModel,
} from '../generation/missingness/index.js';

/** A categorical column of the training data, aligned with the rows of its series. */
export interface CategoricalInput {
  name: string;
  levels: string[];
  codes: Int32Array;
}

/** What a fit is asked to learn besides the learner's model. */
export interface LayerRequest {
  /** Constraints to learn and enforce (default: learned from the data); false: none. */
  constraints?: ConstraintsInput | false;
  /** Learn the missing-value pattern of the raw data (default true). */
  missingness?: boolean;
  /** Categorical columns of the (single) training series, aligned with its raw rows. */
  categorical?: CategoricalInput[];
}

/** The stored state of a model fitted with layers. */
export interface LayeredState {
  layered: 1;
  inner: unknown;
  constraints?: ConstraintPlan;
  missingness?: MissingnessModel;
  categorical?: CategoricalModel;
}

/** Which layers a model record says its state carries. */
export interface ModelLayers {
  constraints: boolean;
  missingness: boolean;
  /** Names of the categorical columns copied (after the numeric ones). */
  categorical?: string[];
}

/** The raw series' missing-value pattern over `columns`, or undefined when nothing is missing. */
export function learnRawMissingness(data: TimeSeries | TimeSeries[], columns: string[]): MissingnessModel | undefined {
  const series = Array.isArray(data) ? data : [data];
  const anyMissing = series.some((s) =>
    s.columns.some((c) => columns.includes(c.name) && c.values.some((v) => Number.isNaN(v))),
  );
  return anyMissing ? learnMissingness(series, columns) : undefined;
}

/** Learned categorical columns of one raw series (undefined when it has none). */
export function learnRawCategorical(
  series: TimeSeries,
  columns: CategoricalInput[] | undefined,
): CategoricalModel | undefined {
  if (!columns || columns.length === 0) return undefined;
  const sequence: CategoricalSequence = { timestamps: series.timestamps, columns };
  return learnCategorical([sequence]);
}

/**
 * Fit `learner` with the constraint layer (unless switched off); the missingness
 * and categorical models are learned by the caller from the raw data and passed in.
 */
export async function fitLayered(
  learner: LearnedGenerator<any, any>,
  data: TrainingData,
  options: unknown,
  ctx: FitContext,
  layers: { constraints: ConstraintsInput | false; missingness?: MissingnessModel; categorical?: CategoricalModel },
): Promise<FitResult<LayeredState>> {
  const extra = {
    ...(layers.missingness ? { missingness: layers.missingness } : {}),
    ...(layers.categorical ? { categorical: layers.categorical } : {}),
  };
  const details: Record<string, unknown> = {
    ...(layers.missingness ? { missingness: describeMissingness(layers.missingness) } : {}),
    ...(layers.categorical ? { categorical: describeCategorical(layers.categorical) } : {}),
  };
  if (layers.constraints === false) {
    const inner = await learner.fit(data, options, ctx);
    return {
      state: { layered: 1, inner: inner.state, ...extra },
      hyperParameters: inner.hyperParameters,
      details: { ...inner.details, ...details },
      ...(inner.privacy ? { privacy: inner.privacy } : {}),
    };
  }
  const fitted = await withConstraints(learner, layers.constraints).fit(data, options, ctx);
  return {
    state: { layered: 1, inner: fitted.state.inner, constraints: fitted.state.constraints, ...extra },
    hyperParameters: fitted.hyperParameters,
    details: { ...fitted.details, ...details },
  };
}

/** The layers a state carries, for the model record. */
export function layersOf(state: LayeredState): ModelLayers {
  const names = state.categorical
    ? [...state.categorical.attributes.names, ...state.categorical.chains.map((c) => c.name)]
    : [];
  return {
    constraints: state.constraints !== undefined,
    missingness: state.missingness !== undefined,
    ...(names.length ? { categorical: names } : {}),
  };
}

/** A loaded model of a layered state: the learner's model read back through the constraints. */
export async function loadLayered(learner: LearnedGenerator<any, any>, state: LayeredState): Promise<LayeredModel> {
  const inner = await learner.load(state.inner);
  const model = state.constraints ? constrainModel(inner, state.constraints) : inner;
  return Object.assign(model, {
    layers: {
      ...(state.missingness ? { missingness: state.missingness } : {}),
      ...(state.categorical ? { categorical: state.categorical } : {}),
    },
  });
}

export interface LayeredModel extends LoadedModel {
  layers: { missingness?: MissingnessModel; categorical?: CategoricalModel };
}

export function isLayered(model: LoadedModel): model is LayeredModel {
  return (model as Partial<LayeredModel>).layers !== undefined;
}

/**
 * The missing-value pattern put on sampled series (mode "copy"), each path
 * from its own stream so that the values do not depend on the gaps.
 */
export function applyLayersToSeries(
  model: LayeredModel,
  series: TimeSeries[],
  rng: Rng,
  mode: 'copy' | 'fill',
  attributes?: Record<string, string | number | boolean>,
): void {
  const { missingness, categorical } = model.layers;
  if (missingness && mode === 'copy') {
    const names = series[0]?.columns.map((c) => c.name) ?? [];
    const missingRng = rng.fork('missingness');
    const paths = applyMissingness(
      missingness,
      series.map((s) => s.columns.map((c) => c.values)),
      missingRng,
      { columns: names },
    );
    series.forEach((s, i) => {
      s.columns.forEach((c, d) => {
        c.values = paths[i]![d]!;
      });
    });
  }
  if (categorical) {
    const fixed = attributes
      ? Object.fromEntries(
          Object.entries(attributes)
            .filter(([k]) => categorical.attributes.names.includes(k))
            .map(([k, v]) => [k, String(v)]),
        )
      : {};
    const drawn = sampleCategorical(
      categorical,
      series.map((s) => s.timestamps),
      rng.fork('categorical'),
      { attributes: fixed },
    );
    series.forEach((s, i) => {
      const d = drawn[i]!;
      const columns: Column[] = d.columns.map((c) => ({
        name: c.name,
        levels: c.levels,
        values: Float64Array.from(c.codes, (k) => (k < 0 ? NaN : k)),
      }));
      s.columns.push(...columns);
      if (Object.keys(d.attributes).length) {
        s.metadata = { ...s.metadata, attributes: { ...(s.metadata.attributes ?? {}), ...d.attributes } };
      }
    });
  }
}
