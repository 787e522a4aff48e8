/**
 * The `mixture` learned generator: a Gaussian mixture over whole windows.
 *
 * Fitting maps every column to a normal scale (its empirical distribution
 * through a Gaussian copula, or plain z-scores), cuts the training data into windows of
 * `window` steps — within each independent sequence, never across joins —
 * flattens each to one vector, keeps the principal components that explain
 * most of the windows' variance, and fits a full-covariance Gaussian mixture
 * to the windows' coordinates on them (EM, k-means++ start, the number of
 * components chosen by BIC). What the kept components leave out is modelled
 * as independent noise per step and column. The model is therefore one
 * Gaussian mixture over whole windows (a mixture of factor analysers with a
 * shared loading matrix), which makes two things exact and cheap:
 *
 * - sampling a window: draw a component, its latent coordinates and the
 *   left-out noise;
 * - continuing a path: the distribution of the next steps given the last
 *   `overlap` steps is again a Gaussian mixture (component weights
 *   re-weighted by how well each explains the observed steps, means and
 *   covariances conditioned in closed form), so paths longer than a window,
 *   and paths that continue after the training data, are drawn from the
 *   model's own conditional law.
 *
 * The component search spends a fixed budget of EM work (search.ts): small
 * data are fitted to convergence on every window, large data search on a
 * random subset and refit the chosen mixture on all windows, so a fit takes
 * under a minute here even at 20,000 windows of 24 × 13 (bench/mixture-fit.ts).
 * Strong on short, smooth, window-shaped data; a window must hold at most 1,024 values
 * (window × columns), and structure longer than a window is carried only by
 * the conditioning on the overlap.
 */
import { z } from 'zod';
import { TsiotError } from '../../../core/errors.js';
import type { Rng } from '../../../core/rng.js';
import {
  type FitContext,
  type FitResult,
  type LearnedGenerator,
  type LoadedModel,
  type SampledPath,
  type SampleRequest,
  type TrainingData,
  trainingSequences,
} from '../learner.js';
import { cholesky } from '../arima/linalg.js';
import { detectPeriods } from '../statistical/fit/mstl.js';
import type { Gmm } from './gmm.js';
import { type ColumnMarginal, fitMarginal, fromModel, toModel } from './marginals.js';
import { fitPca, project } from './pca.js';
import { searchComponents } from './search.js';

const Int = (min: number, max: number) => z.number().int().min(min).max(max);

/** Largest window × columns a model handles (the principal components need a dense square matrix of that size). */
export const MAX_WINDOW_VALUES = 1024;

export const MixtureFitOptionsSchema = z
  .object({
    window: Int(2, MAX_WINDOW_VALUES)
      .optional()
      .describe(
        'Steps per window; default: the length of the given sequences when they all share one, else one cycle of the strongest detected seasonal period, else 24. window × columns must be at most 1,024',
      ),
    stride: Int(1, 100_000)
      .optional()
      .describe(
        'Steps between the starts of consecutive training windows; default 1, raised so that at most maxWindows windows are cut',
      ),
    maxWindows: Int(16, 200_000)
      .default(20_000)
      .describe('Most training windows (the stride is raised to stay under it)'),
    variance: z
      .number()
      .gt(0)
      .max(1)
      .default(0.999)
      .describe("Share of the windows' variance the principal components keep (0–1]"),
    maxLatent: Int(1, 256).default(64).describe('Most principal components kept'),
    components: z
      .union([Int(1, 256), z.literal('auto')])
      .default('auto')
      .describe(
        'Mixture components, or "auto": try 1, 2, 4, … up to maxComponents, stopping when the criterion gets worse, and keep the best',
      ),
    maxComponents: Int(1, 256).default(32).describe('Largest number of components "auto" tries'),
    criterion: z.enum(['bic', 'aic']).default('bic').describe('How "auto" chooses the number of components'),
    overlap: Int(1, MAX_WINDOW_VALUES - 1)
      .optional()
      .describe(
        'Steps a continuing path is conditioned on (paths longer than a window, or context "end"); default half the window',
      ),
    maxIterations: Int(1, 10_000).default(300).describe('Most EM iterations per mixture fit'),
    marginals: z
      .enum(['standardize', 'copula'])
      .default('standardize')
      .describe(
        '"standardize": model z-scores (best for smooth, near-Gaussian columns); "copula": model each column on the normal scores of its empirical distribution, so samples keep its skew and bounds (never leaving the training range) — better marginals, but the curved scale needs more components',
      ),
  })
  .strict();
