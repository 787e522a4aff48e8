/**
 * Gaussian mixture with full covariances fitted by expectation–maximisation
 * (Dempster, Laird & Rubin 1977), seeded by k-means++ (Arthur & Vassilvitskii
 * 2007) so every fit is reproducible from its Rng. The E step whitens blocks
 * of points with each component's inverse Cholesky factor and the M step
 * builds each covariance as a Gram matrix, both with the blocked products of
 * kernels.ts: one iteration costs about n · k · dim² multiply-adds.
 */
import type { Rng } from '../../../core/rng.js';
import { cholesky } from '../arima/linalg.js';
import { addGram, invertLower, rowProducts } from './kernels.js';

/** Points handled together in the E and M steps. */
const BLOCK = 256;

export interface Gmm {
  /** Dimension of the points. */
  dim: number;
  weights: Float64Array;
  /** Component means, k × dim. */
  means: Float64Array;
  /** Component covariances, k × dim × dim. */
  covariances: Float64Array;
}

export interface GmmFit extends Gmm {
  logLikelihood: number;
  /** Free parameters of the mixture. */
  parameters: number;
  bic: number;
  aic: number;
  iterations: number;
  converged: boolean;
}

export interface GmmOptions {
  components: number;
  maxIterations?: number;
  /** Stop when the mean log-likelihood per point improves by less than this. */
  tolerance?: number;
  /** Added to every covariance diagonal, relative to the mean variance of the data (keeps components non-singular). */
  regularization?: number;
  /** Start from this mixture (same dimension) instead of k-means++: a warm start, e.g. from a fit on a subset. */
  init?: Gmm;
  signal?: AbortSignal;
  /** Called after every E step, with the iterations done and the log-likelihood per point. */
  onIteration?: (iteration: number, logLikelihoodPerPoint: number) => void;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Fit a k-component mixture to n points of `dim` dimensions (row-major).
 * Yields to the event loop after every iteration, so progress and
 * cancellation get through on long fits.
 */
export async function fitGmm(
  points: Float64Array,
  n: number,
  dim: number,
  options: GmmOptions,
  rng: Rng,
): Promise<GmmFit> {
  const k = options.init ? options.init.weights.length : Math.max(1, Math.min(options.components, n));
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 1e-5;
  let meanVariance = 0;
  {
    const mu = new Float64Array(dim);
    for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mu[d]! += points[i * dim + d]! / n;
    for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) meanVariance += (points[i * dim + d]! - mu[d]!) ** 2;
    meanVariance /= n * dim;
  }
  const reg = (options.regularization ?? 1e-6) * Math.max(meanVariance, 1e-300);

  let resp = new Float64Array(n * k);
  let model: Gmm = {
    dim,
    weights: new Float64Array(k),
    means: new Float64Array(k * dim),
    covariances: new Float64Array(k * dim * dim),
  };
  if (options.init) {
    model.weights.set(options.init.weights);
    model.means.set(options.init.means);
    model.covariances.set(options.init.covariances);
  } else {
    kmeansInit(points, n, dim, k, rng, resp);
    mStep(points, n, dim, resp, reg, model);
  }
  let previous = -Infinity;
  let logLikelihood = -Infinity;
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
    logLikelihood = eStep(points, n, model, resp);
    const kept = liveComponents(model, resp, n);
    if (kept.length < model.weights.length) {
      // A component that lost all its points is dropped, and the E step redone without it.
      model = selectComponents(model, kept);
      resp = new Float64Array(n * kept.length);
      continue;
    }
    iterations++;
    options.onIteration?.(iterations, logLikelihood / n);
    await new Promise((r) => setImmediate(r));
    if (logLikelihood / n - previous / n < tolerance) {
      converged = true;
      break;
    }
    previous = logLikelihood;
    mStep(points, n, dim, resp, reg, model);
  }
  const kk = model.weights.length;
  const parameters = kk - 1 + kk * dim + (kk * dim * (dim + 1)) / 2;
  return {
    ...model,
    logLikelihood,
    parameters,
    bic: -2 * logLikelihood + parameters * Math.log(n),
    aic: -2 * logLikelihood + 2 * parameters,
    iterations,
    converged,
  };
}

/** Components that still carry responsibility for some points. */
function liveComponents(model: Gmm, resp: Float64Array, n: number): number[] {
  const k = model.weights.length;
  const mass = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) mass[j]! += resp[i * k + j]!;
  const keep: number[] = [];
  for (let j = 0; j < k; j++) if (mass[j]! > 1e-3 * Math.max(1, model.dim)) keep.push(j);
  return keep.length > 0 ? keep : [mass.indexOf(Math.max(...mass))];
}

