/**
 * DoppelGANger (Lin et al., IMC 2020) as a learned generator, registered as
 * `dgan` (alias `ydata`, the multi-entity model of ydata-synthetic): it clones
 * a fleet of entities, each a multivariate series with static attributes
 * (`metadata.attributes`: model, site, firmware, …).
 *
 * Generation runs in three stages:
 *   1. an attribute generator (MLP) turns noise into attributes — one-hot
 *      categories through a softmax, numeric values through a sigmoid;
 *   2. a min/max generator (MLP) turns attributes + noise into each feature's
 *      per-entity centre and range ("auto-normalisation"), so entities of
 *      very different levels share one feature generator;
 *   3. a GRU conditioned on attributes, min/max and fresh noise per pass emits
 *      `sampleLen` steps per pass of features normalised to the entity's range.
 * A discriminator (MLP) sees attributes, min/max and the whole feature
 * sequence; an auxiliary discriminator sees attributes and min/max only.
 * Both are Wasserstein critics with a gradient penalty (WGAN-GP, weight 10
 * as in the paper); their hidden layers use tanh or a smooth leaky ReLU
 * (`criticActivation`) because the penalty differentiates them twice and
 * tfjs has no second derivative for ReLU. Adam with β1 = 0.5.
 *
 * Training data are the entities (`TrainingData.sequences`, or the one
 * series): every batch row is a random crop of `length` steps of a random
 * entity, min-max scaled with the columns' overall range and then
 * normalised to its own range. A checkpoint every N iterations holds the
 * iterations done, the weights of all five networks (critics included), the
 * state of both Adam optimizers (step count, first and second moments,
 * running β powers) and the losses so far. Every random choice after
 * initialisation (crops, noise, interpolation weights) comes from an Rng
 * forked per iteration, and the initial weights from one forked per network,
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
  type SampledEntity,
  type SampledPath,
  type SampleRequest,
  type TrainingData,
  trainingSequences,
} from '../learner.js';
import { type NetworkShape, RecurrentNetwork } from '../rnn/network.js';
import {
  type AttributeSpec,
  checkRequested,
  decodeAttributes,
  discoverAttributes,
  encodeAttributes,
  encodedWidth,
} from './attributes.js';
import { Mlp, type MlpShape } from './mlp.js';

type Tensor2D = import('@tensorflow/tfjs').Tensor2D;
type Tensor3D = import('@tensorflow/tfjs').Tensor3D;
type Scalar = import('@tensorflow/tfjs').Scalar;

export const DganFitOptionsSchema = z
  .object({
    length: z
      .number()
      .int()
      .min(2)
      .max(4096)
      .optional()
      .describe('Steps per training crop; default the shortest entity, at most 256'),
    sampleLen: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(4)
      .describe("Steps the feature GRU emits per pass (the paper's batch generation)"),
    hidden: z.number().int().min(1).max(512).default(64).describe('Units of the feature GRU'),
    layers: z.number().int().min(1).max(4).default(1).describe('Feature GRU layers'),
    mlpHidden: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .default(64)
      .describe('Units per hidden layer of the attribute and min/max generators'),
    discriminatorHidden: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .default(128)
      .describe('Units per hidden layer of both discriminators'),
    discriminatorLayers: z.number().int().min(1).max(6).default(3),
    criticActivation: z
      .enum(['tanh', 'smooth-leaky'])
      .default('tanh')
      .describe(
        'Hidden activation of both discriminators (twice differentiable for the gradient penalty); smooth-leaky (0.2·x + 0.8·softplus x) cannot saturate',
      ),
    noiseDim: z.number().int().min(1).max(256).default(8).describe('Noise width of each generator input'),
    iterations: z.number().int().min(1).max(1_000_000).default(1000),
    batchSize: z.number().int().min(1).max(2048).default(64),
    learningRate: z.number().positive().max(1).default(0.001),
    gradientPenalty: z.number().min(0).default(10).describe('WGAN-GP weight λ'),
    auxiliaryWeight: z
      .number()
      .min(0)
      .default(1)
      .describe('Weight α of the auxiliary (attribute) discriminator in the generator loss'),
    discriminatorSteps: z.number().int().min(1).max(10).default(1).describe('Critic updates per generator update'),
    checkpointEvery: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe('Save a resumable checkpoint every this many iterations'),
  })
  .strict();
export type DganFitOptions = z.output<typeof DganFitOptionsSchema>;

/** Crop length and steps per pass actually used (length a multiple of sampleLen). */
interface Geometry {
  length: number;
  sampleLen: number;
}