export type MixtureFitOptions = z.output<typeof MixtureFitOptionsSchema>;

export interface MixtureState {
  window: number;
  overlap: number;
  /** How each column maps to the model's scale and back. */
  columns: ColumnMarginal[];
  /** Principal components: mean (window·columns), loadings as rows (latent × window·columns), left-out variance per coordinate. */
  pca: { mean: number[]; components: number[]; latent: number; residualVariance: number[] };
  mixture: { weights: number[]; means: number[]; covariances: number[] };
  /** The last rows of the training data (raw, one array per column) for context "end". */
  tail: number[][];
  /**
   * Stretches of `overlap` training rows at random positions (model scale,
   * flattened row-major), for context "random": a path continues one of them.
   */
  anchors: number[][];
}

/** Most stretches of training data kept for context "random". */
const MAX_ANCHORS = 1000;

/** Left-out variance is floored at this share of a column's variance on the model scale (keeps conditioning well posed). */
const NOISE_FLOOR = 1e-8;

interface Cut {
  /** Why this window length. */
  reason: string;
  points: Float64Array;
  count: number;
  stride: number;
  window: number;
}

/** The window used when none is given, and why. */
interface WindowChoice {
  window: number;
  reason: string;
}

/** Fewest windows a default window leaves in the data (so the mixture has something to fit). */
const MIN_DEFAULT_WINDOWS = 16;

/**
 * The default window: the sequences' own length when they all share one;
 * else one cycle of the strongest seasonal period detected in the data (so a
 * window holds a whole cycle and continuation keeps its phase); else 24 steps
 * — each kept within 1,024 values and short enough to leave a few windows.
 */
function defaultWindow(data: TrainingData): WindowChoice {
  const dim = data.series.columns.length;
  const seqs = trainingSequences(data);
  const lengths = new Set(seqs.map((s) => s.timestamps.length));
  const cap = Math.max(2, Math.floor(MAX_WINDOW_VALUES / dim));
  if (data.sequences && lengths.size === 1) {
    const only = [...lengths][0]!;
    if (only >= 2 && only <= cap) return { window: only, reason: `the length of every given sequence (${only} steps)` };
  }
  const longest = Math.max(...lengths);
  const fit = Math.max(2, Math.min(cap, Math.floor(longest / MIN_DEFAULT_WINDOWS) || 2));
  if (!data.sequences) {
    const periods = data.series.columns
      .flatMap((c) => detectPeriods(c.values, { maxPeriods: 1 }).map((p) => ({ ...p, column: c.name })))
      .filter((p) => p.period >= 4 && p.period <= fit)
      .sort((a, b) => b.acf - a.acf);
    const best = periods[0];
    if (best)
      return {
        window: best.period,
        reason: `one cycle of the ${best.period}-step period detected in "${best.column}" (autocorrelation ${best.acf.toFixed(2)})`,
      };
  }
  const window = Math.min(24, fit);
  return {
    window,
    reason:
      window === 24
        ? 'the default (no seasonal period detected)'
        : `short enough to leave at least ${MIN_DEFAULT_WINDOWS} windows in the data`,
  };
}

