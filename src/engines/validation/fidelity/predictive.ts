import { TsiotError } from '../../../core/errors.js';
import type { Rng } from '../../../core/rng.js';
import type { Windows } from './data.js';
import { lossIterations, type LearnedMetricOptions } from './discriminative.js';
import { GruNet, batchIndices, gather, paperAdam, trainStep } from './gru.js';
import { loadTf } from './tf.js';

type Scalar = import('@tensorflow/tfjs').Scalar;

export interface PredictiveResult {
  /** Mean absolute error of next-step prediction of the last feature on the test windows. */
  score: number;
  iterations: number;
  losses: { iteration: number; loss: number }[];
  durationMs: number;
}

const CHECK_EVERY = 25;
const EVAL_CHUNK = 1024;

/**
 * The predictive score of the TimeGAN paper (train on synthetic, test on
 * real): a GRU (state ⌊dim/2⌋) with a sigmoid read-out at every step is
 * trained with L1 loss and Adam for `iterations` steps of `batchSize`
 * windows of `train`, using features 1..dim-1 at steps 1..T-1 to predict the
 * last feature at steps 2..T; the score is the mean absolute error over all
 * `test` windows. Needs at least two features.
 */
export async function predictiveScore(
  train: Windows,
  test: Windows,
  rng: Rng,
  options: LearnedMetricOptions = {},
): Promise<PredictiveResult> {
  if (train.dim < 2)
    throw new TsiotError(
      'invalid_input',
      'predictive score: needs at least two features (the last one is predicted from the others)',
    );
  if (train.length !== test.length || train.dim !== test.dim) {
    throw new TsiotError(
      'invalid_input',
      `predictive score: train windows are ${train.length}×${train.dim} but test windows are ${test.length}×${test.dim}`,
    );
  }
  if (train.count < 1 || test.count < 1 || train.length < 2)
    throw new TsiotError('invalid_input', 'predictive score: needs windows of at least 2 steps on both sides');
  const started = performance.now();
  const tf = await loadTf();
  const iterations = options.iterations ?? 5000;
  const batch = options.batchSize ?? 128;
  const { length: T, dim } = train;
  const net = new GruNet(tf, dim - 1, options.hidden ?? Math.max(1, Math.floor(dim / 2)), rng.fork('init'));
  const opt = paperAdam(tf, options.learningRate);
  const batches = rng.fork('batches');
  const record = lossIterations(iterations, options.lossSamples ?? 20);
  const losses: { iteration: number; loss: number }[] = [];
  const inputs = (w: Windows, idx: number[]) =>
    tf.tensor3d(gather(w, idx, 0, T - 1, 0, dim - 1), [idx.length, T - 1, dim - 1]);
  const targets = (w: Windows, idx: number[]) => tf.tensor2d(gather(w, idx, 1, T, dim - 1, dim), [idx.length, T - 1]);
  try {
    for (let it = 0; it < iterations; it++) {
      const idx = batchIndices(train.count, batch, batches);
      const loss = trainStep(
        tf,
        opt,
        net.variables,
        () => tf.mean(tf.abs(tf.sub(targets(train, idx), tf.sigmoid(net.forward(inputs(train, idx), true))))) as Scalar,
        record.has(it),
      );
      if (loss !== null) losses.push({ iteration: it, loss });
      if ((it + 1) % CHECK_EVERY === 0) {
        options.onProgress?.({ done: it + 1, total: iterations, message: 'predictive training' });
        await new Promise<void>((r) => setImmediate(r));
        if (options.signal?.aborted) throw new TsiotError('cancelled', 'The predictive score was cancelled');
      }
    }
    let total = 0;
    for (let from = 0; from < test.count; from += EVAL_CHUNK) {
      const idx = Array.from({ length: Math.min(EVAL_CHUNK, test.count - from) }, (_, i) => from + i);
      const err = tf.tidy(() =>
        tf.sum(tf.abs(tf.sub(targets(test, idx), tf.sigmoid(net.forward(inputs(test, idx), true))))),
      );
      total += (await err.data())[0]!;
      err.dispose();
    }
    return { score: total / (test.count * (T - 1)), iterations, losses, durationMs: performance.now() - started };
  } finally {
    net.dispose();
    opt.dispose();
  }
}
