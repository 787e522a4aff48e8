/**
 * `mixture-dp`: a differentially private variant of the `mixture` learner.
 * It fits the same model — principal components of whole windows and a
 * Gaussian mixture on their coordinates — from noisy sufficient statistics
 * only, and samples through the mixture's own loader:
 *
 * 1. Each column is clipped to its declared bounds (never the data's range)
 *    and mapped to [−1, 1], so a window of p values has norm ≤ C = √p.
 * 2. Private principal components (Analyze Gauss, Dwork et al. 2014): noisy
 *    window count, sum and second-moment matrix (discrete Gaussian, L2
 *    sensitivities m, m·C, m·C² for a unit that touches m windows), then an
 *    eigendecomposition of the noisy covariance.
 * 3. Private EM (after Park et al. 2017, "DP-EM"): each iteration releases,
 *    per component, the noisy sum of responsibilities, of responsibility-weighted
 *    coordinates and of their outer products (sensitivities m, m·C, m·C²,
 *    since one window's responsibilities sum to 1), and the M step uses only
 *    those. A fixed number of iterations, each accounted.
 *
 * The whole fit is ρ-zCDP with ρ the largest whose conversion gives the
 * requested (ε, δ); half of ρ goes to the principal components, half is split
 * evenly over the EM iterations. The model keeps no training rows (no tail,
 * no anchors): every path starts from the model itself. Component count and
 * dimension are fixed in advance (a data-driven choice would need budget).
 * The noise comes from node:crypto, so a private fit is not reproducible by
 * seed; sampling the fitted model is.
 */
import { maxRowSpan } from '../../generation/row-influence.js';
import { z } from 'zod';
import { TsiotError } from '../../../core/errors.js';
import type { Rng } from '../../../core/rng.js';
import type {
  FitContext,
  FitResult,
  LearnedGenerator,
  LoadedModel,
  TrainingData,
  TrainingSummary,
} from '../../generation/learner.js';
import { trainingSequences } from '../../generation/learner.js';
import { symmetricEigen } from '../../generation/mixture/eigen.js';
import { eStep, type Gmm } from '../../generation/mixture/gmm.js';
import { type MixtureState, mixtureLearner } from '../../generation/mixture/learned.js';
import type { ColumnMarginal } from '../../generation/mixture/marginals.js';
import { rhoFor, zcdpEpsilon } from '../calibration.js';
import { gaussianMechanism } from '../mechanisms.js';
import { SecureRandom } from '../random.js';
import { describeUnit, PrivacyUnitSchema, windowOverlap } from '../units.js';

const Int = (min: number, max: number) => z.number().int().min(min).max(max);
const MAX_WINDOW_VALUES = 1024;

export const BoundsSchema = z
  .record(z.string().min(1), z.object({ lower: z.number(), upper: z.number() }).strict())
  .describe('Declared range of every column, {"temperature": {"lower": -20, "upper": 50}}: values are clipped to it');

export const FitPrivacySchema = z
  .object({
    epsilon: z.number().positive().max(100).describe('Total ε of the fit'),
    delta: z.number().positive().lt(1).describe('Total δ of the fit (below 1/windows)'),
    unit: PrivacyUnitSchema,
    bounds: BoundsSchema,
  })
  .strict();
export type FitPrivacy = z.output<typeof FitPrivacySchema>;

export const PrivateMixtureOptionsSchema = z
  .object({
    window: Int(2, MAX_WINDOW_VALUES)
      .optional()
      .describe(
        'Steps per window; default the length of the given sequences when they all share one (≤ 1,024 values), else 24',
      ),
    stride: Int(1, 100_000)
      .optional()
      .describe('Steps between window starts; default = window (disjoint windows, so a row lies in one window)'),
    components: Int(1, 16)
      .default(3)
      .describe('Mixture components (fixed: choosing them from the data would cost budget)'),
    iterations: Int(1, 50).default(8).describe('Private EM iterations (each spends its share of the budget)'),
    maxLatent: Int(1, 32).default(8).describe('Most principal components kept'),
    variance: z.number().gt(0).max(1).default(0.95).describe('Share of the noisy variance the kept components explain'),
    overlap: Int(1, MAX_WINDOW_VALUES - 1)
      .optional()
      .describe('Steps a continuing path is conditioned on; default half the window'),
    privacy: FitPrivacySchema.describe(
      'Set by fit_model / synthesize_like from their privacy argument, and charged there',
    ),
  })
  .strict();