export interface DganShapes {
  /** Absent when the entities carry no attributes. */
  attribute?: MlpShape;
  minmax: MlpShape;
  feature: NetworkShape;
  discriminator: MlpShape;
  auxiliary: MlpShape;
}

type NetName = keyof DganShapes;
const GENERATORS = ['attribute', 'minmax', 'feature'] as const;
const CRITICS = ['discriminator', 'auxiliary'] as const;

export interface DganState {
  length: number;
  sampleLen: number;
  noiseDim: number;
  columns: { name: string; min: number; max: number }[];
  attributes: AttributeSpec[];
  shapes: DganShapes;
  /** Generator weights (the critics are not needed to sample). */
  weights: Partial<Record<'attribute' | 'minmax' | 'feature', SavedTensor[]>>;
}

export interface DganCheckpoint {
  /** Iterations completed. */
  iteration: number;
  weights: Partial<Record<NetName, SavedTensor[]>>;
  /** Adam state of the generators' and the critics' optimizers; absent in checkpoints from before it was saved. */
  optimizers?: { generator: SavedOptimizer; critic: SavedOptimizer };
  losses: { generator: number[]; discriminator: number[]; wasserstein: number[] };
}

/** Crop length and steps per pass for these entities and options. */
function geometry(data: TrainingData, o: DganFitOptions): Geometry {
  const shortest = Math.min(...trainingSequences(data).map((s) => s.timestamps.length));
  const wanted = o.length ?? Math.min(256, shortest);
  if (wanted > shortest) {
    throw new TsiotError(
      'invalid_input',
      `length: ${wanted} steps is longer than the shortest entity (${shortest} rows)`,
      {
        details: { field: 'length', length: wanted, shortest },
        hint: `Use length ≤ ${shortest}, or drop the short entities.`,
      },
    );
  }
  const sampleLen = Math.min(o.sampleLen, wanted);
  return { length: Math.floor(wanted / sampleLen) * sampleLen, sampleLen };
}

function shapesFor(o: DganFitOptions, attrWidth: number, dim: number, g: Geometry): DganShapes {
  const critic = (inputDim: number): MlpShape => ({
    inputDim,
    hidden: o.discriminatorHidden,
    layers: o.discriminatorLayers,
    outputDim: 1,
    activation: o.criticActivation,
  });
  return {
    ...(attrWidth > 0
      ? {
          attribute: {
            inputDim: o.noiseDim,
            hidden: o.mlpHidden,
            layers: 2,
            outputDim: attrWidth,
            activation: 'relu' as const,
          },
        }
      : {}),
    minmax: {
      inputDim: attrWidth + o.noiseDim,
      hidden: o.mlpHidden,
      layers: 2,
      outputDim: 2 * dim,
      activation: 'relu',
    },
    feature: {
      cell: 'gru',
      inputDim: attrWidth + 2 * dim + o.noiseDim,
      hidden: o.hidden,
      layers: o.layers,
      outputDim: g.sampleLen * dim,
    },
    discriminator: critic(attrWidth + 2 * dim + g.length * dim),
    auxiliary: critic(attrWidth + 2 * dim),
  };
}

interface Nets {
  attribute?: Mlp;
  minmax: Mlp;
  feature: RecurrentNetwork;
  discriminator?: Mlp;
  auxiliary?: Mlp;
}

function buildNets(
  tf: Tf,
  shapes: DganShapes,
  saved: Partial<Record<NetName, SavedTensor[]>> | undefined,
  rng: Rng | undefined,
  withCritics: boolean,
): Nets {
  const mlp = (n: 'attribute' | 'minmax' | 'discriminator' | 'auxiliary'): Mlp =>
    saved?.[n] ? Mlp.fromSaved(tf, shapes[n]!, saved[n]) : Mlp.create(tf, shapes[n]!, rng!.fork(`init/${n}`));
  return {
    ...(shapes.attribute ? { attribute: mlp('attribute') } : {}),
    minmax: mlp('minmax'),
    feature: saved?.feature
      ? RecurrentNetwork.fromSaved(tf, shapes.feature, saved.feature)
      : RecurrentNetwork.create(tf, shapes.feature, rng!.fork('init/feature')),
    ...(withCritics ? { discriminator: mlp('discriminator'), auxiliary: mlp('auxiliary') } : {}),
  };
}

