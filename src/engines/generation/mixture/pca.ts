/** Principal components of a set of points, with the variance they leave out per coordinate. */
import { symmetricEigen } from './eigen.js';
import { addGram, rowProducts } from './kernels.js';

/** Points handled together (a block and its transpose stay in cache). */
const BLOCK = 256;

export interface Pca {
  /** Coordinates of each point. */
  dim: number;
  mean: Float64Array;
  /** Kept components as rows, latent × dim. */
  components: Float64Array;
  latent: number;
  /** Variance along each kept component. */
  variances: Float64Array;
  /** Share of the total variance the kept components explain. */
  explained: number;
  /** Variance of what the kept components leave out, per coordinate. */
  residualVariance: Float64Array;
}

export interface PcaOptions {
  /** Keep the fewest components explaining at least this share of the variance. */
  variance: number;
  /** Never keep more than this many. */
  maxLatent: number;
  signal?: AbortSignal;
}

/** Fit principal components to n points of `dim` coordinates (row-major). */
export function fitPca(points: Float64Array, n: number, dim: number, options: PcaOptions): Pca {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += points[i * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= n;
  const cov = new Float64Array(dim * dim);
  // Blocks of centred points, transposed so the covariance is a Gram matrix of rows (see kernels.ts).
  const t = new Float64Array(dim * BLOCK);
  for (let from = 0; from < n; from += BLOCK) {
    options.signal?.throwIfAborted();
    const len = Math.min(BLOCK, n - from);
    for (let i = 0; i < len; i++)
      for (let j = 0; j < dim; j++) t[j * len + i] = points[(from + i) * dim + j]! - mean[j]!;
    addGram(t, dim, len, cov);
  }
  for (let i = 0; i < dim * dim; i++) cov[i]! /= n;
  const eig = symmetricEigen(cov, dim);
  let total = 0;
  for (let k = 0; k < dim; k++) total += Math.max(eig.values[k]!, 0);
  const cap = Math.max(1, Math.min(options.maxLatent, dim, Math.max(1, n - 1)));
  let latent = 0;
  let kept = 0;
  while (latent < cap && (latent === 0 || kept < options.variance * total)) kept += Math.max(eig.values[latent++]!, 0);
  const components = eig.vectors.slice(0, latent * dim);
  const variances = eig.values.slice(0, latent).map((v) => Math.max(v, 0));
  // What the kept components leave out: the diagonal of the covariance minus its rank-`latent` part.
  const residualVariance = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    let s = cov[j * dim + j]!;
    for (let k = 0; k < latent; k++) s -= variances[k]! * components[k * dim + j]! ** 2;
    residualVariance[j] = Math.max(s, 0);
  }
  return { dim, mean, components, latent, variances, explained: total > 0 ? kept / total : 1, residualVariance };
}

/** Latent coordinates (n × latent) of points. */
export function project(pca: Pca, points: Float64Array, n: number): Float64Array {
  const { dim, latent, components, mean } = pca;
  const out = new Float64Array(n * latent);
  const c = new Float64Array(BLOCK * dim);
  for (let from = 0; from < n; from += BLOCK) {
    const len = Math.min(BLOCK, n - from);
    for (let i = 0; i < len * dim; i++) c[i] = points[from * dim + i]! - mean[i % dim]!;
    rowProducts(c, len, components, latent, dim, out.subarray(from * latent, (from + len) * latent));
  }
  return out;
}
