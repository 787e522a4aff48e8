/**
 * TimeGAN (Yoon, Jarrett & van der Schaar, NeurIPS 2019) as a learned
 * generator: embedder, recovery, generator, supervisor and discriminator
 * (stacked GRUs), trained in the paper's three phases —
 *   1. embedding: reconstruction loss 10·√MSE(X, X̃) on embedder + recovery;
 *   2. supervised: MSE(H_{t+1}, S(H)_t) on generator + supervisor;
 *   3. joint: per iteration two generator steps (adversarial on Ĥ and Ê,
 *      100·√supervised, 100·moment loss) each followed by an embedder step
 *      (10·√reconstruction + 0.1·supervised), then a discriminator step when
 *      its loss exceeds 0.15.
 * Data are min-max scaled windows, cut inside each independent training
 * sequence when several are given (never across a join). Training
 * checkpoints every N iterations;
 * a checkpoint holds the phase and iterations done in it, the five networks'
 * weights, the state of the five Adam optimizers (step count, first and
 * second moments, running β powers) and the losses so far. Every random
 * choice after initialisation (batches, noise) comes from an Rng forked per
 * phase and iteration, and the initial weights from one forked per network,
 * so a fit resumed from a checkpoint continues bit for bit as the
 * uninterrupted fit would (tfjs's own global RNG is never used). Checkpoints
 * written before optimizer state was saved still resume, with fresh Adam
 * moments (reported as `resumedWithoutOptimizerState`).
 */
import { z } from 'zod';
import { lossTrend } from '../../ml/loss-trend.js';
import { TsiotError } from '../../../core/errors.js';
import type { Rng } from '../../../core/rng.js';
import { loadTf, type Tf } from '../../ml/tf.js';
import { restoreOptimizer, type SavedOptimizer, saveOptimizer, type SavedTensor } from '../../ml/weights.js';
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
import { type NetworkShape, RecurrentNetwork } from '../rnn/network.js';

type Tensor3D = import('@tensorflow/tfjs').Tensor3D;
type Scalar = import('@tensorflow/tfjs').Scalar;
type Optimizer = import('@tensorflow/tfjs').Optimizer;

export const TimeGanFitOptionsSchema = z
  .object({
    seqLen: z.number().int().min(2).max(512).default(24).describe('Window length the networks learn from'),
    hidden: z.number().int().min(1).max(256).default(24).describe('State size of every network (paper: 24 for Stocks)'),
    layers: z.number().int().min(1).max(4).default(3).describe('GRU layers per network (paper: 3)'),
    embeddingIterations: z.number().int().min(0).max(1_000_000).default(1000),
    supervisedIterations: z.number().int().min(0).max(1_000_000).default(1000),
    jointIterations: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(1000)
      .describe('Joint iterations (paper: 10,000+; ~7 s each at paper size on this machine)'),
    batchSize: z.number().int().min(1).max(1024).default(128),
    learningRate: z.number().positive().max(1).default(0.001),
    gamma: z
      .number()
      .min(0)
      .default(1)
      .describe('Weight of the adversarial loss on the embedding-space generator output'),
    checkpointEvery: z
      .number()
      .int()
      .min(1)
      .default(50)
      .describe('Save a resumable checkpoint every this many iterations'),
  })
  .strict();
export type TimeGanFitOptions = z.output<typeof TimeGanFitOptionsSchema>;

const PHASES = ['embedding', 'supervised', 'joint'] as const;
type Phase = (typeof PHASES)[number];

const NETS = ['embedder', 'recovery', 'generator', 'supervisor', 'discriminator'] as const;
type NetName = (typeof NETS)[number];

/** The optimizers: e0 embedding phase, s supervised phase, then g, e and d in the joint phase. */
const OPTIMIZERS = ['e0', 's', 'g', 'e', 'd'] as const;
type OptimizerName = (typeof OPTIMIZERS)[number];