/** Standardised, flattened windows (row t, column d at t·D + d) cut inside each sequence. */
function cutWindows(data: TrainingData, marginals: ColumnMarginal[], options: MixtureFitOptions): Cut {
  const dim = marginals.length;
  const choice = options.window ? { window: options.window, reason: 'given' } : defaultWindow(data);
  const { window } = choice;
  if (window * dim > MAX_WINDOW_VALUES) {
    throw new TsiotError(
      'invalid_input',
      `options.window: ${window} steps × ${dim} columns is ${window * dim} values per window; at most ${MAX_WINDOW_VALUES} are supported`,
      {
        details: { field: 'options.window', window, columns: dim, max: MAX_WINDOW_VALUES },
        hint: `Use a shorter window, e.g. {"window": ${Math.max(2, Math.floor(MAX_WINDOW_VALUES / dim))}}, or fewer columns.`,
      },
    );
  }
  const seqs = trainingSequences(data);
  const longest = Math.max(...seqs.map((s) => s.timestamps.length));
  const starts = seqs.reduce((n, s) => n + Math.max(0, s.timestamps.length - window + 1), 0);
  if (starts < 2) {
    throw new TsiotError(
      'invalid_input',
      `options.window: a window of ${window} steps needs sequences at least that long and at least 2 windows in all; the longest sequence has ${longest} rows, which gives ${starts}`,
      {
        details: { field: 'options.window', window, longestSequence: longest, windows: starts },
        hint: `Give more data or a shorter window, e.g. {"window": ${Math.max(2, Math.min(24, Math.floor(longest / 4)))}}.`,
      },
    );
  }
  const stride = options.stride ?? Math.max(1, Math.ceil(starts / options.maxWindows));
  const p = window * dim;
  // Every window start at this stride, inside each sequence; when there are more than
  // maxWindows (many short sequences, or a stride given), an evenly spaced subset of them.
  const all: [seq: number, start: number][] = [];
  seqs.forEach((s, i) => {
    for (let start = 0; start + window <= s.timestamps.length; start += stride) all.push([i, start]);
  });
  const keep =
    all.length <= options.maxWindows
      ? all
      : Array.from({ length: options.maxWindows }, (_, j) => all[Math.floor((j * all.length) / options.maxWindows)]!);
  const count = keep.length;
  const points = new Float64Array(count * p);
  keep.forEach(([i, start], k) => {
    const s = seqs[i]!;
    for (let d = 0; d < dim; d++) {
      const col = s.columns[d]!.values;
      const m = marginals[d]!;
      for (let t = 0; t < window; t++) points[k * p + t * dim + d] = toModel(m, col[start + t]!);
    }
  });
  if (count < 2) {
    throw new TsiotError(
      'invalid_input',
      `options.stride: a stride of ${stride} leaves ${count} training window(s); at least 2 are needed`,
      {
        details: { field: 'options.stride', stride, windows: count },
        hint: 'Use a smaller stride, e.g. {"stride": 1}.',
      },
    );
  }
  return { points, count, stride, window, reason: choice.reason };
}

/** Component counts "auto" tries, in order: 1, 2, 4, … up to the cap, and the cap itself (the search stops early when the criterion worsens). */
function componentGrid(options: MixtureFitOptions, windows: number): number[] {
  const cap = Math.max(
    1,
    Math.min(options.components === 'auto' ? options.maxComponents : options.components, windows),
  );
  if (options.components !== 'auto') return [cap];
  const grid: number[] = [];
  for (let k = 1; k < cap; k *= 2) grid.push(k);
  grid.push(cap);
  return grid;
}

