/**
 * A small fully connected network written with raw tf ops, for DoppelGANger's
 * attribute and min/max generators and its two discriminators. Hidden layers
 * use ReLU, tanh or a smooth leaky ReLU (0.2·x + 0.8·softplus(x)); the
 * discriminators use the smooth one because the gradient penalty
 * differentiates them twice (tfjs has no second derivative for ReLU) and,
 * unlike tanh, it does not saturate.
 */
import type { Rng } from '../../../core/rng.js';
import type { Tf } from '../../ml/tf.js';
import { decodeFloat32, encodeFloat32, type SavedTensor } from '../../ml/weights.js';

type Tensor2D = import('@tensorflow/tfjs').Tensor2D;
type Variable = import('@tensorflow/tfjs').Variable;

export interface MlpShape {
  inputDim: number;
  hidden: number;
  layers: number;
  outputDim: number;
  activation: 'relu' | 'tanh' | 'smooth-leaky';
}

export class Mlp {
  private disposed = false;

  private constructor(
    private readonly tf: Tf,
    readonly shape: MlpShape,
    private readonly vars: Variable[],
  ) {}

  /** Glorot-uniform kernels and zero biases, seeded from rng. */
  static create(tf: Tf, shape: MlpShape, rng: Rng): Mlp {
    const dims = [shape.inputDim, ...Array.from({ length: shape.layers }, () => shape.hidden), shape.outputDim];
    const vars = tf.tidy(() => {
      const out: Variable[] = [];
      for (let l = 0; l + 1 < dims.length; l++) {
        out.push(
          tf.variable(
            tf.initializers
              .glorotUniform({ seed: rng.nextUint32() % 2_147_483_647 })
              .apply([dims[l]!, dims[l + 1]!]) as Tensor2D,
          ),
        );
        out.push(tf.variable(tf.zeros([dims[l + 1]!])));
      }
      return out;
    });
    return new Mlp(tf, shape, vars);
  }

  static fromSaved(tf: Tf, shape: MlpShape, saved: SavedTensor[]): Mlp {
    return new Mlp(
      tf,
      shape,
      saved.map((s) => tf.tidy(() => tf.variable(tf.tensor(decodeFloat32(s.data), s.shape)))),
    );
  }

  get variables(): Variable[] {
    return this.vars;
  }

  get size(): number {
    return this.vars.reduce((s, v) => s + v.size, 0);
  }

  /** Raw outputs for x [batch, inputDim] → [batch, outputDim] (call inside tf.tidy). */
  forward(x: Tensor2D): Tensor2D {
    const { tf } = this;
    let h = x;
    const n = this.vars.length / 2;
    for (let l = 0; l < n; l++) {
      h = tf.add(tf.matMul(h, this.vars[2 * l]!), this.vars[2 * l + 1]!) as Tensor2D;
      if (l + 1 < n) h = this.activate(h);
    }
    return h;
  }

  private activate(h: Tensor2D): Tensor2D {
    const { tf } = this;
    switch (this.shape.activation) {
      case 'relu':
        return tf.relu(h);
      case 'tanh':
        return tf.tanh(h);
      case 'smooth-leaky':
        return tf.add(tf.mul(0.2, h), tf.mul(0.8, tf.softplus(h)));
    }
  }

  save(): SavedTensor[] {
    return this.vars.map((v, i) => ({
      name: `${i % 2 ? 'b' : 'w'}${i >> 1}`,
      shape: v.shape.slice(),
      data: encodeFloat32(v.dataSync() as Float32Array),
    }));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.vars) v.dispose();
  }
}