function disposeNets(nets: Nets): void {
  nets.attribute?.dispose();
  nets.minmax.dispose();
  nets.feature.dispose();
  nets.discriminator?.dispose();
  nets.auxiliary?.dispose();
}

function saveNets(nets: Nets, names: readonly NetName[]): Partial<Record<NetName, SavedTensor[]>> {
  const out: Partial<Record<NetName, SavedTensor[]>> = {};
  for (const n of names) {
    const net = nets[n];
    if (net) out[n] = net.save();
  }
  return out;
}

/** The generator's three stages as tf ops (call inside tf.tidy / minimize). */
class DganGraph {
  constructor(
    private readonly tf: Tf,
    private readonly nets: Nets,
    private readonly specs: readonly AttributeSpec[],
    private readonly dim: number,
    private readonly geometry: Geometry,
  ) {}

  /** Encoded attributes from noise [B, nz] → [B, A]: a softmax per category group, a sigmoid per number. */
  attributes(z: Tensor2D): Tensor2D {
    const { tf } = this;
    const raw = this.nets.attribute!.forward(z);
    const parts: Tensor2D[] = [];
    let at = 0;
    for (const s of this.specs) {
      const w = s.kind === 'categorical' ? s.values.length : 1;
      const slice = tf.slice(raw, [0, at], [-1, w]) as Tensor2D;
      parts.push((s.kind === 'categorical' ? tf.softmax(slice) : tf.sigmoid(slice)) as Tensor2D);
      at += w;
    }
    return tf.concat(parts, 1) as Tensor2D;
  }

  /** Per-feature centre and range in [0, 1] from attributes and noise → [B, 2D]. */
  minmax(attrs: Tensor2D | null, z: Tensor2D): Tensor2D {
    const { tf } = this;
    return tf.sigmoid(this.nets.minmax.forward(attrs ? (tf.concat([attrs, z], 1) as Tensor2D) : z)) as Tensor2D;
  }

  /** Normalised features [B, passes·sampleLen·D] from the condition [B, C] and per-pass noise [B, passes, nz]. */
  features(cond: Tensor2D, z: Tensor3D): Tensor2D {
    const { tf } = this;
    const [b, passes] = z.shape;
    const tiled = tf.tile(tf.reshape(cond, [b, 1, -1]), [1, passes, 1]) as Tensor3D;
    const out = this.nets.feature.forward(tf.concat([tiled, z], 2) as Tensor3D);
    return tf.reshape(tf.sigmoid(out), [b, passes * this.geometry.sampleLen * this.dim]) as Tensor2D;
  }

  /** A whole fake batch: the critic's input [B, A+2D+T·D] and the auxiliary critic's [B, A+2D]. */
  generate(za: Tensor2D, zm: Tensor2D, zf: Tensor3D): { full: Tensor2D; aux: Tensor2D } {
    const { tf } = this;
    const attrs = this.nets.attribute ? this.attributes(za) : null;
    const mm = this.minmax(attrs, zm);
    const cond = attrs ? (tf.concat([attrs, mm], 1) as Tensor2D) : mm;
    return { full: tf.concat([cond, this.features(cond, zf)], 1) as Tensor2D, aux: cond };
  }
}

/** WGAN-GP penalty: mean (‖∇ critic(x̂)‖ − 1)² at random interpolates x̂ of real and fake rows. */
function gradientPenalty(tf: Tf, critic: Mlp, real: Tensor2D, fake: Tensor2D, eps: Tensor2D): Scalar {
  const xHat = tf.add(tf.mul(eps, real), tf.mul(tf.sub(1, eps), fake)) as Tensor2D;
  const g = tf.grad((x) => tf.sum(critic.forward(x as Tensor2D)))(xHat);
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(g), 1), 1e-12));
  return tf.mean(tf.square(tf.sub(norm, 1))) as Scalar;
}

/** Entities scaled to [0, 1] with each column's overall range, row-major [rows, D]. */
function scaledEntities(data: TrainingData): { rows: number; x: Float32Array }[] {
  const cols = data.summary.columns;
  return trainingSequences(data).map((s) => {
    const rows = s.timestamps.length;
    const x = new Float32Array(rows * cols.length);
    cols.forEach((c, d) => {
      const v = s.columns[d]!.values;
      const span = c.max - c.min;
      for (let t = 0; t < rows; t++) x[t * cols.length + d] = (v[t]! - c.min) / span;
    });
    return { rows, x };
  });
}