export type PrivateMixtureOptions = z.output<typeof PrivateMixtureOptionsSchema>;

/** Shares of ρ: principal components (count, sum, second moments) and, per EM iteration, (counts, sums, outer products). */
const PCA_SHARE = 0.5;
/** `clipped`: the count of clipped values, released too (one window holds at most p of them). */
const PCA_SPLIT = { count: 0.04, clipped: 0.01, sum: 0.15, moment: 0.8 };
const EM_SPLIT = { count: 0.1, sum: 0.3, moment: 0.6 };
/** Floor of the left-out variance per coordinate on the [−1, 1] scale. */
const NOISE_FLOOR = 1e-4;

const upperTri = (n: number) => (n * (n + 1)) / 2;

/** The upper triangle of a symmetric n×n matrix as a vector, row by row. */
function packUpper(a: Float64Array, n: number): Float64Array {
  const out = new Float64Array(upperTri(n));
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) out[k++] = a[i * n + j]!;
  return out;
}

function unpackUpper(v: ArrayLike<number>, n: number, out: Float64Array, offset = 0): void {
  let k = offset;
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      out[i * n + j] = v[k]!;
      out[j * n + i] = v[k]!;
      k++;
    }
}

/** Nearest positive definite matrix: eigenvalues floored. */
function floorSpectrum(a: Float64Array, n: number, floor: number): Float64Array {
  const e = symmetricEigen(a, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const lam = Math.max(e.values[k]!, floor);
    for (let i = 0; i < n; i++) {
      const vi = e.vectors[k * n + i]! * lam;
      for (let j = 0; j < n; j++) out[i * n + j]! += vi * e.vectors[k * n + j]!;
    }
  }
  return out;
}

export interface NoisyMStats {
  counts: Float64Array;
  sums: Float64Array;
  moments: Float64Array;
}

/**
 * One private M step's statistics: per component, Σ r, Σ r·z and Σ r·z zᵀ
 * (upper triangles), each with discrete Gaussian noise for its share of ρ.
 * `unitWindows` is how many windows one privacy unit touches; `clip` bounds ‖z‖.
 */
export function privateMStepStats(
  z: Float64Array,
  n: number,
  dim: number,
  resp: Float64Array,
  k: number,
  clip: number,
  unitWindows: number,
  rho: number,
  rnd: SecureRandom,
): NoisyMStats {
  const tri = upperTri(dim);
  const counts = new Float64Array(k);
  const sums = new Float64Array(k * dim);
  const moments = new Float64Array(k * tri);
  for (let i = 0; i < n; i++) {
    const zi = z.subarray(i * dim, (i + 1) * dim);
    for (let j = 0; j < k; j++) {
      const r = resp[i * k + j]!;
      if (r === 0) continue;
      counts[j]! += r;
      for (let a = 0; a < dim; a++) sums[j * dim + a]! += r * zi[a]!;
      let t = j * tri;
      for (let a = 0; a < dim; a++) {
        const ra = r * zi[a]!;
        for (let b = a; b < dim; b++) moments[t++]! += ra * zi[b]!;
      }
    }
  }
  const noisy = (v: Float64Array, sensitivity: number, share: number) =>
    Float64Array.from(gaussianMechanism(v, { sensitivity, rho: rho * share }, rnd).values);
  return {
    counts: noisy(counts, unitWindows, EM_SPLIT.count),
    sums: noisy(sums, unitWindows * clip, EM_SPLIT.sum),
    moments: noisy(moments, unitWindows * clip * clip, EM_SPLIT.moment),
  };
}

interface Windows {
  points: Float64Array;
  count: number;
  window: number;
  stride: number;
  /** Windows one privacy unit can touch. */
  unitWindows: number;
  clipped: number;
}

