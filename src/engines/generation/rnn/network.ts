/**
 * A stacked GRU or LSTM with a linear head, written with raw tf ops: the
 * input projection of every step is one matrix product (much faster than
 * tf.layers on the wasm backend), and the same weights run either over whole
 * sequences (training) or one step at a time with explicit state (sampling).
 */
import type { Rng } from '../../../core/rng.js';
import type { Tf } from '../../ml/tf.js';
import { decodeFloat32, encodeFloat32, type SavedTensor } from '../../ml/weights.js';

type Tensor2D = import('@tensorflow/tfjs').Tensor2D;
type Tensor3D = import('@tensorflow/tfjs').Tensor3D;
type Variable = import('@tensorflow/tfjs').Variable;

export type CellType = 'gru' | 'lstm';

export interface NetworkShape {
  cell: CellType;
  inputDim: number;
  hidden: number;
  layers: number;
  outputDim: number;
}

interface Layer {
  /** [in, G·h] input kernel (G = 3 for GRU, 4 for LSTM). */
  w: Variable;
  /** [h, G·h] recurrent kernel. */
  u: Variable;
  /** [G·h] bias. */
  b: Variable;
}

/** Recurrent state per layer: [h] for GRU, [h, c] for LSTM. */
export type State = Tensor2D[][];

export class RecurrentNetwork {
  private readonly layers: Layer[];
  private readonly outW: Variable;
  private readonly outB: Variable;
  private disposed = false;

  private constructor(
    private readonly tf: Tf,
    readonly shape: NetworkShape,
    vars: Variable[],
  ) {
    this.layers = [];
    for (let l = 0; l < shape.layers; l++)
      this.layers.push({ w: vars[3 * l]!, u: vars[3 * l + 1]!, b: vars[3 * l + 2]! });
    this.outW = vars[3 * shape.layers]!;
    this.outB = vars[3 * shape.layers + 1]!;
  }

  /** A freshly initialised network (Glorot-uniform kernels, orthogonal-free, seeded from rng). */
  static create(tf: Tf, shape: NetworkShape, rng: Rng): RecurrentNetwork {
    const g = gates(shape.cell);
    const h = shape.hidden;
    const seed = () => rng.nextUint32() % 2_147_483_647;
    const vars = tf.tidy(() => {
      const out: Variable[] = [];
      for (let l = 0; l < shape.layers; l++) {
        const inDim = l === 0 ? shape.inputDim : h;
        out.push(tf.variable(tf.initializers.glorotUniform({ seed: seed() }).apply([inDim, g * h]) as Tensor2D));
        out.push(tf.variable(tf.initializers.glorotUniform({ seed: seed() }).apply([h, g * h]) as Tensor2D));
        // LSTM forget gate and GRU update gate start biased towards remembering.
        const bias = new Float32Array(g * h);
        if (shape.cell === 'lstm') bias.fill(1, h, 2 * h);
        else bias.fill(1, 0, 2 * h);
        out.push(tf.variable(tf.tensor1d(bias)));
      }
      out.push(tf.variable(tf.initializers.glorotUniform({ seed: seed() }).apply([h, shape.outputDim]) as Tensor2D));
      out.push(tf.variable(tf.zeros([shape.outputDim])));
      return out;
    });
    return new RecurrentNetwork(tf, shape, vars);
  }

  /** Rebuild a network from saved weights. */
  static fromSaved(tf: Tf, shape: NetworkShape, saved: SavedTensor[]): RecurrentNetwork {
    const vars = saved.map((s) => tf.tidy(() => tf.variable(tf.tensor(decodeFloat32(s.data), s.shape))));
    return new RecurrentNetwork(tf, shape, vars);
  }

  get variables(): Variable[] {
    return [...this.layers.flatMap((l) => [l.w, l.u, l.b]), this.outW, this.outB];
  }

