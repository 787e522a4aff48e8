/**
 * The next-step distribution: a mixture of K diagonal Gaussians over the D
 * (normalised) columns, parameterised by K logits, K·D means and K·D log
 * standard deviations (K = 1 is a plain Gaussian).
 */
import type { Rng } from '../../../core/rng.js';
import type { Tf } from '../../ml/tf.js';

type Tensor2D = import('@tensorflow/tfjs').Tensor2D;
type Scalar = import('@tensorflow/tfjs').Scalar;

const LOG_SIGMA_MIN = -7;
const LOG_SIGMA_MAX = 3;

/** Width of the head output for K components over D columns. */
export function mixtureWidth(components: number, dim: number): number {
  return components * (1 + 2 * dim);
}

/** Mean negative log-likelihood of targets y [N, D] under head outputs out [N, K(1+2D)] (call inside tf.tidy). */
export function mixtureNll(tf: Tf, out: Tensor2D, y: Tensor2D, components: number): Scalar {
  const [n, dim] = y.shape;
  const k = components;
  const logits = tf.slice(out, [0, 0], [n, k]);
  const mu = tf.reshape(tf.slice(out, [0, k], [n, k * dim]), [n, k, dim]);
  const logSigma = tf.clipByValue(
    tf.reshape(tf.slice(out, [0, k + k * dim], [n, k * dim]), [n, k, dim]),
    LOG_SIGMA_MIN,
    LOG_SIGMA_MAX,
  );
  const z = tf.mul(tf.sub(tf.reshape(y, [n, 1, dim]), mu), tf.exp(tf.neg(logSigma)));
  const logp = tf.sub(tf.sum(tf.sub(tf.mul(-0.5, tf.square(z)), logSigma), 2), 0.5 * dim * Math.log(2 * Math.PI));
  const total = tf.logSumExp(tf.add(tf.logSoftmax(logits), logp), 1);
  return tf.neg(tf.mean(total)) as Scalar;
}

/** Draw one value vector per row of head outputs (row-major [rows, K(1+2D)]) into `into` [rows, D]. */
export function sampleMixture(
  out: Float32Array,
  rows: number,
  dim: number,
  components: number,
  rng: Rng,
  into: Float32Array,
): void {
  const k = components;
  const width = mixtureWidth(k, dim);
  const w = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    let comp = 0;
    if (k > 1) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, out[o + c]!);
      let sum = 0;
      for (let c = 0; c < k; c++) sum += w[c] = Math.exp(out[o + c]! - max);
      let u = rng.nextDouble() * sum;
      while (comp < k - 1) {
        u -= w[comp]!;
        if (u < 0) break;
        comp++;
      }
    }
    for (let d = 0; d < dim; d++) {
      const mu = out[o + k + comp * dim + d]!;
      const ls = Math.min(LOG_SIGMA_MAX, Math.max(LOG_SIGMA_MIN, out[o + k + k * dim + comp * dim + d]!));
      into[r * dim + d] = mu + Math.exp(ls) * rng.normal();
    }
  }
}