export interface TimeGanCheckpoint {
  phase: Phase;
  /** Iterations completed in that phase. */
  iteration: number;
  weights: Record<NetName, SavedTensor[]>;
  /** Adam state per optimizer; absent in checkpoints from before it was saved. */
  optimizers?: Record<OptimizerName, SavedOptimizer>;
  losses: Record<Phase, number[]>;
}

export interface TimeGanState {
  seqLen: number;
  shapes: Record<NetName, NetworkShape>;
  weights: Record<NetName, SavedTensor[]>;
  columns: { name: string; min: number; max: number }[];
}

function shapesFor(dim: number, o: TimeGanFitOptions): Record<NetName, NetworkShape> {
  const h = o.hidden;
  const net = (inputDim: number, outputDim: number, layers = o.layers): NetworkShape => ({
    cell: 'gru',
    inputDim,
    hidden: h,
    layers,
    outputDim,
  });
  return {
    embedder: net(dim, h),
    recovery: net(h, dim),
    generator: net(dim, h),
    supervisor: net(h, h, Math.max(1, o.layers - 1)),
    discriminator: net(h, 1),
  };
}

type Nets = Record<NetName, RecurrentNetwork>;

/** The five networks' forward passes with the paper's sigmoid outputs (call inside tf.tidy / minimize). */
class TimeGanGraph {
  constructor(
    private readonly tf: Tf,
    readonly nets: Nets,
  ) {}

  private run(name: NetName, x: Tensor3D, sigmoid: boolean): Tensor3D {
    const [b, t] = x.shape;
    const out = this.nets[name].forward(x);
    return this.tf.reshape(sigmoid ? this.tf.sigmoid(out) : out, [b, t, -1]) as Tensor3D;
  }

  embed(x: Tensor3D) {
    return this.run('embedder', x, true);
  }
  recover(h: Tensor3D) {
    return this.run('recovery', h, true);
  }
  generate(z: Tensor3D) {
    return this.run('generator', z, true);
  }
  supervise(h: Tensor3D) {
    return this.run('supervisor', h, true);
  }
  discriminate(h: Tensor3D) {
    return this.run('discriminator', h, false);
  }
}

function mse(tf: Tf, a: Tensor3D, b: Tensor3D): Scalar {
  return tf.mean(tf.squaredDifference(a, b)) as Scalar;
}

/** MSE between H_{t+1} and the supervisor's prediction S(H)_t. */
function supervisedLoss(tf: Tf, h: Tensor3D, sup: Tensor3D): Scalar {
  const [b, t, d] = h.shape;
  return mse(tf, tf.slice(h, [0, 1, 0], [b, t - 1, d]), tf.slice(sup, [0, 0, 0], [b, t - 1, d]));
}

function bce(tf: Tf, logits: Tensor3D, label: 0 | 1): Scalar {
  const labels = label ? tf.onesLike(logits) : tf.zerosLike(logits);
  return tf.losses.sigmoidCrossEntropy(labels, logits) as Scalar;
}

/** Mean absolute difference of per-feature standard deviations and means over the batch. */
function momentLoss(tf: Tf, xHat: Tensor3D, x: Tensor3D): Scalar {
  const a = tf.moments(xHat, 0);
  const b = tf.moments(x, 0);
  const v1 = tf.mean(tf.abs(tf.sub(tf.sqrt(tf.add(a.variance, 1e-6)), tf.sqrt(tf.add(b.variance, 1e-6)))));
  const v2 = tf.mean(tf.abs(tf.sub(a.mean, b.mean)));
  return tf.add(v1, v2) as Scalar;
}