/** The mixture restricted to some components, weights renormalised. */
export function selectComponents(model: Gmm, keep: readonly number[]): Gmm {
  const { dim } = model;
  const weights = Float64Array.from(keep, (j) => model.weights[j]!);
  const total = weights.reduce((a, b) => a + b, 0);
  for (let j = 0; j < weights.length; j++) weights[j] = total > 0 ? weights[j]! / total : 1 / weights.length;
  const means = new Float64Array(keep.length * dim);
  const covariances = new Float64Array(keep.length * dim * dim);
  keep.forEach((j, r) => {
    means.set(model.means.subarray(j * dim, (j + 1) * dim), r * dim);
    covariances.set(model.covariances.subarray(j * dim * dim, (j + 1) * dim * dim), r * dim * dim);
  });
  return { dim, weights, means, covariances };
}

function mStep(points: Float64Array, n: number, dim: number, resp: Float64Array, reg: number, model: Gmm): void {
  const k = model.weights.length;
  // Weighted, centred points of one component, transposed (dim × BLOCK): the covariance is their Gram matrix.
  const t = new Float64Array(dim * BLOCK);
  const rows = new Int32Array(BLOCK);
  const weights = new Float64Array(BLOCK);
  for (let j = 0; j < k; j++) {
    let nk = 0;
    const mean = model.means.subarray(j * dim, (j + 1) * dim);
    mean.fill(0);
    for (let i = 0; i < n; i++) {
      const r = resp[i * k + j]!;
      if (r === 0) continue;
      nk += r;
      for (let d = 0; d < dim; d++) mean[d]! += r * points[i * dim + d]!;
    }
    const cov = model.covariances.subarray(j * dim * dim, (j + 1) * dim * dim);
    cov.fill(0);
    if (nk <= 0) {
      model.weights[j] = 0;
      continue;
    }
    for (let d = 0; d < dim; d++) mean[d]! /= nk;
    let len = 0;
    const flush = () => {
      for (let i = 0; i < len; i++) {
        const w = weights[i]!;
        const base = rows[i]! * dim;
        for (let d = 0; d < dim; d++) t[d * len + i] = w * (points[base + d]! - mean[d]!);
      }
      addGram(t, dim, len, cov);
      len = 0;
    };
    for (let i = 0; i < n; i++) {
      const r = resp[i * k + j]!;
      // Points a component barely explains change its covariance by less than rounding.
      if (r < 1e-12) continue;
      rows[len] = i;
      weights[len++] = Math.sqrt(r);
      if (len === BLOCK) flush();
    }
    if (len > 0) flush();
    for (let a = 0; a < dim * dim; a++) cov[a]! /= nk;
    for (let a = 0; a < dim; a++) cov[a * dim + a]! += reg;
    model.weights[j] = nk / n;
  }
}

/** Responsibilities of each component for each point; returns the log-likelihood. */
export function eStep(points: Float64Array, n: number, model: Gmm, resp: Float64Array): number {
  const k = model.weights.length;
  const logp = logDensities(points, n, model);
  let total = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) if (logp[i * k + j]! > max) max = logp[i * k + j]!;
    let s = 0;
    for (let j = 0; j < k; j++) s += Math.exp(logp[i * k + j]! - max);
    const lse = max + Math.log(s);
    total += lse;
    for (let j = 0; j < k; j++) resp[i * k + j] = Math.exp(logp[i * k + j]! - lse);
  }
  return total;
}

