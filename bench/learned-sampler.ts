/**
 * A learned generator of the model registry behind the fidelity protocol's
 * sampler contract, shared by the benchmarks that fit one on a dataset's
 * windows.
 */
import { parseInput } from '../src/core/input-errors.js';
import type { TimeSeries } from '../src/core/types.js';
import type { SampleContext } from '../src/engines/generation/learner.js';
import { createBuiltinFactory } from '../src/engines/generation/builtin.js';
import { privateGenerators } from '../src/engines/privacy/learners/index.js';
import { withConstraints } from '../src/engines/generation/constraints/index.js';
import type { LearnedGenerator } from '../src/engines/generation/learner.js';

/** The built-in learners and the private ones, as the server registers them. */
function benchFactory() {
  const f = createBuiltinFactory();
  for (const g of privateGenerators) f.register(g);
  return f;
}
import { prepareTrainingSequences } from '../src/engines/models/training-sequences.js';
import { prepareTrainingData } from '../src/engines/models/training-data.js';
import { cutWindows, minMaxScale, type Windows } from '../src/engines/validation/fidelity/data.js';
import type { FidelityDataset, WindowSampler } from '../src/engines/validation/fidelity/protocol.js';

export interface LearnedSamplerOptions {
  /** Fit options (validated by the learner's schema). */
  fitOptions: Record<string, unknown>;
  /** Where sampled paths start. */
  context: SampleContext;
  progress: (message: string) => void;
  /** Fit inside the constraint layer, as fit_model and synthesize_like do by default (constraints learned). */
  constraints?: boolean;
}

/** The learner, inside the constraint layer when asked. */
function maybeConstrained(learner: LearnedGenerator<any, any>, constraints: boolean | undefined) {
  return constraints ? withConstraints(learner) : learner;
}

/**
 * Fit options for a private learner: a `privacy` argument without bounds gets
 * [0, 1] for every column — the protocol's min-max scale (the scaling itself
 * is the paper's preprocessing and is not private).
 */
export function withProtocolBounds(fitOptions: Record<string, unknown>, columns: string[]): Record<string, unknown> {
  const privacy = fitOptions.privacy as Record<string, unknown> | undefined;
  if (!privacy || privacy.bounds) return fitOptions;
  return {
    ...fitOptions,
    privacy: { ...privacy, bounds: Object.fromEntries(columns.map((c) => [c, { lower: 0, upper: 1 }])) },
  };
}

/** A learned generator of the registry behind the protocol's sampler contract. */
export function learnedSampler(name: string, o: LearnedSamplerOptions): WindowSampler {
  const factory = benchFactory();
  if (!factory.fittable().includes(name))
    throw new Error(`--generator: unknown generator "${name}" (real, gaussian, ${factory.fittable().join(', ')})`);
  const learner = maybeConstrained(factory.learner(name), o.constraints);
  return {
    name,
    description: `the ${name} learned generator`,
    async sample(dataset, ctx) {
      const w = dataset.windows;
      const data = prepareTrainingSequences(windowSeries(dataset));
      const options = parseInput(
        learner.fitOptionsSchema,
        withProtocolBounds(o.fitOptions, dataset.columns),
        `fit options for ${name}`,
      );
      const t0 = performance.now();
      const fitted = await learner.fit(data, options, {
        rng: ctx.rng.fork('fit'),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onProgress: (p) => o.progress(`${name} fit ${p.done}/${p.total}${p.message ? ` ${p.message}` : ''}`),
      });
      const t1 = performance.now();
      const model = await learner.load(fitted.state);
      try {
        const paths = await model.sample(
          { length: w.length, count: w.count, context: o.context },
          ctx.rng.fork('sample'),
        );
        return {
          synthetic: pathsToWindows(paths, w),
          fitSeconds: (t1 - t0) / 1000,
          sampleSeconds: (performance.now() - t1) / 1000,
        };
      } finally {
        model.dispose();
      }
    },
  };
}