function cutPrivateWindows(
  data: TrainingData,
  marginals: ColumnMarginal[],
  bounds: { lower: number; upper: number }[],
  options: PrivateMixtureOptions,
  rnd: SecureRandom,
): Windows {
  const dim = marginals.length;
  const seqs = trainingSequences(data);
  const lengths = new Set(seqs.map((s) => s.timestamps.length));
  const only = lengths.size === 1 ? [...lengths][0]! : undefined;
  const window =
    options.window ??
    (data.sequences && only && only * dim <= MAX_WINDOW_VALUES
      ? only
      : Math.min(24, Math.floor(MAX_WINDOW_VALUES / dim)));
  if (window * dim > MAX_WINDOW_VALUES)
    throw new TsiotError(
      'invalid_input',
      `options.window: ${window} × ${dim} columns exceeds ${MAX_WINDOW_VALUES} values per window`,
      {
        details: { field: 'options.window', example: Math.floor(MAX_WINDOW_VALUES / dim) },
      },
    );
  const stride = options.stride ?? window;
  const unit = options.privacy.unit;
  if (unit.kind === 'device' && !data.sequences)
    throw new TsiotError('invalid_input', 'privacy.unit: unit "device" needs several series, one per device', {
      details: { field: 'privacy.unit', example: { kind: 'event' } },
    });
  if (unit.kind === 'device' && !unit.maxPartitionsPerDevice)
    throw new TsiotError(
      'invalid_input',
      'privacy.unit.maxPartitionsPerDevice: unit "device" needs the most windows a device contributes',
      {
        details: {
          field: 'privacy.unit.maxPartitionsPerDevice',
          example: { kind: 'device', maxPartitionsPerDevice: 10 },
        },
      },
    );
  const perDevice = unit.kind === 'device' ? unit.maxPartitionsPerDevice! : Number.POSITIVE_INFINITY;
  const p = window * dim;
  const starts: [number, number][] = [];
  seqs.forEach((s, i) => {
    const mine: [number, number][] = [];
    for (let t = 0; t + window <= s.timestamps.length; t += stride) mine.push([i, t]);
    if (mine.length > perDevice) {
      // contribution bound: a random subset of the device's windows, chosen before any noise
      for (let a = mine.length - 1; a > 0; a--) {
        const b = rnd.smallInt(a + 1);
        [mine[a], mine[b]] = [mine[b]!, mine[a]!];
      }
      mine.length = perDevice;
    }
    starts.push(...mine);
  });
  if (starts.length < 2)
    throw new TsiotError(
      'invalid_input',
      `options.window: ${window} steps leave ${starts.length} window(s); at least 2 are needed`,
      {
        details: { field: 'options.window', windows: starts.length },
      },
    );
  const points = new Float64Array(starts.length * p);
  let clipped = 0;
  starts.forEach(([i, t0], k) => {
    const s = seqs[i]!;
    for (let d = 0; d < dim; d++) {
      const col = s.columns[d]!.values;
      const { lower, upper } = bounds[d]!;
      const m = marginals[d]!;
      for (let t = 0; t < window; t++) {
        const raw = col[t0 + t]!;
        const v = Math.min(upper, Math.max(lower, raw));
        if (v !== raw) clipped++;
        points[k * p + t * dim + d] = (v - m.mean) / m.std;
      }
    }
  });
  // one row also sets the values interpolated from it, so it lies in the windows of all the rows it moves
  const unitWindows =
    unit.kind === 'device'
      ? perDevice
      : unit.kind === 'event'
        ? windowOverlap(window + maxRowSpan(data.influence, 1) - 1, stride)
        : 1;
  return { points, count: starts.length, window, stride, unitWindows, clipped };
}

export type PrivateFitGuarantee = {
  mechanism: string;
  epsilon: number;
  delta: number;
  rho: number;
  unit: string;
  randomness: string;
  accounting: string;
};