/** Fill row `b` of a real batch: attributes, per-feature centre and range, then the crop normalised to that range. */
function realRow(
  entity: { rows: number; x: Float32Array },
  start: number,
  T: number,
  dim: number,
  attrs: Float32Array,
  into: Float32Array,
  b: number,
): void {
  const A = attrs.length;
  const width = A + 2 * dim + T * dim;
  const o = b * width;
  into.set(attrs, o);
  for (let d = 0; d < dim; d++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let t = 0; t < T; t++) {
      const v = entity.x[(start + t) * dim + d]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const range = hi - lo;
    into[o + A + d] = (hi + lo) / 2;
    into[o + A + dim + d] = range;
    for (let t = 0; t < T; t++)
      into[o + A + 2 * dim + t * dim + d] = range > 1e-9 ? (entity.x[(start + t) * dim + d]! - lo) / range : 0.5;
  }
}

function normals(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

async function trainDgan(tf: Tf, data: TrainingData, o: DganFitOptions, ctx: FitContext) {
  const geo = geometry(data, o);
  const entities = trainingSequences(data);
  const specs = discoverAttributes(entities);
  const A = encodedWidth(specs);
  const dim = data.summary.columns.length;
  const shapes = shapesFor(o, A, dim, geo);
  const scaled = scaledEntities(data);
  const encoded = entities.map((e) => {
    const v = new Float32Array(A);
    encodeAttributes(specs, (e.metadata.attributes ?? {}) as Record<string, string | number | boolean>, v, 0);
    return v;
  });
  const resume = ctx.resumeFrom as DganCheckpoint | undefined;
  const nets = buildNets(tf, shapes, resume?.weights, ctx.rng, true);
  const graph = new DganGraph(tf, nets, specs, dim, geo);
  const adam = () => tf.train.adam(o.learningRate, 0.5, 0.999);
  const optG = adam();
  const optD = adam();
  const genVars = [...(nets.attribute?.variables ?? []), ...nets.minmax.variables, ...nets.feature.variables];
  const critic = nets.discriminator!;
  const aux = nets.auxiliary!;
  const criticVars = [...critic.variables, ...aux.variables];
  const T = geo.length;
  const B = o.batchSize;
  const passes = T / geo.sampleLen;
  const width = A + 2 * dim + T * dim;
  const losses = resume
    ? {
        generator: [...resume.losses.generator],
        discriminator: [...resume.losses.discriminator],
        wasserstein: [...resume.losses.wasserstein],
      }
    : { generator: [], discriminator: [], wasserstein: [] as number[] };
  const noise = (rng: Rng) => ({
    za: tf.tensor2d(normals(rng, B * o.noiseDim), [B, o.noiseDim]),
    zm: tf.tensor2d(normals(rng, B * o.noiseDim), [B, o.noiseDim]),
    zf: tf.tensor3d(normals(rng, B * passes * o.noiseDim), [B, passes, o.noiseDim]),
  });
  const realBatch = (rng: Rng): Tensor2D => {
    const buf = new Float32Array(B * width);
    for (let b = 0; b < B; b++) {
      const e = rng.int(0, scaled.length);
      const start = rng.int(0, scaled[e]!.rows - T + 1);
      realRow(scaled[e]!, start, T, dim, encoded[e]!, buf, b);
    }
    return tf.tensor2d(buf, [B, width]);
  };
  const scalar = (s: Scalar | null): number => {
    const v = s!.dataSync()[0]!;
    s!.dispose();
    return v;
  };
  const first = resume?.iteration ?? 0;
  try {
    // Onto the fresh optimizers, before their first step; old checkpoints have none (Adam restarts).
    if (resume?.optimizers) {
      await restoreOptimizer(tf, optG, resume.optimizers.generator);
      await restoreOptimizer(tf, optD, resume.optimizers.critic);
    }
    for (let it = first; it < o.iterations; it++) {
      const rng = ctx.rng.fork(`iteration/${it}`);
      let dLoss = 0;
      let wDistance = 0;
      for (let k = 0; k < o.discriminatorSteps; k++) {
        const real = realBatch(rng);
        const z = noise(rng);
        const eps = tf.tensor2d(
          Float32Array.from({ length: B }, () => rng.next()),
          [B, 1],
        );
        const fake = tf.tidy(() => graph.generate(z.za, z.zm, z.zf));
        const realAux = tf.slice(real, [0, 0], [B, A + 2 * dim]) as Tensor2D;
        dLoss = scalar(
          optD.minimize(
            () => {
              const w = tf.sub(tf.mean(critic.forward(fake.full)), tf.mean(critic.forward(real)));
              const wAux = tf.sub(tf.mean(aux.forward(fake.aux)), tf.mean(aux.forward(realAux)));
              const gp = tf.add(
                gradientPenalty(tf, critic, real, fake.full, eps),
                gradientPenalty(tf, aux, realAux, fake.aux, eps),
              );
              return tf.addN([w, wAux, tf.mul(o.gradientPenalty, gp)]) as Scalar;
            },
            true,
            criticVars,
          ),
        );
        wDistance = tf.tidy(
          () => tf.sub(tf.mean(critic.forward(real)), tf.mean(critic.forward(fake.full))).dataSync()[0]!,
        );
        tf.dispose([real, realAux, z.za, z.zm, z.zf, eps, fake.full, fake.aux]);
      }
      const z = noise(rng);
      const gLoss = scalar(
        optG.minimize(
          () => {
            const fake = graph.generate(z.za, z.zm, z.zf);
            return tf.sub(
              tf.neg(tf.mean(critic.forward(fake.full))),
              tf.mul(o.auxiliaryWeight, tf.mean(aux.forward(fake.aux))),
            ) as Scalar;
          },
          true,
          genVars,
        ),
      );
      tf.dispose([z.za, z.zm, z.zf]);
      if (!Number.isFinite(gLoss) || !Number.isFinite(dLoss)) {
        throw new TsiotError(
          'invalid_input',
          `Training diverged at iteration ${it + 1} (generator loss ${gLoss}, discriminator loss ${dLoss})`,
          {
            details: { iteration: it + 1 },
            hint: 'Lower learningRate, or check the data for extreme outliers.',
          },
        );
      }
      losses.generator.push(gLoss);
      losses.discriminator.push(dLoss);
      losses.wasserstein.push(wDistance);
      const done = it + 1;
      ctx.onProgress?.({
        done,
        total: o.iterations,
        message: `iteration ${done}/${o.iterations}, generator ${gLoss.toFixed(4)}, discriminator ${dLoss.toFixed(4)}, Wasserstein ${wDistance.toFixed(4)}`,
      });
      if (ctx.checkpoint && done % o.checkpointEvery === 0 && done < o.iterations) {
        const cp: DganCheckpoint = {
          iteration: done,
          weights: saveNets(nets, [...GENERATORS, ...CRITICS]),
          optimizers: { generator: await saveOptimizer(optG), critic: await saveOptimizer(optD) },
          losses: {
            generator: [...losses.generator],
            discriminator: [...losses.discriminator],
            wasserstein: [...losses.wasserstein],
          },
        };
        await ctx.checkpoint(cp, { done, total: o.iterations });
      }
      await new Promise<void>((r) => setImmediate(r));
      ctx.signal?.throwIfAborted();
    }
    return { geo, specs, shapes, weights: saveNets(nets, GENERATORS) as DganState['weights'], losses };
  } finally {
    disposeNets(nets);
    optG.dispose();
    optD.dispose();
  }
}

class LoadedDgan implements LoadedModel {
  readonly bytes: number;
  private readonly graph: DganGraph;

  constructor(
    private readonly tf: Tf,
    private readonly nets: Nets,
    private readonly state: DganState,
  ) {
    const dim = state.columns.length;
    this.graph = new DganGraph(tf, nets, state.attributes, dim, { length: state.length, sampleLen: state.sampleLen });
    const params =
      (nets.attribute?.size ?? 0) + nets.minmax.size + nets.feature.variables.reduce((s, v) => s + v.size, 0);
    this.bytes = 4 * params + 4096;
  }

  /** Fresh entities of any length (the feature generator is recurrent); the context is not used. */
  async sample(req: SampleRequest, rng: Rng, signal?: AbortSignal): Promise<SampledPath[]> {
    return (await this.sampleEntities(req, rng, signal)).map((e) => e.path);
  }

  async sampleEntities(req: SampleRequest, rng: Rng, signal?: AbortSignal): Promise<SampledEntity[]> {
    const { tf, state, graph } = this;
    const fixed = checkRequested(state.attributes, req.attributes ?? {});
    const dim = state.columns.length;
    const A = encodedWidth(state.attributes);
    const nz = state.noiseDim;
    const S = state.sampleLen;
    const passes = Math.ceil(req.length / S);
    const out: SampledEntity[] = [];
    const chunk = 256;
    for (let from = 0; from < req.count; from += chunk) {
      signal?.throwIfAborted();
      const b = Math.min(chunk, req.count - from);
      const za = normals(rng, b * nz);
      const zm = normals(rng, b * nz);
      const zf = normals(rng, b * passes * nz);
      // Stage 1: attributes, with the requested ones fixed (one-hot / scaled value).
      const attrs = new Float32Array(b * A);
      if (this.nets.attribute) {
        const t = tf.tidy(() => graph.attributes(tf.tensor2d(za, [b, nz])));
        attrs.set(t.dataSync() as Float32Array);
        t.dispose();
        if (Object.keys(fixed).length) {
          const one = new Float32Array(A);
          for (let p = 0; p < b; p++) {
            const merged = { ...decodeAttributes(state.attributes, attrs, p * A), ...fixed };
            encodeAttributes(state.attributes, merged, one, 0);
            let at = 0;
            for (const s of state.attributes) {
              const w = s.kind === 'categorical' ? s.values.length : 1;
              if (s.name in fixed) attrs.set(one.subarray(at, at + w), p * A + at);
              at += w;
            }
          }
        }
      }
      // Stages 2 and 3: min/max and features conditioned on the attributes.
      const result = tf.tidy(() => {
        const at = A > 0 ? tf.tensor2d(attrs, [b, A]) : null;
        const mm = graph.minmax(at, tf.tensor2d(zm, [b, nz]));
        const cond = at ? (tf.concat([at, mm], 1) as Tensor2D) : mm;
        return [mm, graph.features(cond, tf.tensor3d(zf, [b, passes, nz]))];
      });
      const mm = result[0]!.dataSync() as Float32Array;
      const feats = result[1]!.dataSync() as Float32Array;
      tf.dispose(result);
      const steps = passes * S;
      for (let p = 0; p < b; p++) {
        const path = state.columns.map((c, d) => {
          const centre = mm[p * 2 * dim + d]!;
          const range = mm[p * 2 * dim + dim + d]!;
          const lo = centre - range / 2;
          const col = new Float64Array(req.length);
          for (let t = 0; t < req.length; t++)
            col[t] = (lo + feats[(p * steps + t) * dim + d]! * range) * (c.max - c.min) + c.min;
          return col;
        });
        out.push({ attributes: { ...decodeAttributes(state.attributes, attrs, p * A), ...fixed }, path });
      }
      await new Promise<void>((r) => setImmediate(r));
    }
    return out;
  }

  dispose(): void {
    disposeNets(this.nets);
  }
}

export const dganLearner: LearnedGenerator<DganFitOptions, DganState> = {
  name: 'dgan',
  fitOptionsSchema: DganFitOptionsSchema,
  minimumRows(o) {
    return o.length ?? 2;
  },
  async fit(data: TrainingData, options: DganFitOptions, ctx: FitContext): Promise<FitResult<DganState>> {
    const tf = await loadTf();
    const started = performance.now();
    const r = await trainDgan(tf, data, options, ctx);
    const resumed = ctx.resumeFrom as DganCheckpoint | undefined;
    const columns = data.summary.columns.map((c) => ({ name: c.name, min: c.min, max: c.max }));
    const entities = trainingSequences(data).length;
    return {
      state: {
        length: r.geo.length,
        sampleLen: r.geo.sampleLen,
        noiseDim: options.noiseDim,
        columns,
        attributes: r.specs,
        shapes: r.shapes,
        weights: r.weights,
      },
      hyperParameters: { ...options, length: r.geo.length, sampleLen: r.geo.sampleLen },
      details: {
        backend: tf.getBackend(),
        entities,
        attributes: r.specs,
        losses: {
          generator: lossTrend(r.losses.generator),
          discriminator: lossTrend(r.losses.discriminator),
          wasserstein: lossTrend(r.losses.wasserstein),
        },
        secondsPerIteration:
          (performance.now() - started) / 1000 / Math.max(1, r.losses.generator.length - (resumed?.iteration ?? 0)),
        ...(resumed ? { resumedFrom: { iteration: resumed.iteration } } : {}),
        ...(resumed && !resumed.optimizers ? { resumedWithoutOptimizerState: true } : {}),
        scaling: columns,
      },
    };
  },
  async load(state: DganState): Promise<LoadedModel> {
    const tf = await loadTf();
    return new LoadedDgan(tf, buildNets(tf, state.shapes, state.weights, undefined, false), state);
  },
};

/** The same learner under the name ydata-synthetic users know it by. */
export const ydataLearner: LearnedGenerator<DganFitOptions, DganState> = { ...dganLearner, name: 'ydata' };
