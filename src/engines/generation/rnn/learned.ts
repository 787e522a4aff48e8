/**
 * The `rnn` learned generator: a GRU (or LSTM) trained to predict the
 * distribution of the next step (Gaussian or a Gaussian mixture) from the
 * steps before, on z-scored columns, then sampled autoregressively from a
 * context window of real data (or from scratch). Multivariate: all columns
 * go in and come out together.
 *
 * Independent sequences (`TrainingData.sequences`: windows or entities) are
 * learned as such: every training window lies inside one sequence and starts
 * from a zero state, the window shrinks to the shortest sequence, and paths
 * sampled without a context (or with a random one) start from the first row
 * of a training sequence drawn at random, as a fresh sequence does.
 */
import { z } from 'zod';
import { TsiotError } from '../../../core/errors.js';
import type { Rng } from '../../../core/rng.js';
import { loadTf, type Tf } from '../../ml/tf.js';
import type { SavedTensor } from '../../ml/weights.js';
import {
  type FitContext,
  type FitResult,
  type LearnedGenerator,
  type LoadedModel,
  type SampledPath,
  type SampleRequest,
  type TrainingData,
  trainingSequences,
} from '../learner.js';
import { mixtureNll, mixtureWidth, sampleMixture } from './mixture.js';
import { type NetworkShape, RecurrentNetwork, type State } from './network.js';

type Tensor2D = import('@tensorflow/tfjs').Tensor2D;
type Tensor3D = import('@tensorflow/tfjs').Tensor3D;

export const RnnFitOptionsSchema = z
  .object({
    cell: z.enum(['gru', 'lstm']).default('gru').describe('Recurrent cell; GRU is ~1.5× faster on this backend'),
    hidden: z.number().int().min(1).max(512).default(24).describe('Units per recurrent layer'),
    layers: z.number().int().min(1).max(4).default(1),
    window: z
      .number()
      .int()
      .min(2)
      .max(1024)
      .default(24)
      .describe('Context window (steps) the network learns from and samples after'),
    output: z.enum(['gaussian', 'mixture']).default('mixture').describe('Next-step distribution'),
    components: z.number().int().min(2).max(16).default(3).describe('Mixture components (output "mixture")'),
    iterations: z.number().int().min(1).max(1_000_000).default(500).describe('Training steps (one batch each)'),
    batchSize: z.number().int().min(1).max(4096).default(64),
    learningRate: z.number().positive().max(1).default(0.005),
    historyRows: z
      .number()
      .int()
      .min(10)
      .max(200_000)
      .default(5_000)
      .describe('Rows of training data kept for conditional sampling'),
  })
  .strict();
export type RnnFitOptions = z.output<typeof RnnFitOptionsSchema>;

export interface RnnState {
  shape: NetworkShape;
  components: number;
  window: number;
  columns: { name: string; mean: number; std: number }[];
  weights: SavedTensor[];
  /** The most recent training rows, raw values, one array per column. */
  history: number[][];
  /** Set when trained on independent sequences: their first rows (raw, one array per column, at most MAX_INITIAL_ROWS). */
  initial?: number[][];
}

/** First rows of independent sequences kept for starting sampled paths. */
const MAX_INITIAL_ROWS = 5_000;

function componentsOf(o: RnnFitOptions): number {
  return o.output === 'gaussian' ? 1 : o.components;
}

/** Column-normalised rows of each training sequence, row-major [rows, D]. */
function normalise(data: TrainingData): {
  seqs: { x: Float32Array; rows: number }[];
  dim: number;
  stats: RnnState['columns'];
} {
  const dim = data.series.columns.length;
  const stats = data.summary.columns.map((c) => ({ name: c.name, mean: c.mean, std: c.std > 0 ? c.std : 1 }));
  const seqs = trainingSequences(data).map((s) => {
    const rows = s.timestamps.length;
    const x = new Float32Array(rows * dim);
    for (let d = 0; d < dim; d++) {
      const v = s.columns[d]!.values;
      const { mean, std } = stats[d]!;
      for (let t = 0; t < rows; t++) x[t * dim + d] = (v[t]! - mean) / std;
    }
    return { x, rows };
  });
  return { seqs, dim, stats };
}

/** The training window: the configured one, shortened to fit the shortest sequence (one step is the target). */
function effectiveWindow(data: TrainingData, o: RnnFitOptions): number {
  const shortest = Math.min(...trainingSequences(data).map((s) => s.timestamps.length));
  return Math.max(1, Math.min(o.window, shortest - 1));
}