/** log(weight_j · N(x_i; mean_j, cov_j)) for every point and component, n × k. */
export function logDensities(points: Float64Array, n: number, model: Gmm): Float64Array {
  const { dim } = model;
  const k = model.weights.length;
  const out = new Float64Array(n * k);
  const y = new Float64Array(BLOCK * dim);
  for (let j = 0; j < k; j++) {
    const l = cholesky(model.covariances.subarray(j * dim * dim, (j + 1) * dim * dim), dim);
    let logDet = 0;
    for (let d = 0; d < dim; d++) logDet += 2 * Math.log(Math.max(l[d * dim + d]!, 1e-300));
    const base = Math.log(Math.max(model.weights[j]!, 1e-300)) - 0.5 * (dim * LOG_2PI + logDet);
    // L⁻¹(x − μ) = L⁻¹x − L⁻¹μ: whiten the points in blocks, subtract the whitened mean.
    const inv = invertLower(l, dim);
    const mu = new Float64Array(dim);
    rowProducts(model.means.subarray(j * dim, (j + 1) * dim), 1, inv, dim, dim, mu, true);
    for (let from = 0; from < n; from += BLOCK) {
      const len = Math.min(BLOCK, n - from);
      rowProducts(points.subarray(from * dim, (from + len) * dim), len, inv, dim, dim, y, true);
      for (let i = 0; i < len; i++) {
        let maha = 0;
        for (let a = 0; a < dim; a++) {
          const v = y[i * dim + a]! - mu[a]!;
          maha += v * v;
        }
        out[(from + i) * k + j] = base - 0.5 * maha;
      }
    }
  }
  return out;
}

/** k-means++ seeding and a few Lloyd iterations; writes hard responsibilities. */
function kmeansInit(points: Float64Array, n: number, dim: number, k: number, rng: Rng, resp: Float64Array): void {
  const centers = new Float64Array(k * dim);
  const dist = new Float64Array(n).fill(Infinity);
  const first = rng.int(0, n);
  centers.set(points.subarray(first * dim, (first + 1) * dim), 0);
  for (let c = 1; c <= k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      let d2 = 0;
      for (let d = 0; d < dim; d++) d2 += (points[i * dim + d]! - centers[(c - 1) * dim + d]!) ** 2;
      if (d2 < dist[i]!) dist[i] = d2;
      total += dist[i]!;
    }
    if (c === k) break;
    let u = rng.nextDouble() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      u -= dist[i]!;
      if (u <= 0) {
        pick = i;
        break;
      }
    }
    centers.set(points.subarray(pick * dim, (pick + 1) * dim), c * dim);
  }
  const assign = new Int32Array(n);
  const counts = new Float64Array(k);
  // ‖x − c‖² = ‖x‖² − 2 x·c + ‖c‖², with the products x·c computed in blocks.
  const dots = new Float64Array(BLOCK * k);
  const centerNorms = new Float64Array(k);
  for (let it = 0; it < 10; it++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += centers[c * dim + d]! ** 2;
      centerNorms[c] = s;
    }
    for (let from = 0; from < n; from += BLOCK) {
      const len = Math.min(BLOCK, n - from);
      rowProducts(points.subarray(from * dim, (from + len) * dim), len, centers, k, dim, dots);
      for (let i = 0; i < len; i++) {
        let best = 0;
        let bestD = Infinity;
        for (let c = 0; c < k; c++) {
          const d2 = centerNorms[c]! - 2 * dots[i * k + c]!;
          if (d2 < bestD) {
            bestD = d2;
            best = c;
          }
        }
        assign[from + i] = best;
      }
    }
    const sums = new Float64Array(k * dim);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assign[i]!;
      counts[c]! += 1;
      for (let d = 0; d < dim; d++) sums[c * dim + d]! += points[i * dim + d]!;
    }
    for (let c = 0; c < k; c++)
      if (counts[c]! > 0) for (let d = 0; d < dim; d++) centers[c * dim + d] = sums[c * dim + d]! / counts[c]!;
  }
  resp.fill(0);
  for (let i = 0; i < n; i++) resp[i * k + assign[i]!] = 1;
}

/** Draw n points from the mixture (row-major n × dim). */
export function sampleGmm(model: Gmm, n: number, rng: Rng): Float64Array {
  const { dim } = model;
  const k = model.weights.length;
  const factors = Array.from({ length: k }, (_, j) =>
    cholesky(model.covariances.subarray(j * dim * dim, (j + 1) * dim * dim), dim),
  );
  const cumulative = new Float64Array(k);
  let s = 0;
  for (let j = 0; j < k; j++) cumulative[j] = s += model.weights[j]!;
  const out = new Float64Array(n * dim);
  const e = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const u = rng.nextDouble() * s;
    let j = 0;
    while (j < k - 1 && cumulative[j]! <= u) j++;
    const l = factors[j]!;
    for (let d = 0; d < dim; d++) e[d] = rng.normal();
    for (let a = 0; a < dim; a++) {
      let v = model.means[j * dim + a]!;
      for (let b = 0; b <= a; b++) v += l[a * dim + b]! * e[b]!;
      out[i * dim + a] = v;
    }
  }
  return out;
}
