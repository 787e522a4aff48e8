/**
 * The search for the number of mixture components, within a fixed budget of
 * EM work, so that a fit of 20,000 windows of 312 values takes about as long
 * as one of a few thousand windows and the same request always does the same
 * work (a budget in time would make the model depend on the machine's load).
 *
 * Work is counted as windows × components × latent² per EM iteration (about
 * the multiply-adds of one E and one M step; ~1.3 G per second on one core of
 * this machine). Three quarters of the budget go to the search: it runs on
 * all windows when candidates of 1, 2, 4 and 8 components at SIZED_ITERATIONS
 * each fit in that share, else on a random subset as large as fits.
 * Each candidate may spend its share of what is left, sharing with the next,
 * twice as large, candidate (k : 2k), so what one that converged early leaves
 * goes to the next. The search stops when the criterion gets worse. When it
 * ran on a subset, the best candidate is refitted on all windows, starting
 * from its solution, with what is left of the budget.
 */
import type { Rng } from '../../../core/rng.js';
import { fitGmm, type GmmFit } from './gmm.js';

/** EM work of a whole fit (windows × components × latent² per iteration, summed): ~30 s on this machine. */
export const EM_BUDGET = 4e10;
/** Share of the budget the component search gets; the rest is for the refit on all windows. */
const SEARCH_SHARE = 0.75;
/** The search's windows are sized for candidates of 1 + 2 + 4 + 8 components at this many iterations each. */
const SIZED_COMPONENTS = 15;
const SIZED_ITERATIONS = 50;
/** Fewest windows the search runs on (fewer cannot support many full covariances). */
const MIN_SEARCH_WINDOWS = 2000;
/** Fewest iterations any EM fit gets, whatever the budget says. */
const MIN_ITERATIONS = 5;

export interface Candidate {
  components: number;
  /** Components left after EM dropped empty ones. */
  kept: number;
  logLikelihood: number;
  bic: number;
  aic: number;
  iterations: number;
  /** Most iterations it was allowed (maxIterations or its share of the budget). */
  iterationCap: number;
  converged: boolean;
}

export interface SearchResult {
  best: GmmFit;
  tried: Candidate[];
  /** Windows the candidates were fitted on. */
  searchWindows: number;
  /** The refit of the best candidate on all windows, when the search ran on a subset. */
  refit?: { iterations: number; iterationCap: number; converged: boolean; logLikelihood: number };
  /** EM work spent, in the budget's units. */
  work: number;
}

export interface SearchOptions {
  /** Component counts to try, in order. */
  grid: number[];
  criterion: 'bic' | 'aic';
  maxIterations: number;
  budget?: number;
  signal?: AbortSignal;
  /** A stage starts (index into grid, or grid.length for the refit) or an EM iteration ends. */
  onProgress?: (stage: number, message: string) => void;
}

/**
 * m rows of a row-major matrix drawn at random without replacement, in their
 * original order. Not evenly spaced: windows cut from one long series repeat
 * with its cycles, and an even spacing in step with a cycle would see only
 * some of its phases.
 */
function subset(points: Float64Array, n: number, dim: number, m: number, rng: Rng): Float64Array {
  if (m >= n) return points;
  const picks = rng
    .shuffle(Array.from({ length: n }, (_, i) => i))
    .slice(0, m)
    .sort((a, b) => a - b);
  const out = new Float64Array(m * dim);
  picks.forEach((i, j) => {
    out.set(points.subarray(i * dim, (i + 1) * dim), j * dim);
  });
  return out;
}

/** Fit the grid's candidates within the budget and return the best by the criterion. */
export async function searchComponents(
  points: Float64Array,
  n: number,
  dim: number,
  options: SearchOptions,
  rng: Rng,
): Promise<SearchResult> {
  const budget = options.budget ?? EM_BUDGET;
  const perWindow = dim * dim;
  const searchBudget = budget * SEARCH_SHARE;
  const sized = SIZED_COMPONENTS * SIZED_ITERATIONS * perWindow;
  const m = Math.min(n, Math.max(MIN_SEARCH_WINDOWS, Math.floor(searchBudget / sized)));
  const searchPoints = subset(points, n, dim, m, rng.fork('mixture/search-windows'));
  let remaining = searchBudget;
  let work = 0;
  const tried: Candidate[] = [];
  let best: GmmFit | undefined;
  const signal = options.signal ? { signal: options.signal } : {};
  for (const [i, k] of options.grid.entries()) {
    const share = (k / (k + (options.grid[i + 1] ?? 0))) * remaining;
    const cap = Math.min(options.maxIterations, Math.max(MIN_ITERATIONS, Math.floor(share / (m * k * perWindow))));
    const label = `mixture of ${k} component(s) on ${dim} principal components${m < n ? ` (${m} of ${n} windows)` : ''}`;
    options.onProgress?.(i, label);
    const g = await fitGmm(
      searchPoints,
      m,
      dim,
      {
        components: k,
        maxIterations: cap,
        ...signal,
        onIteration: (it, ll) =>
          options.onProgress?.(i, `${label}: EM iteration ${it}/${cap}, log-likelihood ${ll.toFixed(3)} per window`),
      },
      rng.fork(`mixture/${k}`),
    );
    const spent = g.iterations * m * g.weights.length * perWindow;
    remaining -= spent;
    work += spent;
    tried.push({
      components: k,
      kept: g.weights.length,
      logLikelihood: g.logLikelihood,
      bic: g.bic,
      aic: g.aic,
      iterations: g.iterations,
      iterationCap: cap,
      converged: g.converged,
    });
    if (!best || g[options.criterion] < best[options.criterion]) best = g;
    // The search stops once doubling the components made the criterion worse: larger mixtures only overfit further.
    else break;
  }
  const chosen = best!;
  if (m >= n) return { best: chosen, tried, searchWindows: m, work };
  const k = chosen.weights.length;
  const left = budget - work;
  const cap = Math.min(options.maxIterations, Math.max(MIN_ITERATIONS, Math.floor(left / (n * k * perWindow))));
  const label = `refit of ${k} component(s) on all ${n} windows`;
  options.onProgress?.(options.grid.length, label);
  const refit = await fitGmm(
    points,
    n,
    dim,
    {
      components: k,
      maxIterations: cap,
      init: chosen,
      ...signal,
      onIteration: (it, ll) =>
        options.onProgress?.(
          options.grid.length,
          `${label}: EM iteration ${it}/${cap}, log-likelihood ${ll.toFixed(3)} per window`,
        ),
    },
    rng.fork('mixture/refit'),
  );
  work += refit.iterations * n * refit.weights.length * perWindow;
  return {
    best: refit,
    tried,
    searchWindows: m,
    refit: {
      iterations: refit.iterations,
      iterationCap: cap,
      converged: refit.converged,
      logLikelihood: refit.logLikelihood,
    },
    work,
  };
}