async function train(
  tf: Tf,
  data: TrainingData,
  o: RnnFitOptions,
  ctx: FitContext,
): Promise<{ weights: SavedTensor[]; shape: NetworkShape; losses: number[]; stats: RnnState['columns'] }> {
  const { seqs, dim, stats } = normalise(data);
  const k = componentsOf(o);
  const shape: NetworkShape = {
    cell: o.cell,
    inputDim: dim,
    hidden: o.hidden,
    layers: o.layers,
    outputDim: mixtureWidth(k, dim),
  };
  const net = RecurrentNetwork.create(tf, shape, ctx.rng.fork('init'));
  const optimizer = tf.train.adam(o.learningRate);
  const rng = ctx.rng.fork('batches');
  const W = effectiveWindow(data, o);
  // Window starts of every sequence, end to end: a draw picks a sequence in proportion to its windows.
  const cumulative: number[] = [];
  let starts = 0;
  for (const s of seqs) {
    starts += Math.max(1, s.rows - W);
    cumulative.push(starts);
  }
  const B = o.batchSize;
  const xs = new Float32Array(B * W * dim);
  const ys = new Float32Array(B * W * dim);
  const losses: number[] = [];
  const every = Math.max(1, Math.floor(o.iterations / 50));
  let lastReport = performance.now();
  try {
    for (let it = 0; it < o.iterations; it++) {
      for (let b = 0; b < B; b++) {
        const at = rng.int(0, starts);
        const q = sequenceAt(cumulative, at);
        const { x } = seqs[q]!;
        const s = at - (q === 0 ? 0 : cumulative[q - 1]!);
        xs.set(x.subarray(s * dim, (s + W) * dim), b * W * dim);
        ys.set(x.subarray((s + 1) * dim, (s + 1 + W) * dim), b * W * dim);
      }
      const xt = tf.tensor3d(xs, [B, W, dim]);
      const yt = tf.tensor2d(ys, [B * W, dim]);
      const cost = optimizer.minimize(
        () => mixtureNll(tf, net.forward(xt as Tensor3D), yt as Tensor2D, k),
        true,
        net.variables,
      );
      xt.dispose();
      yt.dispose();
      const loss = cost!.dataSync()[0]!;
      cost!.dispose();
      if (!Number.isFinite(loss)) {
        throw new TsiotError('invalid_input', `Training diverged at iteration ${it + 1} (loss ${loss})`, {
          details: { iteration: it + 1 },
          hint: 'Lower learningRate or check the data for extreme outliers.',
        });
      }
      losses.push(loss);
      const now = performance.now();
      if ((it + 1) % every === 0 || it + 1 === o.iterations || now - lastReport > 1000) {
        lastReport = now;
        ctx.onProgress?.({
          done: it + 1,
          total: o.iterations,
          message: `iteration ${it + 1}/${o.iterations}, loss ${loss.toFixed(4)}`,
        });
      }
      // Let cancellation (and other requests) through between training steps.
      await new Promise<void>((r) => setImmediate(r));
      ctx.signal?.throwIfAborted();
    }
    return { weights: net.save(), shape, losses, stats };
  } finally {
    net.dispose();
    optimizer.dispose();
  }
}

/** Index of the sequence holding window start `at` (binary search over cumulative counts). */
function sequenceAt(cumulative: number[], at: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! > at) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Mean of a slice of the loss curve. */
function meanOf(v: number[]): number {
  return v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);
}

class LoadedRnn implements LoadedModel {
  readonly bytes: number;
  private readonly history: Float32Array;
  private readonly rows: number;

  constructor(
    private readonly tf: Tf,
    private readonly net: RecurrentNetwork,
    private readonly state: RnnState,
  ) {
    const dim = state.columns.length;
    this.rows = state.history[0]!.length;
    this.history = new Float32Array(this.rows * dim);
    state.columns.forEach((c, d) => {
      const v = state.history[d]!;
      for (let t = 0; t < this.rows; t++) this.history[t * dim + d] = (v[t]! - c.mean) / c.std;
    });
    const params = net.variables.reduce((s, v) => s + v.size, 0);
    this.bytes =
      4 * params + 4 * this.history.length + 8 * this.rows * dim + 8 * dim * (state.initial?.[0]?.length ?? 0) + 4096;
  }