/** Min-max scaled training rows, row-major [rows, dim]. */
function scaled(data: TrainingData): { x: Float32Array; rows: number; dim: number; columns: TimeGanState['columns'] } {
  const cols = data.series.columns;
  const rows = data.series.timestamps.length;
  const dim = cols.length;
  const columns = data.summary.columns.map((c) => ({ name: c.name, min: c.min, max: c.max }));
  const x = new Float32Array(rows * dim);
  cols.forEach((c, d) => {
    const { min, max } = columns[d]!;
    for (let t = 0; t < rows; t++) x[t * dim + d] = (c.values[t]! - min) / (max - min + 1e-7);
  });
  return { x, rows, dim, columns };
}

/**
 * Rows of the (concatenated) training series where a window of T steps may
 * start: inside one independent sequence when the data are several, never
 * across a join.
 */
function windowStarts(data: TrainingData, T: number): Int32Array {
  const lengths = trainingSequences(data).map((s) => s.timestamps.length);
  const out: number[] = [];
  let offset = 0;
  for (const n of lengths) {
    for (let s = 0; s + T <= n; s++) out.push(offset + s);
    offset += n;
  }
  if (out.length === 0) {
    const longest = Math.max(...lengths);
    throw new TsiotError(
      'invalid_input',
      `options.seqLen: windows of ${T} steps do not fit in any training sequence (the longest has ${longest} rows)`,
      {
        details: { field: 'options.seqLen', seqLen: T, longestSequence: longest },
        hint: `Use a shorter window, e.g. {"seqLen": ${Math.max(2, Math.min(24, longest))}}.`,
      },
    );
  }
  return Int32Array.from(out);
}