  /** Copy every weight out to JSON-safe form. */
  save(): SavedTensor[] {
    const names = [...this.layers.flatMap((_, l) => [`l${l}_w`, `l${l}_u`, `l${l}_b`]), 'out_w', 'out_b'];
    return this.variables.map((v, i) => ({
      name: names[i]!,
      shape: v.shape.slice(),
      data: encodeFloat32(v.dataSync() as Float32Array),
    }));
  }

  /** Head outputs for every step of x [batch, steps, inputDim] → [batch·steps, outputDim] (call inside tf.tidy). */
  forward(x: Tensor3D): Tensor2D {
    const { tf } = this;
    const [batch, steps] = x.shape;
    let seq: Tensor3D = x;
    for (const layer of this.layers) {
      const inDim = seq.shape[2];
      const proj = tf
        .add(tf.matMul(tf.reshape(seq, [batch * steps, inDim]), layer.w), layer.b)
        .reshape([batch, steps, -1]) as Tensor3D;
      const perStep = tf.unstack(proj, 1) as Tensor2D[];
      let state = this.zeroState(batch);
      const outs: Tensor2D[] = [];
      for (const p of perStep) {
        state = this.cellStep(layer, p, state);
        outs.push(state[0]!);
      }
      seq = tf.stack(outs, 1) as Tensor3D;
    }
    return tf.add(tf.matMul(tf.reshape(seq, [batch * steps, this.shape.hidden]), this.outW), this.outB) as Tensor2D;
  }

  /** One step for every layer: input x [batch, inputDim] → head output [batch, outputDim] and the new state (call inside tf.tidy). */
  step(x: Tensor2D, state: State): { out: Tensor2D; state: State } {
    const { tf } = this;
    let input = x;
    const next: State = [];
    this.layers.forEach((layer, l) => {
      const proj = tf.add(tf.matMul(input, layer.w), layer.b) as Tensor2D;
      const s = this.cellStep(layer, proj, state[l]!);
      next.push(s);
      input = s[0]!;
    });
    return { out: tf.add(tf.matMul(input, this.outW), this.outB) as Tensor2D, state: next };
  }

  /** All-zero state for a batch. */
  initialState(batch: number): State {
    return this.layers.map(() => this.zeroState(batch));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.variables) v.dispose();
  }

  private zeroState(batch: number): Tensor2D[] {
    const z = () => this.tf.zeros([batch, this.shape.hidden]) as Tensor2D;
    return this.shape.cell === 'lstm' ? [z(), z()] : [z()];
  }

  /** Advance one cell given its input projection xW + b [batch, G·h]. */
  private cellStep(layer: Layer, proj: Tensor2D, state: Tensor2D[]): Tensor2D[] {
    const { tf } = this;
    const h = this.shape.hidden;
    const prev = state[0]!;
    if (this.shape.cell === 'lstm') {
      const z = tf.add(proj, tf.matMul(prev, layer.u)) as Tensor2D;
      const [i, f, g, o] = tf.split(z, 4, 1) as Tensor2D[];
      const c = tf.add(tf.mul(tf.sigmoid(f!), state[1]!), tf.mul(tf.sigmoid(i!), tf.tanh(g!))) as Tensor2D;
      return [tf.mul(tf.sigmoid(o!), tf.tanh(c)) as Tensor2D, c];
    }
    // GRU (TensorFlow 1 form): reset gate applied to the state before the recurrent product.
    const uGates = tf.slice(layer.u, [0, 0], [h, 2 * h]);
    const uCand = tf.slice(layer.u, [0, 2 * h], [h, h]);
    const [pr, pu, pc] = tf.split(proj, 3, 1) as Tensor2D[];
    const [rr, ru] = tf.split(tf.matMul(prev, uGates), 2, 1) as Tensor2D[];
    const r = tf.sigmoid(tf.add(pr!, rr!));
    const u = tf.sigmoid(tf.add(pu!, ru!));
    const cand = tf.tanh(tf.add(pc!, tf.matMul(tf.mul(r, prev), uCand)));
    return [tf.add(tf.mul(u, prev), tf.mul(tf.sub(1, u), cand)) as Tensor2D];
  }
}

function gates(cell: CellType): number {
  return cell === 'lstm' ? 4 : 3;
}
