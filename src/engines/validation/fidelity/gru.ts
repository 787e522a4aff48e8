import type { Rng } from '../../../core/rng.js';
import type { Tf } from './tf.js';
import type { Windows } from './data.js';

type Tensor2D = import('@tensorflow/tfjs').Tensor2D;
type Tensor3D = import('@tensorflow/tfjs').Tensor3D;
type Variable = import('@tensorflow/tfjs').Variable;

/**
 * A GRU layer followed by a linear read-out, written with raw tf ops so the
 * input projection of all time steps is one matrix product (several times
 * faster than tf.layers.gru on the wasm backend). The cell is the classic one
 * of TensorFlow 1 (GRUCell, used by the reference metrics code): reset gate
 * applied to the state before the recurrent product, gate biases starting
 * at 1, Glorot-uniform kernels over [input, state].
 */
export class GruNet {
  private readonly w: Variable; // [inputDim, 3h]: gates (r, u) then candidate
  private readonly uGates: Variable; // [h, 2h]
  private readonly uCand: Variable; // [h, h]
  private readonly b: Variable; // [3h]
  private readonly outW: Variable; // [h, 1]
  private readonly outB: Variable; // [1]

  constructor(
    private readonly tf: Tf,
    readonly inputDim: number,
    readonly hidden: number,
    rng: Rng,
  ) {
    const h = hidden;
    const seed = () => rng.nextUint32() % 2_147_483_647;
    // variables survive tf.tidy; the temporaries used to build them do not
    const v = tf.tidy(() => {
      const gate = tf.initializers.glorotUniform({ seed: seed() }).apply([inputDim + h, 2 * h]) as Tensor2D;
      const cand = tf.initializers.glorotUniform({ seed: seed() }).apply([inputDim + h, h]) as Tensor2D;
      return {
        w: tf.variable(tf.concat([gate.slice([0, 0], [inputDim, 2 * h]), cand.slice([0, 0], [inputDim, h])], 1)),
        uGates: tf.variable(gate.slice([inputDim, 0], [h, 2 * h])),
        uCand: tf.variable(cand.slice([inputDim, 0], [h, h])),
        b: tf.variable(tf.concat([tf.ones([2 * h]), tf.zeros([h])])),
        outW: tf.variable(tf.initializers.glorotUniform({ seed: seed() }).apply([h, 1]) as Tensor2D),
        outB: tf.variable(tf.zeros([1])),
      };
    });
    this.w = v.w;
    this.uGates = v.uGates;
    this.uCand = v.uCand;
    this.b = v.b;
    this.outW = v.outW;
    this.outB = v.outB;
  }

  /** The trainable variables. */
  get variables(): Variable[] {
    return [this.w, this.uGates, this.uCand, this.b, this.outW, this.outB];
  }

  /**
   * Run the GRU over x [batch, steps, inputDim]. Returns the read-out (before
   * any activation) of the last state [batch, 1], or of every step
   * [batch, steps] when `everyStep` is set. Call inside tf.tidy.
   */
  forward(x: Tensor3D, everyStep: boolean): Tensor2D {
    const tf = this.tf;
    const [batch, steps] = x.shape;
    const h = this.hidden;
    const xw = tf.add(
      tf.reshape(tf.matMul(tf.reshape(x, [batch * steps, this.inputDim]), this.w), [batch, steps, 3 * h]),
      this.b,
    ) as Tensor3D;
    // split gates from candidate once for all steps, then per step
    const xGates = tf.unstack(tf.slice(xw, [0, 0, 0], [batch, steps, 2 * h]), 1) as Tensor2D[];
    const xCand = tf.unstack(tf.slice(xw, [0, 0, 2 * h], [batch, steps, h]), 1) as Tensor2D[];
    let state = tf.zeros([batch, h]) as Tensor2D;
    const states: Tensor2D[] = [];
    for (let t = 0; t < steps; t++) {
      const gates = tf.sigmoid(tf.add(xGates[t]!, tf.matMul(state, this.uGates)));
      const [r, u] = tf.split(gates, 2, 1) as [Tensor2D, Tensor2D];
      const c = tf.tanh(tf.add(xCand[t]!, tf.matMul(tf.mul(r, state), this.uCand)));
      state = tf.add(c, tf.mul(u, tf.sub(state, c))) as Tensor2D;
      if (everyStep) states.push(state);
    }
    if (!everyStep) return tf.add(tf.matMul(state, this.outW), this.outB) as Tensor2D;
    const all = tf.reshape(tf.stack(states, 1), [batch * steps, h]) as Tensor2D;
    return tf.reshape(tf.add(tf.matMul(all, this.outW), this.outB), [batch, steps]) as Tensor2D;
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/**
 * One optimiser step on the loss built by `loss` (batch tensors may be
 * created inside it); every temporary is released. Returns the loss value
 * when `read` is set (reading it back costs a synchronisation).
 */
export function trainStep(
  tf: Tf,
  optimizer: import('@tensorflow/tfjs').Optimizer,
  variables: Variable[],
  loss: () => import('@tensorflow/tfjs').Scalar,
  read: boolean,
): number | null {
  let value: number | null = null;
  tf.tidy(() => {
    const cost = optimizer.minimize(loss, read, variables);
    if (cost) value = cost.dataSync()[0]!;
  });
  return value;
}

/** TensorFlow 1's Adam defaults (the reference code's optimiser): lr 0.001, β 0.9/0.999, ε 1e-8. */
export function paperAdam(tf: Tf, learningRate = 0.001) {
  return tf.train.adam(learningRate, 0.9, 0.999, 1e-8);
}

/** `size` distinct indices in [0, n) (all of them, shuffled, when n <= size), as the reference batch generator draws. */
export function batchIndices(n: number, size: number, rng: Rng): number[] {
  const k = Math.min(n, size);
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.next() * (n - i));
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx.slice(0, k);
}

/**
 * Copy the chosen windows into a float32 buffer [indices, steps, features],
 * taking steps [stepFrom, stepTo) and features [featFrom, featTo).
 */
export function gather(
  w: Windows,
  indices: readonly number[],
  stepFrom = 0,
  stepTo = w.length,
  featFrom = 0,
  featTo = w.dim,
): Float32Array {
  const steps = stepTo - stepFrom;
  const feats = featTo - featFrom;
  const out = new Float32Array(indices.length * steps * feats);
  let o = 0;
  for (const idx of indices) {
    for (let t = stepFrom; t < stepTo; t++) {
      const base = (idx * w.length + t) * w.dim;
      for (let f = featFrom; f < featTo; f++) out[o++] = w.data[base + f]!;
    }
  }
  return out;
}