async function trainTimeGan(tf: Tf, data: TrainingData, o: TimeGanFitOptions, ctx: FitContext) {
  const { x, dim, columns } = scaled(data);
  const shapes = shapesFor(dim, o);
  const resume = ctx.resumeFrom as TimeGanCheckpoint | undefined;
  const nets = Object.fromEntries(
    NETS.map((n) => [
      n,
      resume
        ? RecurrentNetwork.fromSaved(tf, shapes[n], resume.weights[n])
        : RecurrentNetwork.create(tf, shapes[n], ctx.rng.fork(`init/${n}`)),
    ]),
  ) as Nets;
  const g = new TimeGanGraph(tf, nets);
  const vars = (...names: NetName[]) => names.flatMap((n) => nets[n].variables);
  const opt = {} as Record<OptimizerName, Optimizer>;
  for (const n of OPTIMIZERS) opt[n] = tf.train.adam(o.learningRate);
  const disposeAll = () => {
    for (const n of NETS) nets[n].dispose();
    for (const n of OPTIMIZERS) opt[n].dispose();
  };
  const budgets: Record<Phase, number> = {
    embedding: o.embeddingIterations,
    supervised: o.supervisedIterations,
    joint: o.jointIterations,
  };
  const total = budgets.embedding + budgets.supervised + budgets.joint;
  const losses: Record<Phase, number[]> = resume
    ? {
        embedding: [...resume.losses.embedding],
        supervised: [...resume.losses.supervised],
        joint: [...resume.losses.joint],
      }
    : { embedding: [], supervised: [], joint: [] };
  const T = o.seqLen;
  const B = o.batchSize;
  const starts = windowStarts(data, T);
  const batch = (rng: Rng): Tensor3D => {
    const buf = new Float32Array(B * T * dim);
    for (let b = 0; b < B; b++) {
      const s = starts[rng.int(0, starts.length)]!;
      buf.set(x.subarray(s * dim, (s + T) * dim), b * T * dim);
    }
    return tf.tensor3d(buf, [B, T, dim]);
  };
  const noise = (rng: Rng): Tensor3D => {
    const buf = new Float32Array(B * T * dim);
    for (let i = 0; i < buf.length; i++) buf[i] = rng.next();
    return tf.tensor3d(buf, [B, T, dim]);
  };
  const step = (optimizer: Optimizer, varList: ReturnType<typeof vars>, loss: () => Scalar): number => {
    const cost = optimizer.minimize(loss, true, varList)!;
    const v = cost.dataSync()[0]!;
    cost.dispose();
    return v;
  };
  const sqrt = (s: Scalar) => tf.sqrt(s) as Scalar;

  const startPhase = resume ? PHASES.indexOf(resume.phase) : 0;
  let done = PHASES.slice(0, startPhase).reduce((s, p) => s + budgets[p], 0) + (resume?.iteration ?? 0);
  try {
    // Onto the fresh optimizers, before their first step; old checkpoints have none (Adam restarts).
    if (resume?.optimizers) for (const n of OPTIMIZERS) await restoreOptimizer(tf, opt[n], resume.optimizers[n]);
    for (let pi = startPhase; pi < PHASES.length; pi++) {
      const phase = PHASES[pi]!;
      const first = pi === startPhase ? (resume?.iteration ?? 0) : 0;
      for (let it = first; it < budgets[phase]; it++) {
        const rng = ctx.rng.fork(`${phase}/${it}`);
        const xb = batch(rng);
        let loss: number;
        if (phase === 'embedding') {
          loss = step(
            opt.e0,
            vars('embedder', 'recovery'),
            () => tf.mul(10, sqrt(mse(tf, xb, g.recover(g.embed(xb))))) as Scalar,
          );
        } else if (phase === 'supervised') {
          loss = step(opt.s, vars('generator', 'supervisor'), () => {
            const h = g.embed(xb);
            return supervisedLoss(tf, h, g.supervise(h));
          });
        } else {
          let gLoss = 0;
          for (let k = 0; k < 2; k++) {
            const z = noise(rng);
            const xk = k === 0 ? xb : batch(rng);
            gLoss = step(opt.g, vars('generator', 'supervisor'), () => {
              const h = g.embed(xk);
              const eHat = g.generate(z);
              const hHat = g.supervise(eHat);
              const xHat = g.recover(hHat);
              const adv = tf.add(bce(tf, g.discriminate(hHat), 1), tf.mul(o.gamma, bce(tf, g.discriminate(eHat), 1)));
              return tf.addN([
                adv,
                tf.mul(100, sqrt(supervisedLoss(tf, h, g.supervise(h)))),
                tf.mul(100, momentLoss(tf, xHat, xk)),
              ]) as Scalar;
            });
            step(opt.e, vars('embedder', 'recovery'), () => {
              const h = g.embed(xk);
              return tf.add(
                tf.mul(10, sqrt(mse(tf, xk, g.recover(h)))),
                tf.mul(0.1, supervisedLoss(tf, h, g.supervise(h))),
              ) as Scalar;
            });
            z.dispose();
            if (xk !== xb) xk.dispose();
          }
          const z = noise(rng);
          const dLoss = () => {
            const eHat = g.generate(z);
            return tf.addN([
              bce(tf, g.discriminate(g.embed(xb)), 1),
              bce(tf, g.discriminate(g.supervise(eHat)), 0),
              tf.mul(o.gamma, bce(tf, g.discriminate(eHat), 0)),
            ]) as Scalar;
          };
          const dNow = tf.tidy(() => dLoss().dataSync()[0]!);
          if (dNow > 0.15) step(opt.d, vars('discriminator'), dLoss);
          z.dispose();
          loss = gLoss;
        }
        xb.dispose();
        losses[phase].push(loss);
        done++;
        ctx.onProgress?.({
          done,
          total,
          message: `${phase} iteration ${it + 1}/${budgets[phase]}, loss ${loss.toFixed(4)}`,
        });
        if (ctx.checkpoint && (it + 1) % o.checkpointEvery === 0 && it + 1 < budgets[phase]) {
          const optimizers = {} as Record<OptimizerName, SavedOptimizer>;
          for (const n of OPTIMIZERS) optimizers[n] = await saveOptimizer(opt[n]);
          const cp: TimeGanCheckpoint = {
            phase,
            iteration: it + 1,
            weights: saveAll(nets),
            optimizers,
            losses: { embedding: [...losses.embedding], supervised: [...losses.supervised], joint: [...losses.joint] },
          };
          await ctx.checkpoint(cp, { done, total });
        }
        await new Promise<void>((r) => setImmediate(r));
        ctx.signal?.throwIfAborted();
      }
    }
    return { weights: saveAll(nets), shapes, columns, losses };
  } finally {
    disposeAll();
  }
}