/** The guarantee a private fit will have, computed before anything runs (for the ledger). */
export function plannedGuarantee(privacy: FitPrivacy, windowOverlapSteps = 1): PrivateFitGuarantee {
  const rho = rhoFor(privacy.epsilon, privacy.delta);
  return {
    mechanism: 'discrete Gaussian (private principal components + private EM)',
    epsilon: privacy.epsilon,
    delta: privacy.delta,
    rho,
    unit: describeUnit(privacy.unit, windowOverlapSteps),
    randomness: 'noise from node:crypto; the fit is not reproducible by seed (sampling the fitted model is)',
    accounting: `ρ-zCDP with ρ = ${rho.toPrecision(4)}: half to the principal components, half over the EM iterations; (ε, δ) by the Canonne–Kamath–Steinke conversion`,
  };
}

async function fitPrivateMixture(
  data: TrainingData,
  options: PrivateMixtureOptions,
  ctx: FitContext,
): Promise<FitResult<MixtureState> & { privacy: { guarantee: PrivateFitGuarantee; summary: TrainingSummary } }> {
  const rnd = new SecureRandom();
  const cols = data.series.columns;
  const dim = cols.length;
  const { privacy } = options;
  for (const name of Object.keys(privacy.bounds))
    if (!cols.some((c) => c.name === name))
      throw new TsiotError(
        'invalid_input',
        `privacy.bounds.${name}: no such column (columns: ${cols.map((c) => c.name).join(', ')})`,
        {
          details: { field: `privacy.bounds.${name}` },
        },
      );
  const bounds = cols.map((c) => {
    const b = privacy.bounds[c.name];
    if (!b)
      throw new TsiotError(
        'invalid_input',
        `privacy.bounds.${c.name}: every column needs declared bounds; none for "${c.name}"`,
        {
          details: { field: `privacy.bounds.${c.name}`, example: { lower: 0, upper: 100 } },
        },
      );
    if (!Number.isFinite(b.lower) || !Number.isFinite(b.upper) || !(b.lower < b.upper))
      throw new TsiotError(
        'invalid_input',
        `privacy.bounds.${c.name}: expected finite lower < upper, got ${b.lower}, ${b.upper}`,
        {
          details: { field: `privacy.bounds.${c.name}` },
        },
      );
    return b;
  });
  const marginals: ColumnMarginal[] = cols.map((c, d) => ({
    name: c.name,
    mean: (bounds[d]!.lower + bounds[d]!.upper) / 2,
    std: (bounds[d]!.upper - bounds[d]!.lower) / 2,
  }));
  const w = cutPrivateWindows(data, marginals, bounds, options, rnd);
  const { points, count: n, window } = w;
  const overlap = options.overlap ?? Math.max(1, Math.floor(window / 2));
  if (overlap >= window)
    throw new TsiotError('invalid_input', `options.overlap: ${overlap} must be shorter than the window (${window})`, {
      details: { field: 'options.overlap' },
    });
  const p = window * dim;
  const clip = Math.sqrt(p);
  const m = w.unitWindows;
  const guarantee = plannedGuarantee(privacy, privacy.unit.kind === 'event' ? m : 1);
  const rho = guarantee.rho;
  const total = options.iterations + 2;
  ctx.onProgress?.({ done: 0, total, message: `private principal components of ${n} windows × ${p} values` });
  await new Promise((r) => setImmediate(r));

  // 1. noisy count, sum and second moments of the windows
  const rhoPca = rho * PCA_SHARE;
  const sum = new Float64Array(p);
  const moment = new Float64Array(p * p);
  for (let i = 0; i < n; i++) {
    const x = points.subarray(i * p, (i + 1) * p);
    for (let a = 0; a < p; a++) {
      const xa = x[a]!;
      sum[a]! += xa;
      const row = a * p;
      for (let b = a; b < p; b++) moment[row + b]! += xa * x[b]!;
    }
  }
  const noisyN = Math.max(2, gaussianMechanism([n], { sensitivity: m, rho: rhoPca * PCA_SPLIT.count }, rnd).values[0]!);
  const noisyClipped = gaussianMechanism([w.clipped], { sensitivity: m * p, rho: rhoPca * PCA_SPLIT.clipped }, rnd)
    .values[0]!;
  const noisySum = gaussianMechanism(sum, { sensitivity: m * clip, rho: rhoPca * PCA_SPLIT.sum }, rnd).values;
  const noisyMoment = gaussianMechanism(
    packUpper(moment, p),
    { sensitivity: m * clip * clip, rho: rhoPca * PCA_SPLIT.moment },
    rnd,
  ).values;
  ctx.signal?.throwIfAborted();
  const mu = Float64Array.from(noisySum, (v) => v / noisyN);
  const cov = new Float64Array(p * p);
  unpackUpper(noisyMoment, p, cov);
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) cov[a * p + b] = cov[a * p + b]! / noisyN - mu[a]! * mu[b]!;
  const eig = symmetricEigen(cov, p);
  let positive = 0;
  for (const v of eig.values) positive += Math.max(v, 0);
  let latent = 0;
  let kept = 0;
  const cap = Math.max(1, Math.min(options.maxLatent, p));
  while (latent < cap && (latent === 0 || kept < options.variance * positive))
    kept += Math.max(eig.values[latent++]!, 0);
  const comps = eig.vectors.slice(0, latent * p);
  const lambdas = Array.from(eig.values.slice(0, latent), (v) => Math.max(v, NOISE_FLOOR));
  const residualVariance = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let s = cov[j * p + j]!;
    for (let k = 0; k < latent; k++) s -= lambdas[k]! * comps[k * p + j]! ** 2;
    residualVariance[j] = Math.max(s, NOISE_FLOOR);
  }
  // latent coordinates z = V x (not centred: ‖z‖ ≤ ‖x‖ ≤ C whatever the noisy mean), and the mean left out of the span
  const z = new Float64Array(n * latent);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < latent; k++) {
      let s = 0;
      for (let a = 0; a < p; a++) s += comps[k * p + a]! * points[i * p + a]!;
      z[i * latent + k] = s;
    }
  const muZ = new Float64Array(latent);
  for (let k = 0; k < latent; k++) for (let a = 0; a < p; a++) muZ[k]! += comps[k * p + a]! * mu[a]!;
  const outMean = Float64Array.from(mu);
  for (let k = 0; k < latent; k++) for (let a = 0; a < p; a++) outMean[a]! -= muZ[k]! * comps[k * p + a]!;
  ctx.onProgress?.({ done: 1, total, message: `${latent} private components; private EM` });

  // 2. private EM from a start drawn from the private components (seeded: no data in it)
  const K = options.components;
  const floor = Math.max(NOISE_FLOOR, 1e-3 * (lambdas.reduce((a, b) => a + b, 0) / latent));
  const prior = (rng: Rng, j: number, model: Gmm) => {
    model.weights[j] = 1 / K;
    for (let a = 0; a < latent; a++) {
      model.means[j * latent + a] = muZ[a]! + Math.sqrt(lambdas[a]!) * rng.normal();
      for (let b = 0; b < latent; b++)
        model.covariances[j * latent * latent + a * latent + b] = a === b ? lambdas[a]! : 0;
    }
  };
  const model: Gmm = {
    dim: latent,
    weights: new Float64Array(K),
    means: new Float64Array(K * latent),
    covariances: new Float64Array(K * latent * latent),
  };
  const rng = ctx.rng.fork('private-em');
  for (let j = 0; j < K; j++) prior(rng, j, model);
  const rhoIter = (rho * (1 - PCA_SHARE)) / options.iterations;
  const resp = new Float64Array(n * K);
  const tri = upperTri(latent);
  let resets = 0;
  for (let it = 0; it < options.iterations; it++) {
    ctx.signal?.throwIfAborted();
    eStep(z, n, model, resp);
    const stats = privateMStepStats(z, n, latent, resp, K, clip, m, rhoIter, rnd);
    // a component whose noisy weight is below a few noise scales is re-drawn from the prior
    const countSigma = m / Math.sqrt(2 * rhoIter * EM_SPLIT.count);
    let totalCount = 0;
    for (let j = 0; j < K; j++) totalCount += Math.max(stats.counts[j]!, 0);
    for (let j = 0; j < K; j++) {
      const nk = stats.counts[j]!;
      if (!(nk > 3 * countSigma)) {
        prior(rng, j, model);
        model.weights[j] = 1 / (K * 10);
        resets++;
        continue;
      }
      model.weights[j] = nk / Math.max(totalCount, nk);
      for (let a = 0; a < latent; a++) model.means[j * latent + a] = stats.sums[j * latent + a]! / nk;
      const c = new Float64Array(latent * latent);
      unpackUpper(stats.moments, latent, c, j * tri);
      for (let a = 0; a < latent; a++)
        for (let b = 0; b < latent; b++)
          c[a * latent + b] = c[a * latent + b]! / nk - model.means[j * latent + a]! * model.means[j * latent + b]!;
      model.covariances.set(floorSpectrum(c, latent, floor), j * latent * latent);
    }
    let ws = 0;
    for (const v of model.weights) ws += v;
    for (let j = 0; j < K; j++) model.weights[j]! /= ws;
    ctx.onProgress?.({ done: it + 2, total, message: `private EM iteration ${it + 1}/${options.iterations}` });
    await new Promise((r) => setImmediate(r));
  }
  const state: MixtureState = {
    window,
    overlap,
    columns: marginals,
    pca: {
      mean: Array.from(outMean),
      components: Array.from(comps),
      latent,
      residualVariance: Array.from(residualVariance),
    },
    mixture: {
      weights: Array.from(model.weights),
      means: Array.from(model.means),
      covariances: Array.from(model.covariances),
    },
    tail: cols.map(() => []),
    anchors: [],
  };
  // the training summary shows DP estimates (post-processing of the released statistics) and the declared bounds
  const summary: TrainingSummary = {
    ...data.summary,
    columns: data.summary.columns.map((c, d) => {
      let mean = 0;
      let variance = 0;
      for (let t = 0; t < window; t++) {
        mean += mu[t * dim + d]!;
        variance += cov[(t * dim + d) * p + t * dim + d]!;
      }
      const scale = marginals[d]!.std;
      return {
        name: c.name,
        ...(c.unit ? { unit: c.unit } : {}),
        mean: marginals[d]!.mean + (mean / window) * scale,
        std: Math.sqrt(Math.max(variance / window, 0)) * scale,
        min: bounds[d]!.lower,
        max: bounds[d]!.upper,
      };
    }),
    notes: [
      ...data.summary.notes,
      'column means and standard deviations are differentially private estimates; min and max are the declared bounds; the row count and time range are treated as public',
    ],
  };
  ctx.onProgress?.({ done: total, total, message: 'fitted' });
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return {
    state,
    hyperParameters: { ...options, window, stride: w.stride, overlap },
    details: {
      method:
        'differentially private mixture: columns clipped to declared bounds and scaled to [−1, 1]; private principal components from noisy count, sum and second moments of the windows; private EM on the components with noisy sufficient statistics every iteration (discrete Gaussian noise)',
      privacy: { ...guarantee, epsilonCheck: round(zcdpEpsilon(rho, privacy.delta)) },
      window: `${window} steps, stride ${w.stride}`,
      // the released (noisy) count: the exact one would leak whether a unit's windows were in the data
      trainingWindowsNoisy: Math.round(noisyN),
      windowsPerUnit: m,
      valuesPerWindow: p,
      clipNorm: round(clip),
      valuesClippedNoisy: Math.max(0, Math.round(noisyClipped)),
      principalComponents: latent,
      mixtureComponents: K,
      emIterations: options.iterations,
      componentsRedrawn: resets,
      weights: Array.from(model.weights, round),
    },
    privacy: { guarantee, summary },
  };
}

/** The `mixture-dp` learner (sampling is the mixture's own). */
export const privateMixtureLearner: LearnedGenerator<PrivateMixtureOptions, MixtureState> = {
  name: 'mixture-dp',
  private: true,
  fitOptionsSchema: PrivateMixtureOptionsSchema,
  minimumRows(options) {
    return (options.window ?? 2) * 2;
  },
  fit: fitPrivateMixture,
  async load(state: MixtureState): Promise<LoadedModel> {
    return mixtureLearner.load(state);
  },
};
