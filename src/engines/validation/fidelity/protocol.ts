import type { Rng } from '../../../core/rng.js';
import type { ProgressFn } from '../../../core/types.js';
import { sampleWindows, sines, splitWindows, shuffleWindows, type Scaling, type Windows } from './data.js';
import { discriminativeScore } from './discriminative.js';
import { windowAcfDistance, windowCorrelationalScore, windowKsStatistics, windowOutOfRange } from './metrics.js';
import { predictiveScore } from './predictive.js';
import { type StrongDiscriminatorOptions, strongDiscriminativeScore } from './strong-discriminative.js';

/**
 * The fidelity protocol of BENCHMARKS.md (TimeGAN paper): a generator learns
 * from the real windows of a dataset and returns as many synthetic windows;
 * both sets are scored with the discriminative and predictive scores, the
 * correlational score, marginal KS statistics and the ACF distance.
 */

/** A dataset of the protocol: real windows scaled to [0, 1]. */
export interface FidelityDataset {
  name: string;
  columns: string[];
  windows: Windows;
  /**
   * The unscaled rows the windows were cut from (Stocks, CSV datasets), oldest
   * first, the scaling applied, and their time stamps (epoch ms) when known.
   */
  source?: { rows: number; cols: number; data: Float64Array; scaling: Scaling; timestamps?: Float64Array };
}

export interface SampleContext {
  rng: Rng;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

export interface SampleResult {
  synthetic: Windows;
  /** Set when the sampler holds out part of the real windows: the real side is then the rest. */
  real?: Windows;
  /** Training and sampling wall time, seconds, when the sampler trains a model. */
  fitSeconds?: number;
  sampleSeconds?: number;
}

/** Anything that can learn from a dataset and sample windows like its real ones (same length, features and scaling). */
export interface WindowSampler {
  readonly name: string;
  readonly description: string;
  sample(dataset: FidelityDataset, ctx: SampleContext): Promise<SampleResult>;
}

export interface ProtocolOptions {
  discriminativeIterations: number;
  predictiveIterations: number;
  batchSize?: number;
  /** Also score with the stronger discriminator (strong-discriminative.ts), with these options. */
  strong?: StrongDiscriminatorOptions;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

export interface ProtocolRun {
  discriminative: number;
  /** The stronger discriminator's score and how long it trained, when asked for. */
  strong?: { score: number; iterations: number; bestIteration: number };
  predictive: number;
  correlational: number;
  /** Marginal KS statistic per feature. */
  ks: number[];
  acfDistance: number;
  /** Share of synthetic values outside the real windows' range (per feature). */
  outOfRange: number;
  /** Training + sampling wall time of the generator, seconds. */
  generatorSeconds: number;
  /** The training and sampling parts of it, when the sampler reports them. */
  fitSeconds?: number;
  sampleSeconds?: number;
  /** Wall time of the metrics, seconds. */
  metricSeconds: number;
  realWindows: number;
  syntheticWindows: number;
}

/** The paper's iteration counts. */
export const PAPER_ITERATIONS = { discriminative: 2000, predictive: 5000 } as const;

/** One run of the protocol with one seed. */
export async function runProtocol(
  dataset: FidelityDataset,
  sampler: WindowSampler,
  rng: Rng,
  options: ProtocolOptions,
): Promise<ProtocolRun> {
  const t0 = performance.now();
  const sampled = await sampler.sample(dataset, {
    rng: rng.fork('sampler'),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const generatorSeconds = (performance.now() - t0) / 1000;
  const real = sampled.real ?? dataset.windows;
  const synthetic = sampled.synthetic;
  const t1 = performance.now();
  const common = {
    batchSize: options.batchSize ?? 128,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  const disc = await discriminativeScore(real, synthetic, rng.fork('discriminative'), {
    ...common,
    iterations: options.discriminativeIterations,
  });
  const pred = await predictiveScore(synthetic, real, rng.fork('predictive'), {
    ...common,
    iterations: options.predictiveIterations,
  });
  // The same rng as the paper's classifier: the same 80/20 split, so both are scored on the same windows.
  const strong = options.strong
    ? await strongDiscriminativeScore(real, synthetic, rng.fork('discriminative'), {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...options.strong,
      })
    : undefined;
  return {
    discriminative: disc.score,
    ...(strong
      ? { strong: { score: strong.score, iterations: strong.iterations, bestIteration: strong.bestIteration } }
      : {}),
    predictive: pred.score,
    correlational: windowCorrelationalScore(real, synthetic),
    ks: windowKsStatistics(real, synthetic),
    acfDistance: windowAcfDistance(real, synthetic),
    outOfRange: windowOutOfRange(real, synthetic),
    generatorSeconds,
    ...(sampled.fitSeconds !== undefined ? { fitSeconds: sampled.fitSeconds } : {}),
    ...(sampled.sampleSeconds !== undefined ? { sampleSeconds: sampled.sampleSeconds } : {}),
    metricSeconds: (performance.now() - t1) / 1000,
    realWindows: real.count,
    syntheticWindows: synthetic.count,
  };
}

/**
 * The sanity row: held-out real windows stand in for synthetic ones. For a
 * dataset drawn from a known process (Sines) a fresh draw of the same size is
 * held out; otherwise the shuffled windows are split in half. It should score
 * near 0 discriminative and the original-data predictive score.
 */
export const realSampler: WindowSampler = {
  name: 'real',
  description: 'Real vs real: held-out real windows as the synthetic set (sanity row).',
  async sample(dataset, ctx) {
    if (dataset.name === 'sines') {
      const w = dataset.windows;
      return { synthetic: sines(ctx.rng.fork('held-out'), w.count, w.length, w.dim) };
    }
    const [real, heldOut] = splitWindows(dataset.windows, 0.5, ctx.rng.fork('held-out'));
    return { real, synthetic: heldOut };
  },
};

/**
 * A weak baseline: every value drawn independently from a normal with the
 * mean and standard deviation of its step and feature in the real windows
 * (right marginals, no dynamics, no cross-correlation).
 */
export const gaussianSampler: WindowSampler = {
  name: 'gaussian',
  description:
    'Independent Gaussian per step and feature with the real mean and std (no dynamics): a floor to compare against.',
  async sample(dataset, ctx) {
    const w = dataset.windows;
    const size = w.length * w.dim;
    const mean = new Float64Array(size);
    const sq = new Float64Array(size);
    for (let k = 0; k < w.count; k++) {
      for (let i = 0; i < size; i++) {
        const v = w.data[k * size + i]!;
        mean[i]! += v;
        sq[i]! += v * v;
      }
    }
    const std = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      mean[i]! /= w.count;
      std[i] = Math.sqrt(Math.max(0, sq[i]! / w.count - mean[i]! ** 2));
    }
    const data = new Float32Array(w.count * size);
    for (let k = 0; k < w.count; k++)
      for (let i = 0; i < size; i++) data[k * size + i] = mean[i]! + std[i]! * ctx.rng.normal();
    return { synthetic: { count: w.count, length: w.length, dim: w.dim, data } };
  },
};

/** Shuffle a dataset's windows for one run (the paper shuffles after cutting). */
export function shuffledDataset(dataset: FidelityDataset, rng: Rng, maxWindows = Infinity): FidelityDataset {
  const windows = sampleWindows(shuffleWindows(dataset.windows, rng), maxWindows, rng);
  return { ...dataset, windows };
}

export interface Spread {
  mean: number;
  std: number;
}

/** Mean and sample standard deviation of several runs. */
export function spread(values: readonly number[]): Spread {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}