/**
 * What a learned generator fits: the dataset's (scaled) windows as
 * independent sequences — Sines' 10,000 windows, Stocks' training windows —
 * so learners of sequences (rnn, dgan) never run one window into the next.
 */
export function windowSeries(dataset: FidelityDataset): TimeSeries[] {
  const day = 86_400_000;
  const { count, length, dim, data } = dataset.windows;
  return Array.from(
    { length: count },
    (_, k): TimeSeries => ({
      id: `${dataset.name}-${k}`,
      name: `${dataset.name}-${k}`,
      metadata: { tags: {} },
      timestamps: Float64Array.from({ length }, (_, t) => t * day),
      columns: dataset.columns.map((name, f) => ({
        name,
        values: Float64Array.from({ length }, (_, t) => data[(k * length + t) * dim + f]!),
      })),
      labels: [],
    }),
  );
}

/** Sampled paths (already on the windows' scale) as a window set shaped like `like`. */
export function pathsToWindows(paths: Float64Array[][], like: Windows): Windows {
  const { length, dim } = like;
  const data = new Float32Array(paths.length * length * dim);
  paths.forEach((path, k) => {
    for (let t = 0; t < length; t++) for (let f = 0; f < dim; f++) data[(k * length + t) * dim + f] = path[f]![t]!;
  });
  return { count: paths.length, length, dim, data };
}

/**
 * What synthesize_like does with the data a person gives it, behind the
 * sampler contract: one series, so its default generator for one series
 * ("statistical", as tools/synthesize-like.ts chooses), fitted with its
 * default options on the whole unscaled series in time order (missing values
 * interpolated, as synthesize_like notes), sampled as one path as long as the
 * data (context "none"), then scaled and cut into windows as the real ones
 * were. Needs a dataset that keeps its source rows (Stocks, a CSV).
 */
export function defaultChoiceSampler(o: { progress: (message: string) => void; constraints?: boolean }): WindowSampler {
  const name = 'statistical';
  const learner = maybeConstrained(benchFactory().learner(name), o.constraints);
  return {
    name: 'default',
    description: "synthesize_like's default choice for one series",
    async sample(dataset, ctx) {
      const src = dataset.source;
      if (!src)
        throw new Error(`--generator default: dataset "${dataset.name}" has no source series (use stocks or a CSV)`);
      const day = 86_400_000;
      const series: TimeSeries = {
        id: dataset.name,
        name: dataset.name,
        metadata: { tags: {} },
        // Stocks keeps no dates: one row per day stands in.
        timestamps: src.timestamps ?? Float64Array.from({ length: src.rows }, (_, t) => t * day),
        columns: dataset.columns.map((c, j) => ({
          name: c,
          values: Float64Array.from({ length: src.rows }, (_, r) => src.data[r * src.cols + j]!),
        })),
        labels: [],
      };
      const data = prepareTrainingData(series);
      const t0 = performance.now();
      const fitted = await learner.fit(data, parseInput(learner.fitOptionsSchema, {}, `fit options for ${name}`), {
        rng: ctx.rng.fork('fit'),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onProgress: (p) => o.progress(`default (${name}) fit ${p.done}/${p.total}${p.message ? ` ${p.message}` : ''}`),
      });
      const t1 = performance.now();
      const model = await learner.load(fitted.state);
      try {
        const [path] = await model.sample({ length: src.rows, count: 1, context: 'none' }, ctx.rng.fork('sample'));
        const rows = new Float64Array(src.rows * src.cols);
        for (let r = 0; r < src.rows; r++) for (let j = 0; j < src.cols; j++) rows[r * src.cols + j] = path![j]![r]!;
        const w = dataset.windows;
        const scaled = minMaxScale({ rows: src.rows, cols: src.cols, data: rows }, src.scaling);
        return {
          synthetic: cutWindows(scaled, w.length, { count: w.count }),
          fitSeconds: (t1 - t0) / 1000,
          sampleSeconds: (performance.now() - t1) / 1000,
        };
      } finally {
        model.dispose();
      }
    },
  };
}