function saveAll(nets: Nets): Record<NetName, SavedTensor[]> {
  return Object.fromEntries(NETS.map((n) => [n, nets[n].save()])) as Record<NetName, SavedTensor[]>;
}

class LoadedTimeGan implements LoadedModel {
  readonly bytes: number;
  constructor(
    private readonly tf: Tf,
    private readonly nets: Nets,
    private readonly state: TimeGanState,
  ) {
    this.bytes = NETS.reduce((s, n) => s + 4 * nets[n].variables.reduce((a, v) => a + v.size, 0), 0) + 4096;
  }

  /** Fresh windows of any length (the networks are recurrent); the context is not used — TimeGAN samples unconditionally. */
  async sample(req: SampleRequest, rng: Rng, signal?: AbortSignal): Promise<SampledPath[]> {
    const { tf } = this;
    const g = new TimeGanGraph(tf, this.nets);
    const dim = this.state.columns.length;
    const paths: SampledPath[] = [];
    const chunk = 256;
    for (let from = 0; from < req.count; from += chunk) {
      signal?.throwIfAborted();
      const b = Math.min(chunk, req.count - from);
      const zs = new Float32Array(b * req.length * dim);
      for (let i = 0; i < zs.length; i++) zs[i] = rng.next();
      const out = tf.tidy(() => g.recover(g.supervise(g.generate(tf.tensor3d(zs, [b, req.length, dim])))));
      const v = out.dataSync() as Float32Array;
      out.dispose();
      for (let p = 0; p < b; p++) {
        paths.push(
          this.state.columns.map((c, d) => {
            const col = new Float64Array(req.length);
            for (let t = 0; t < req.length; t++)
              col[t] = v[(p * req.length + t) * dim + d]! * (c.max - c.min + 1e-7) + c.min;
            return col;
          }),
        );
      }
      await new Promise<void>((r) => setImmediate(r));
    }
    return paths;
  }

  dispose(): void {
    for (const n of NETS) this.nets[n].dispose();
  }
}

export const timeganLearner: LearnedGenerator<TimeGanFitOptions, TimeGanState> = {
  name: 'timegan',
  fitOptionsSchema: TimeGanFitOptionsSchema,
  minimumRows(o) {
    return o.seqLen + 10;
  },
  async fit(data: TrainingData, options: TimeGanFitOptions, ctx: FitContext): Promise<FitResult<TimeGanState>> {
    const tf = await loadTf();
    const r = await trainTimeGan(tf, data, options, ctx);
    const resumed = ctx.resumeFrom as TimeGanCheckpoint | undefined;
    return {
      state: { seqLen: options.seqLen, shapes: r.shapes, weights: r.weights, columns: r.columns },
      hyperParameters: { ...options },
      details: {
        backend: tf.getBackend(),
        losses: {
          embedding: lossTrend(r.losses.embedding),
          supervised: lossTrend(r.losses.supervised),
          joint: lossTrend(r.losses.joint),
        },
        ...(resumed ? { resumedFrom: { phase: resumed.phase, iteration: resumed.iteration } } : {}),
        ...(resumed && !resumed.optimizers ? { resumedWithoutOptimizerState: true } : {}),
        scaling: r.columns,
      },
    };
  },
  async load(state: TimeGanState): Promise<LoadedModel> {
    const tf = await loadTf();
    const nets = Object.fromEntries(
      NETS.map((n) => [n, RecurrentNetwork.fromSaved(tf, state.shapes[n], state.weights[n])]),
    ) as Nets;
    return new LoadedTimeGan(tf, nets, state);
  },
};