async function fitMixture(
  data: TrainingData,
  options: MixtureFitOptions,
  ctx: FitContext,
): Promise<FitResult<MixtureState>> {
  const dim = data.series.columns.length;
  const stats = data.summary.columns.map((c, d) =>
    fitMarginal(c.name, data.series.columns[d]!.values, c.mean, c.std, options.marginals),
  );
  const cut = cutWindows(data, stats, options);
  const { window, count } = cut;
  const overlap = options.overlap ?? Math.max(1, Math.floor(window / 2));
  if (overlap >= window) {
    throw new TsiotError(
      'invalid_input',
      `options.overlap: ${overlap} must be shorter than the window (${window} steps)`,
      {
        details: { field: 'options.overlap', overlap, window },
        hint: `e.g. {"overlap": ${Math.max(1, Math.floor(window / 2))}}`,
      },
    );
  }
  const p = window * dim;
  const grid = componentGrid(options, count);
  // Stages: principal components, each candidate, the refit on all windows, done.
  const total = grid.length + 2;
  ctx.onProgress?.({ done: 0, total, message: `principal components of ${count} windows × ${p} values` });
  await new Promise((r) => setImmediate(r));
  const pca = fitPca(cut.points, count, p, {
    variance: options.variance,
    maxLatent: options.maxLatent,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  const residualVariance = pca.residualVariance.map((v) => Math.max(v, NOISE_FLOOR));
  const latent = project(pca, cut.points, count);
  let lastStage = -1;
  let lastAt = 0;
  const search = await searchComponents(
    latent,
    count,
    pca.latent,
    {
      grid,
      criterion: options.criterion,
      maxIterations: options.maxIterations,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onProgress: (stage, message) => {
        // Every stage's start, and its EM iterations at most once a second.
        const now = performance.now();
        if (stage === lastStage && now - lastAt < 1000) return;
        lastStage = stage;
        lastAt = now;
        ctx.onProgress?.({ done: stage + 1, total, message });
      },
    },
    ctx.rng,
  );
  const { tried } = search;
  ctx.onProgress?.({ done: total, total, message: 'fitted' });
  const chosen = search.best;
  const last = trainingSequences(data).at(-1)!;
  const tailRows = Math.min(window, last.timestamps.length);
  const state: MixtureState = {
    window,
    overlap,
    columns: stats,
    pca: {
      mean: Array.from(pca.mean),
      components: Array.from(pca.components),
      latent: pca.latent,
      residualVariance: Array.from(residualVariance),
    },
    mixture: {
      weights: Array.from(chosen.weights),
      means: Array.from(chosen.means),
      covariances: Array.from(chosen.covariances),
    },
    tail: last.columns.map((c) => Array.from(c.values.subarray(c.values.length - tailRows))),
    anchors: anchorsOf(cut, overlap, dim, ctx.rng.fork('anchors')),
  };
  return {
    state,
    hyperParameters: { ...options, window, overlap, stride: cut.stride },
    details: {
      method:
        'principal components of windows (each column on its normal scores or z-scores), full-covariance Gaussian mixture on them (EM from k-means++, components chosen within a fixed budget of EM work), left-out variance as independent noise',
      window: `${window} steps: ${cut.reason}`,
      trainingWindows: count,
      valuesPerWindow: p,
      principalComponents: pca.latent,
      explainedVariance: round(pca.explained),
      mixtureComponents: chosen.weights.length,
      criterion: options.criterion,
      logLikelihoodPerWindow: round(chosen.logLikelihood / count),
      searchWindows: search.searchWindows,
      componentsTried: tried.map((t) => ({
        ...t,
        logLikelihood: round(t.logLikelihood),
        bic: round(t.bic),
        aic: round(t.aic),
      })),
      ...(search.refit ? { refit: { ...search.refit, logLikelihood: round(search.refit.logLikelihood) } } : {}),
      emWork: search.work,
      weights: Array.from(chosen.weights, round),
    },
  };
}

/** The first `overlap` rows of up to MAX_ANCHORS training windows drawn at random. */
function anchorsOf(cut: Cut, overlap: number, dim: number, rng: Rng): number[][] {
  const p = cut.window * dim;
  const picks = rng.shuffle(Array.from({ length: cut.count }, (_, i) => i)).slice(0, MAX_ANCHORS);
  return picks.map((i) => Array.from(cut.points.subarray(i * p, i * p + overlap * dim)));
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

/** One component conditioned on the first `observed` coordinates of a window. */
interface ConditionalComponent {
  logWeight: number;
  /** Cholesky factor of the observed block's covariance, and its log-determinant. */
  observedFactor: Float64Array;
  observedLogDet: number;
  /** Mean of the window under the component. */
  mean: Float64Array;
  /** Regression of the rest on the observed coordinates, (rest × observed). */
  gain: Float64Array;
  /** Cholesky factor of the rest's conditional covariance. */
  restFactor: Float64Array;
}

class LoadedMixture implements LoadedModel {
  readonly bytes: number;
  private readonly dim: number;
  private readonly p: number;
  private readonly gmm: Gmm;
  private readonly latentFactors: Float64Array[];
  private readonly components: Float64Array;
  private readonly pcaMean: Float64Array;
  private readonly noiseStd: Float64Array;
  private readonly cumulative: Float64Array;
  private conditional: ConditionalComponent[] | undefined;

  constructor(private readonly state: MixtureState) {
    this.dim = state.columns.length;
    this.p = state.window * this.dim;
    const latent = state.pca.latent;
    this.gmm = {
      dim: latent,
      weights: Float64Array.from(state.mixture.weights),
      means: Float64Array.from(state.mixture.means),
      covariances: Float64Array.from(state.mixture.covariances),
    };
    this.latentFactors = Array.from({ length: this.gmm.weights.length }, (_, j) =>
      cholesky(this.gmm.covariances.subarray(j * latent * latent, (j + 1) * latent * latent), latent),
    );
    this.components = Float64Array.from(state.pca.components);
    this.pcaMean = Float64Array.from(state.pca.mean);
    this.noiseStd = Float64Array.from(state.pca.residualVariance, Math.sqrt);
    this.cumulative = new Float64Array(this.gmm.weights.length);
    let s = 0;
    this.gmm.weights.forEach((w, j) => {
      this.cumulative[j] = s += w;
    });
    // Parameters, their factors, and the conditioned components built on first use (about one p × p matrix each).
    this.bytes =
      8 *
        (this.components.length +
          this.gmm.covariances.length * 2 +
          this.gmm.means.length +
          3 * this.p +
          this.gmm.weights.length * (this.p * this.p + this.p)) +
      4096;
  }

  /** One window from the unconditional mixture (on the model scale, flattened). */
  private window(rng: Rng, out: Float64Array): void {
    const { dim: latent, means } = this.gmm;
    const k = this.gmm.weights.length;
    const u = rng.nextDouble() * this.cumulative[k - 1]!;
    let j = 0;
    while (j < k - 1 && this.cumulative[j]! <= u) j++;
    const l = this.latentFactors[j]!;
    const e = new Float64Array(latent);
    for (let a = 0; a < latent; a++) e[a] = rng.normal();
    const z = new Float64Array(latent);
    for (let a = 0; a < latent; a++) {
      let v = means[j * latent + a]!;
      for (let b = 0; b <= a; b++) v += l[a * latent + b]! * e[b]!;
      z[a] = v;
    }
    const { p, components, pcaMean, noiseStd } = this;
    for (let i = 0; i < p; i++) out[i] = pcaMean[i]!;
    for (let a = 0; a < latent; a++) {
      const za = z[a]!;
      const row = a * p;
      for (let i = 0; i < p; i++) out[i]! += za * components[row + i]!;
    }
    for (let i = 0; i < p; i++) out[i]! += noiseStd[i]! * rng.normal();
  }

  /** The mixture's components conditioned on the first `overlap` steps (computed once, on first use). */
  private conditionals(): ConditionalComponent[] {
    if (this.conditional) return this.conditional;
    const { p, components, pcaMean } = this;
    const latent = this.gmm.dim;
    const m = this.state.overlap * this.dim;
    const h = p - m;
    const out: ConditionalComponent[] = [];
    for (let j = 0; j < this.gmm.weights.length; j++) {
      // Window covariance of the component: Vᵀ S V + Ψ, and its mean: μ + Vᵀ m.
      const s = this.gmm.covariances.subarray(j * latent * latent, (j + 1) * latent * latent);
      const vs = new Float64Array(p * latent); // (Vᵀ S), p × latent
      for (let i = 0; i < p; i++) {
        for (let b = 0; b < latent; b++) {
          let acc = 0;
          for (let a = 0; a < latent; a++) acc += components[a * p + i]! * s[a * latent + b]!;
          vs[i * latent + b] = acc;
        }
      }
      const cov = new Float64Array(p * p);
      for (let i = 0; i < p; i++) {
        for (let i2 = 0; i2 <= i; i2++) {
          let acc = 0;
          for (let b = 0; b < latent; b++) acc += vs[i * latent + b]! * components[b * p + i2]!;
          cov[i * p + i2] = acc;
          cov[i2 * p + i] = acc;
        }
        cov[i * p + i]! += this.noiseStd[i]! ** 2;
      }
      const mean = Float64Array.from(pcaMean);
      for (let a = 0; a < latent; a++) {
        const ma = this.gmm.means[j * latent + a]!;
        for (let i = 0; i < p; i++) mean[i]! += ma * components[a * p + i]!;
      }
      const coo = new Float64Array(m * m);
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) coo[a * m + b] = cov[a * p + b]!;
      const lo = cholesky(coo, m);
      let logDet = 0;
      for (let a = 0; a < m; a++) logDet += 2 * Math.log(Math.max(lo[a * m + a]!, 1e-300));
      // gain = C_HO C_OO⁻¹: solve C_OO gᵀ = C_OH column by column (two triangular solves per rest coordinate).
      const gain = new Float64Array(h * m);
      const y = new Float64Array(m);
      for (let r = 0; r < h; r++) {
        for (let a = 0; a < m; a++) {
          let v = cov[(m + r) * p + a]!;
          for (let b = 0; b < a; b++) v -= lo[a * m + b]! * y[b]!;
          y[a] = v / Math.max(lo[a * m + a]!, 1e-300);
        }
        for (let a = m - 1; a >= 0; a--) {
          let v = y[a]!;
          for (let b = a + 1; b < m; b++) v -= lo[b * m + a]! * gain[r * m + b]!;
          gain[r * m + a] = v / Math.max(lo[a * m + a]!, 1e-300);
        }
      }
      // Conditional covariance of the rest: C_HH − gain · C_OH.
      const chh = new Float64Array(h * h);
      for (let r = 0; r < h; r++) {
        for (let r2 = 0; r2 <= r; r2++) {
          let v = cov[(m + r) * p + m + r2]!;
          for (let a = 0; a < m; a++) v -= gain[r * m + a]! * cov[a * p + m + r2]!;
          chh[r * h + r2] = v;
          chh[r2 * h + r] = v;
        }
      }
      out.push({
        logWeight: Math.log(Math.max(this.gmm.weights[j]!, 1e-300)),
        observedFactor: lo,
        observedLogDet: logDet,
        mean,
        gain,
        restFactor: cholesky(chh, h),
      });
    }
    this.conditional = out;
    return out;
  }

  /** Fill coordinates m.. of `out` given its first m (on the model scale, flattened) from the conditional mixture. */
  private continueWindow(out: Float64Array, rng: Rng): void {
    const comps = this.conditionals();
    const { p } = this;
    const m = this.state.overlap * this.dim;
    const h = p - m;
    const logp = new Float64Array(comps.length);
    const y = new Float64Array(m);
    comps.forEach((c, j) => {
      let maha = 0;
      for (let a = 0; a < m; a++) {
        let v = out[a]! - c.mean[a]!;
        for (let b = 0; b < a; b++) v -= c.observedFactor[a * m + b]! * y[b]!;
        v /= Math.max(c.observedFactor[a * m + a]!, 1e-300);
        y[a] = v;
        maha += v * v;
      }
      logp[j] = c.logWeight - 0.5 * (c.observedLogDet + maha);
    });
    let max = -Infinity;
    for (const v of logp) if (v > max) max = v;
    let total = 0;
    for (let j = 0; j < logp.length; j++) total += logp[j] = Math.exp(logp[j]! - max);
    let u = rng.nextDouble() * total;
    let pick = logp.length - 1;
    for (let j = 0; j < logp.length; j++) {
      u -= logp[j]!;
      if (u <= 0) {
        pick = j;
        break;
      }
    }
    const c = comps[pick]!;
    const e = new Float64Array(h);
    for (let r = 0; r < h; r++) e[r] = rng.normal();
    for (let r = 0; r < h; r++) {
      let v = c.mean[m + r]!;
      for (let a = 0; a < m; a++) v += c.gain[r * m + a]! * (out[a]! - c.mean[a]!);
      for (let b = 0; b <= r; b++) v += c.restFactor[r * h + b]! * e[b]!;
      out[m + r] = v;
    }
  }

  async sample(req: SampleRequest, rng: Rng, signal?: AbortSignal): Promise<SampledPath[]> {
    const { dim, p } = this;
    const { window, overlap, columns, tail } = this.state;
    const paths: SampledPath[] = [];
    const buf = new Float64Array(p);
    // Context "end": the last `overlap` training rows on the model's scale.
    const standardTail = (() => {
      if (req.context !== 'end') return undefined;
      const rows = tail[0]!.length;
      if (rows < overlap) return undefined;
      const v = new Float64Array(overlap * dim);
      for (let t = 0; t < overlap; t++)
        for (let d = 0; d < dim; d++) v[t * dim + d] = toModel(columns[d]!, tail[d]![rows - overlap + t]!);
      return v;
    })();
    for (let n = 0; n < req.count; n++) {
      if ((n & 255) === 0) {
        signal?.throwIfAborted();
        if (n > 0) await new Promise((r) => setImmediate(r));
      }
      const out = columns.map(() => new Float64Array(req.length));
      let produced = 0;
      const emit = (fromStep: number) => {
        for (let t = fromStep; t < window && produced < req.length; t++, produced++) {
          for (let d = 0; d < dim; d++) out[d]![produced] = fromModel(columns[d]!, buf[t * dim + d]!);
        }
      };
      const anchors = this.state.anchors;
      const start =
        standardTail ??
        (req.context === 'random' && anchors.length > 0 ? anchors[rng.int(0, anchors.length)]! : undefined);
      if (start) {
        // Continue real data: the path begins right after the stretch it is conditioned on.
        buf.set(start, 0);
        this.continueWindow(buf, rng);
        emit(overlap);
      } else {
        // A fresh path: a window drawn from the model.
        this.window(rng, buf);
        emit(0);
      }
      while (produced < req.length) {
        buf.copyWithin(0, (window - overlap) * dim, window * dim);
        this.continueWindow(buf, rng);
        emit(overlap);
      }
      paths.push(out);
    }
    return paths;
  }

  dispose(): void {
    this.conditional = undefined;
  }
}

/** The `mixture` learned generator. */
export const mixtureLearner: LearnedGenerator<MixtureFitOptions, MixtureState> = {
  name: 'mixture',
  fitOptionsSchema: MixtureFitOptionsSchema,
  minimumRows(options) {
    return options.window ? options.window + 1 : 8;
  },
  fit: fitMixture,
  async load(state: MixtureState): Promise<LoadedModel> {
    return new LoadedMixture(state);
  },
};
