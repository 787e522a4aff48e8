import { TsiotError } from '../../../core/errors.js';
import type { Rng } from '../../../core/rng.js';
import type { ProgressFn } from '../../../core/types.js';
import { splitWindows, type Windows } from './data.js';
import { GruNet, batchIndices, gather, paperAdam, trainStep } from './gru.js';
import { loadTf, type Tf } from './tf.js';

type Scalar = import('@tensorflow/tfjs').Scalar;
type Tensor2D = import('@tensorflow/tfjs').Tensor2D;
type Tensor3D = import('@tensorflow/tfjs').Tensor3D;
type Variable = import('@tensorflow/tfjs').Variable;

export interface LearnedMetricOptions {
  /** Training iterations (paper: 2,000 discriminative, 5,000 predictive). */
  iterations?: number;
  /** Windows per side per iteration (paper: 128). */
  batchSize?: number;
  /** GRU state size; default ⌊dim/2⌋ (at least 1). */
  hidden?: number;
  learningRate?: number;
  /** How many evenly spaced losses to keep in the result. */
  lossSamples?: number;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

export interface DiscriminativeResult {
  /** |accuracy - 0.5| on the held-out 20% of both sets: 0 = indistinguishable, 0.5 = fully separable. */
  score: number;
  accuracy: number;
  /** Share of held-out real windows classified real. */
  realAccuracy: number;
  /** Share of held-out synthetic windows classified synthetic. */
  syntheticAccuracy: number;
  iterations: number;
  /** Training loss at evenly spaced iterations (the first and last included). */
  losses: { iteration: number; loss: number }[];
  durationMs: number;
}

/** Iterations between cancellation checks and progress reports. */
const CHECK_EVERY = 25;

/** Loss samples to keep by default. */
const LOSS_SAMPLES = 20;

/** The iterations (0-based) at which the loss is read back, evenly spaced, first and last included. */
export function lossIterations(iterations: number, samples: number): Set<number> {
  const out = new Set<number>([0, iterations - 1]);
  for (let k = 1; k < samples - 1; k++) out.add(Math.round((k * (iterations - 1)) / (samples - 1)));
  return out;
}

export function checkShapes(a: Windows, b: Windows, what: string): void {
  if (a.length !== b.length || a.dim !== b.dim) {
    throw new TsiotError(
      'invalid_input',
      `${what}: real windows are ${a.length}×${a.dim} but synthetic windows are ${b.length}×${b.dim}`,
      { details: { real: [a.length, a.dim], synthetic: [b.length, b.dim] } },
    );
  }
}

/**
 * The discriminative score of the TimeGAN paper (post-hoc classifier): a
 * 1-layer GRU (state ⌊dim/2⌋) with a linear read-out and a sigmoid learns to
 * tell real from synthetic windows on 80% of each (Adam, `iterations` steps
 * of `batchSize` windows per side); the score is |accuracy - 0.5| on the
 * other 20% of both at a 0.5 threshold. Seeded: the splits, the batches and
 * the initial weights all come from `rng`.
 */
export async function discriminativeScore(
  real: Windows,
  synthetic: Windows,
  rng: Rng,
  options: LearnedMetricOptions = {},
): Promise<DiscriminativeResult> {
  checkShapes(real, synthetic, 'discriminative score');
  if (real.count < 5 || synthetic.count < 5) {
    throw new TsiotError(
      'invalid_input',
      `discriminative score: needs at least 5 windows per side (real ${real.count}, synthetic ${synthetic.count})`,
    );
  }
  const started = performance.now();
  const tf = await loadTf();
  const iterations = options.iterations ?? 2000;
  const batch = options.batchSize ?? 128;
  const { dim } = real;
  const [realTrain, realTest] = splitWindows(real, 0.8, rng.fork('split-real'));
  const [synTrain, synTest] = splitWindows(synthetic, 0.8, rng.fork('split-synthetic'));
  const net = new GruNet(tf, dim, options.hidden ?? Math.max(1, Math.floor(dim / 2)), rng.fork('init'));
  const opt = paperAdam(tf, options.learningRate);
  const record = lossIterations(iterations, options.lossSamples ?? LOSS_SAMPLES);
  const losses: { iteration: number; loss: number }[] = [];
  try {
    await trainDiscriminator(tf, {
      forward: (x) => net.forward(x, false),
      variables: net.variables,
      optimizer: opt,
      real: realTrain,
      synthetic: synTrain,
      batchSize: batch,
      batches: rng.fork('batches'),
      maxSteps: iterations,
      checkEvery: CHECK_EVERY,
      readLoss: (it) => record.has(it),
      onLoss: (iteration, loss) => losses.push({ iteration, loss }),
      onCheck: (steps) => {
        options.onProgress?.({ done: steps, total: iterations, message: 'discriminative training' });
        return false;
      },
      signal: options.signal,
      cancelled: 'The discriminative score was cancelled',
    });
    const realCorrect = await classify(tf, net, realTest, true);
    const synCorrect = await classify(tf, net, synTest, false);
    const accuracy = (realCorrect + synCorrect) / (realTest.count + synTest.count);
    return {
      score: Math.abs(accuracy - 0.5),
      accuracy,
      realAccuracy: realTest.count ? realCorrect / realTest.count : NaN,
      syntheticAccuracy: synTest.count ? synCorrect / synTest.count : NaN,
      iterations,
      losses,
      durationMs: performance.now() - started,
    };
  } finally {
    net.dispose();
    opt.dispose();
  }
}

export interface DiscriminatorTraining {
  /** Logits [batch, 1] of windows [batch, steps, dim]; called inside tf.tidy. */
  forward(x: Tensor3D): Tensor2D;
  variables: Variable[];
  optimizer: import('@tensorflow/tfjs').Optimizer;
  /** The training windows of each side. */
  real: Windows;
  synthetic: Windows;
  /** Windows per side per step. */
  batchSize: number;
  /** Where every step's batches are drawn from (real first, then synthetic). */
  batches: Rng;
  maxSteps: number;
  /** Steps between checks (and after the last step). */
  checkEvery: number;
  /** Steps (0-based) whose training loss is read back (a read costs a device sync). */
  readLoss?: (step: number) => boolean;
  onLoss?: (step: number, loss: number) => void;
  /** After every checkEvery steps, given the steps run: true stops the training (early stopping). */
  onCheck: (steps: number) => boolean | Promise<boolean>;
  signal?: AbortSignal | undefined;
  /** The message of the error thrown when signal is aborted. */
  cancelled: string;
}

/**
 * The training loop of a real-vs-synthetic classifier (the paper's GRU and
 * the stronger CNN): each step draws a batch per side and takes one
 * optimiser step on the sum of the two sides' mean cross-entropies (real =
 * 1). Returns the steps run.
 */
export async function trainDiscriminator(tf: Tf, t: DiscriminatorTraining): Promise<number> {
  const { length: T, dim } = t.real;
  let it = 0;
  while (it < t.maxSteps) {
    const ri = batchIndices(t.real.count, t.batchSize, t.batches);
    const si = batchIndices(t.synthetic.count, t.batchSize, t.batches);
    // one pass over real and synthetic together
    const x = new Float32Array((ri.length + si.length) * T * dim);
    x.set(gather(t.real, ri));
    x.set(gather(t.synthetic, si), ri.length * T * dim);
    const loss = trainStep(
      tf,
      t.optimizer,
      t.variables,
      () => {
        const logits = t.forward(tf.tensor3d(x, [ri.length + si.length, T, dim]));
        const lr = tf.slice(logits, [0, 0], [ri.length, 1]);
        const ls = tf.slice(logits, [ri.length, 0], [si.length, 1]);
        return tf.add(
          tf.losses.sigmoidCrossEntropy(tf.onesLike(lr), lr),
          tf.losses.sigmoidCrossEntropy(tf.zerosLike(ls), ls),
        ) as Scalar;
      },
      t.readLoss?.(it) ?? false,
    );
    if (loss !== null) t.onLoss?.(it, loss);
    it++;
    if (it % t.checkEvery === 0 || it === t.maxSteps) {
      const stop = await t.onCheck(it);
      await new Promise<void>((r) => setImmediate(r));
      if (t.signal?.aborted) throw new TsiotError('cancelled', t.cancelled);
      if (stop) break;
    }
  }
  return it;
}

/** Windows per forward pass at evaluation. */
const EVAL_CHUNK = 1024;

/** How many windows the classifier puts on the right side of 0.5 (real = probability > 0.5). */
async function classify(tf: Tf, net: GruNet, w: Windows, isReal: boolean): Promise<number> {
  let correct = 0;
  for (let from = 0; from < w.count; from += EVAL_CHUNK) {
    const idx = Array.from({ length: Math.min(EVAL_CHUNK, w.count - from) }, (_, i) => from + i);
    const logits = tf.tidy(() => net.forward(tf.tensor3d(gather(w, idx), [idx.length, w.length, w.dim]), false));
    const v = await logits.data();
    logits.dispose();
    for (let i = 0; i < v.length; i++) if (v[i]! > 0 === isReal) correct++;
  }
  return correct;
}
