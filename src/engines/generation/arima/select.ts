/**
 * Order selection for (seasonal) ARIMA: differencing orders from simple unit
 * root / seasonal-strength tests, then the ARMA orders by AIC or BIC over a
 * small grid, every candidate conditioned on the same start so likelihoods compare.
 */
import { leastSquares, solve } from './linalg.js';
import { estimateArima } from './estimate.js';
import type { ArimaFit, ArimaOrder } from './model.js';
import { difference, differencingCoefficients } from './polynomial.js';

export interface SelectOptions {
  /** Season length in steps; 0 or absent for none. */
  period?: number;
  /** Fixed differencing orders; chosen automatically when absent. */
  d?: number;
  D?: number;
  maxP?: number;
  maxQ?: number;
  maxSeasonalP?: number;
  maxSeasonalQ?: number;
  criterion?: 'aic' | 'bic';
  /** Checked between candidates so a long search can be cancelled. */
  signal?: AbortSignal;
}

export interface Selection {
  best: ArimaFit;
  /** Every candidate tried, with its score (lower is better). */
  candidates: { order: ArimaOrder; score: number }[];
  criterion: 'aic' | 'bic';
}

/**
 * Augmented Dickey–Fuller style test with a constant: true when the unit root
 * is rejected at 5% (t-statistic of ρ in Δy_t = α + ρ y_{t-1} + Σ γ Δy_{t-i} below −2.86).
 */
export function looksStationary(y: ArrayLike<number>): boolean {
  const n = y.length;
  const lags = Math.min(8, Math.floor(Math.cbrt(n)));
  const dy = new Float64Array(n - 1);
  for (let t = 1; t < n; t++) dy[t - 1] = y[t]! - y[t - 1]!;
  const start = lags;
  const count = dy.length - start;
  const k = 2 + lags;
  if (count < k + 10) return true;
  const row = (i: number, r: Float64Array) => {
    const t = i + start;
    r[0] = 1;
    r[1] = y[t]!;
    for (let j = 1; j <= lags; j++) r[1 + j] = dy[t - j]!;
  };
  const target = (i: number) => dy[i + start]!;
  const beta = leastSquares(count, k, row, target);
  if (!beta) return true;
  // Residual variance and the standard error of ρ from (XᵀX)⁻¹[1][1].
  const r = new Float64Array(k);
  let sse = 0;
  const xtx = new Float64Array(k * k);
  for (let i = 0; i < count; i++) {
    row(i, r);
    let fit = 0;
    for (let j = 0; j < k; j++) fit += beta[j]! * r[j]!;
    sse += (target(i) - fit) ** 2;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) xtx[a * k + b]! += r[a]! * r[b]!;
  }
  const unit = new Float64Array(k);
  unit[1] = 1;
  const col = solve(xtx, unit, k);
  if (!col) return true;
  const s2 = sse / (count - k);
  const se = Math.sqrt(s2 * col[1]!);
  if (!(se > 0)) return true;
  return beta[1]! / se < -2.86;
}

/** Autocorrelation of y at one lag. */
function acfAt(y: ArrayLike<number>, lag: number): number {
  const n = y.length;
  if (lag >= n - 1) return 0;
  let m = 0;
  for (let i = 0; i < n; i++) m += y[i]!;
  m /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const v = y[i]! - m;
    den += v * v;
    if (i + lag < n) num += v * (y[i + lag]! - m);
  }
  return den > 0 ? num / den : 0;
}

/** Choose d (0–2) by repeated unit-root tests and D (0–1) by the autocorrelation at the seasonal lag. */
export function chooseDifferencing(
  y: ArrayLike<number>,
  period: number,
  fixed: { d?: number; D?: number } = {},
): { d: number; D: number } {
  let D = fixed.D ?? 0;
  if (fixed.D === undefined && period >= 2 && y.length >= 3 * period) {
    const dy = looksStationary(y) ? Float64Array.from(y as ArrayLike<number>) : difference(y, [1]);
    D = acfAt(dy, period) > 0.7 ? 1 : 0;
  }
  let d = fixed.d ?? 0;
  if (fixed.d === undefined) {
    let w = difference(y, differencingCoefficients(0, D, period));
    while (d < 2 && !looksStationary(w)) {
      d++;
      w = difference(w, [1]);
    }
  }
  return { d, D };
}

/** Fit the grid of candidate orders and keep the one with the lowest criterion. */
export async function selectArima(y: ArrayLike<number>, options: SelectOptions = {}): Promise<Selection> {
  const period = options.period && options.period >= 2 ? Math.floor(options.period) : 0;
  const { d, D } = chooseDifferencing(y, period, { d: options.d, D: options.D });
  const maxP = options.maxP ?? 3;
  const maxQ = options.maxQ ?? 2;
  const maxSP = period ? (options.maxSeasonalP ?? 1) : 0;
  const maxSQ = period ? (options.maxSeasonalQ ?? 1) : 0;
  const criterion = options.criterion ?? 'aic';
  const conditionFrom = maxP + maxSP * period;
  const candidates: Selection['candidates'] = [];
  let best: ArimaFit | undefined;
  let bestScore = Infinity;
  let firstError: unknown;
  for (let P = 0; P <= maxSP; P++) {
    for (let Q = 0; Q <= maxSQ; Q++) {
      for (let p = 0; p <= maxP; p++) {
        for (let q = 0; q <= maxQ; q++) {
          // Let cancellation and other work through between candidates.
          await new Promise<void>((r) => setImmediate(r));
          options.signal?.throwIfAborted();
          const order: ArimaOrder = { p, d, q, P, D, Q, period: P + D + Q > 0 ? period : 0 };
          let fit: ArimaFit;
          try {
            fit = estimateArima(y, { order, conditionFrom, method: 'css' });
          } catch (e) {
            firstError ??= e;
            continue;
          }
          const score = criterion === 'aic' ? fit.aic : fit.bic;
          candidates.push({ order: fit.order, score });
          if (score < bestScore) {
            bestScore = score;
            best = fit;
          }
        }
      }
    }
  }
  if (!best) throw firstError;
  // Candidates are screened by CSS; the chosen order is refined by exact maximum likelihood.
  return { best: estimateArima(y, { order: best.order, method: 'css-ml' }), candidates, criterion };
}