  async sample(req: SampleRequest, rng: Rng, signal?: AbortSignal): Promise<SampledPath[]> {
    const { tf, net } = this;
    const { columns, window: W, components: k } = this.state;
    const dim = columns.length;
    const B = req.count;
    const width = mixtureWidth(k, dim);
    let state: State = tf.tidy(() => net.initialState(B));
    const input = new Float32Array(B * dim);
    const advance = (): Float32Array => {
      const r = tf.tidy(() => net.step(tf.tensor2d(input, [B, dim]), state));
      tf.dispose(state);
      state = r.state;
      const out = r.out.dataSync() as Float32Array;
      r.out.dispose();
      return out;
    };
    const paths: SampledPath[] = Array.from({ length: B }, () => columns.map(() => new Float64Array(req.length)));
    try {
      let out: Float32Array;
      const initial = this.state.initial;
      if (initial && req.context !== 'end') {
        // Independent sequences: start each path at the first row of a random training sequence.
        const n = initial[0]!.length;
        for (let b = 0; b < B; b++) {
          const i = rng.int(0, n);
          for (let d = 0; d < dim; d++) input[b * dim + d] = (initial[d]![i]! - columns[d]!.mean) / columns[d]!.std;
        }
        for (let b = 0; b < B; b++)
          for (let d = 0; d < dim; d++) paths[b]![d]![0] = input[b * dim + d]! * columns[d]!.std + columns[d]!.mean;
        if (req.length === 1) return paths;
        out = advance();
        for (let t = 1; t < req.length; t++) {
          signal?.throwIfAborted();
          sampleMixture(out, B, dim, k, rng, input);
          for (let b = 0; b < B; b++)
            for (let d = 0; d < dim; d++) paths[b]![d]![t] = input[b * dim + d]! * columns[d]!.std + columns[d]!.mean;
          if (t + 1 < req.length) out = advance();
        }
        return paths;
      }
      if (req.context === 'none') {
        // Burn in for one window from a zero state and input, then keep going.
        out = advance();
        for (let t = 0; t < W; t++) {
          sampleMixture(out, B, dim, k, rng, input);
          out = advance();
        }
      } else {
        const first = Math.max(0, this.rows - W);
        const starts = Array.from({ length: B }, () => (req.context === 'end' ? first : rng.int(0, first + 1)));
        const span = Math.min(W, this.rows);
        out = new Float32Array(B * width);
        for (let t = 0; t < span; t++) {
          for (let b = 0; b < B; b++)
            input.set(this.history.subarray((starts[b]! + t) * dim, (starts[b]! + t + 1) * dim), b * dim);
          out = advance();
        }
      }
      for (let t = 0; t < req.length; t++) {
        signal?.throwIfAborted();
        sampleMixture(out, B, dim, k, rng, input);
        for (let b = 0; b < B; b++)
          for (let d = 0; d < dim; d++) paths[b]![d]![t] = input[b * dim + d]! * columns[d]!.std + columns[d]!.mean;
        if (t + 1 < req.length) out = advance();
      }
    } finally {
      tf.dispose(state);
    }
    return paths;
  }

  dispose(): void {
    this.net.dispose();
  }
}

export const rnnLearner: LearnedGenerator<RnnFitOptions, RnnState> = {
  name: 'rnn',
  fitOptionsSchema: RnnFitOptionsSchema,
  minimumRows(options) {
    return options.window + 10;
  },
  async fit(data: TrainingData, options: RnnFitOptions, ctx: FitContext): Promise<FitResult<RnnState>> {
    const tf = await loadTf();
    const started = performance.now();
    const { weights, shape, losses, stats } = await train(tf, data, options, ctx);
    const rows = data.series.timestamps.length;
    const keep = Math.min(rows, options.historyRows);
    const sequences = data.sequences && data.sequences.length > 0 ? data.sequences : undefined;
    const firstRows = sequences?.slice(0, MAX_INITIAL_ROWS);
    const window = effectiveWindow(data, options);
    const tenth = Math.max(1, Math.floor(losses.length / 10));
    const curveStep = Math.max(1, Math.floor(losses.length / 20));
    return {
      state: {
        shape,
        components: componentsOf(options),
        window,
        columns: stats,
        weights,
        history: data.series.columns.map((c) => Array.from(c.values.subarray(rows - keep))),
        ...(firstRows
          ? { initial: data.series.columns.map((_, d) => firstRows.map((s) => s.columns[d]!.values[0]!)) }
          : {}),
      },
      hyperParameters: { ...options, window, ...(sequences ? { sequences: sequences.length } : {}) },
      details: {
        backend: tf.getBackend(),
        parameters: weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0),
        initialLoss: meanOf(losses.slice(0, tenth)),
        finalLoss: meanOf(losses.slice(-tenth)),
        lossCurve: losses
          .filter((_, i) => i % curveStep === 0 || i === losses.length - 1)
          .map((l) => Math.round(l * 1e4) / 1e4),
        secondsPerIteration: (performance.now() - started) / 1000 / Math.max(1, losses.length),
        normalisation: stats,
      },
    };
  },
  async load(state: RnnState): Promise<LoadedModel> {
    const tf = await loadTf();
    return new LoadedRnn(tf, RecurrentNetwork.fromSaved(tf, state.shape, state.weights), state);
  },
};
