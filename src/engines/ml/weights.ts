/**
 * Serialisation of float32 weights to JSON-safe base64 and back, and of a
 * tfjs optimizer's state (for checkpoints that resume training exactly).
 */
import type { Tf } from './tf.js';

type Optimizer = import('@tensorflow/tfjs').Optimizer;
type Tensor = import('@tensorflow/tfjs').Tensor;
type Variable = import('@tensorflow/tfjs').Variable;
type NamedTensor = Parameters<Optimizer['setWeights']>[0][number];

export interface SavedTensor {
  name: string;
  shape: number[];
  /** Little-endian float32 values, base64. */
  data: string;
}

export function encodeFloat32(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function decodeFloat32(data: string): Float32Array {
  const buf = Buffer.from(data, 'base64');
  const out = new Float32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

/**
 * An optimizer's state between steps. For Adam (tfjs 4.x): the step count,
 * the first moments then the second moments of every variable it updates, in
 * the order of its variable list, and its running β1^(t+1), β2^(t+1).
 */
export interface SavedOptimizer {
  /** Steps taken (tfjs's `iter` weight). */
  iterations: number;
  /** The optimizer's variables in getWeights() order, without `iter`. */
  weights: SavedTensor[];
  /**
   * Adam's running powers of β1 and β2 as it holds them (float32, built by
   * repeated multiplication). setWeights() recomputes them with pow(), which
   * can differ in the last bit; restoring them keeps resume bitwise exact.
   */
  accBeta?: [number, number];
}

/** The private Adam fields setWeights() derives with pow(); read and restored as held. */
interface AdamInternals {
  accBeta1?: Variable;
  accBeta2?: Variable;
}

/** Copy an optimizer's state out (creates and disposes one tensor: tfjs's `iter` scalar). */
export async function saveOptimizer(optimizer: Optimizer): Promise<SavedOptimizer> {
  const named = await optimizer.getWeights();
  // getWeights() returns a fresh `iter` scalar first, then the optimizer's own variables (not to be disposed).
  const [iter, ...vars] = named;
  const iterations = iter ? (iter.tensor.dataSync() as Int32Array)[0]! : 0;
  iter?.tensor.dispose();
  const internals = optimizer as unknown as AdamInternals;
  return {
    iterations,
    weights: vars.map((v) => ({
      name: v.name,
      shape: v.tensor.shape.slice(),
      data: encodeFloat32(v.tensor.dataSync() as Float32Array),
    })),
    ...(internals.accBeta1 && internals.accBeta2
      ? { accBeta: [internals.accBeta1.dataSync()[0]!, internals.accBeta2.dataSync()[0]!] as [number, number] }
      : {}),
  };
}

/**
 * Put a saved state into a freshly created optimizer of the same kind and
 * configuration, before its first step. setWeights() creates the moment
 * variables from the given tensors (sharing their data), so no dummy step is
 * needed; the tensors made here are disposed once it has.
 */
export async function restoreOptimizer(tf: Tf, optimizer: Optimizer, saved: SavedOptimizer): Promise<void> {
  const tensors: Tensor[] = [
    tf.scalar(saved.iterations, 'int32'),
    ...saved.weights.map((w) => tf.tensor(decodeFloat32(w.data), w.shape, 'float32')),
  ];
  const named: NamedTensor[] = tensors.map((tensor, i) => ({
    name: i === 0 ? 'iter' : saved.weights[i - 1]!.name,
    tensor,
  }));
  try {
    await optimizer.setWeights(named);
    const internals = optimizer as unknown as AdamInternals;
    if (saved.accBeta && internals.accBeta1 && internals.accBeta2) {
      const [b1, b2] = saved.accBeta;
      tf.tidy(() => {
        internals.accBeta1!.assign(tf.scalar(b1));
        internals.accBeta2!.assign(tf.scalar(b2));
      });
    }
  } finally {
    tf.dispose(tensors);
  }
}
