/**
 * Estimation of (seasonal) ARIMA coefficients: Hannan–Rissanen regressions
 * give starting values, Levenberg–Marquardt minimises the conditional sum of
 * squares (CSS) over the stationary and invertible region, and (method
 * "css-ml", the default) Nelder–Mead then maximises the exact Gaussian
 * likelihood (Kalman filter) from the CSS estimate.
 */
import { TsiotError } from '../../../core/errors.js';
import { armaExactLikelihood, nelderMead } from './likelihood.js';
import { leastSquares, solve } from './linalg.js';
import type { ArimaFit, ArimaOrder } from './model.js';
import { difference, differencingCoefficients, expandAr, expandMa, isInvertible, isStationary } from './polynomial.js';

export interface EstimateOptions {
  order: ArimaOrder;
  /** Model a mean of the differenced series — a drift when d + D = 1 (default: always when d + D = 0, when significant at 2 standard errors when d + D = 1, never above). */
  includeMean?: boolean;
  /** Index in the differenced series from which residuals count; defaults to the expanded AR order. Order selection fixes it so likelihoods compare. */
  conditionFrom?: number;
  maxIterations?: number;
  /** "css-ml" (default) refines the CSS estimate by exact maximum likelihood; "css" stops after CSS (used to screen candidate orders). */
  method?: 'css' | 'css-ml';
}

interface Layout {
  p: number;
  q: number;
  P: number;
  Q: number;
  mean: boolean;
  period: number;
}

function unpack(x: Float64Array, L: Layout) {
  let o = 0;
  const take = (k: number) => {
    const part = Array.from(x.subarray(o, o + k));
    o += k;
    return part;
  };
  const phi = take(L.p);
  const theta = take(L.q);
  const seasonalPhi = take(L.P);
  const seasonalTheta = take(L.Q);
  const mean = L.mean ? x[o]! : 0;
  return { phi, theta, seasonalPhi, seasonalTheta, mean };
}

/**
 * One-step innovations of the ARMA recursion on the differenced series w,
 * zero before `from`. Returns undefined outside the stationary/invertible region.
 */
function innovations(
  w: Float64Array,
  x: Float64Array,
  L: Layout,
  from: number,
  out: Float64Array,
): Float64Array | undefined {
  const u = unpack(x, L);
  if (!isStationary(u.phi) || !isStationary(u.seasonalPhi) || !isInvertible(u.theta) || !isInvertible(u.seasonalTheta))
    return undefined;
  const a = expandAr(u.phi, u.seasonalPhi, L.period);
  const b = expandMa(u.theta, u.seasonalTheta, L.period);
  const n = w.length;
  out.fill(0);
  for (let t = from; t < n; t++) {
    let v = w[t]! - u.mean;
    for (let i = 0; i < a.length; i++) v -= a[i]! * (w[t - 1 - i]! - u.mean);
    for (let j = 0; j < b.length && t - 1 - j >= 0; j++) v -= b[j]! * out[t - 1 - j]!;
    out[t] = v;
  }
  return out;
}

function sumSquares(e: Float64Array, from: number): number {
  let s = 0;
  for (let t = from; t < e.length; t++) s += e[t]! * e[t]!;
  return s;
}

/** Hannan–Rissanen starting values: a long AR gives proxy innovations, then one regression on lagged values and innovations. */
function startingValues(w: Float64Array, L: Layout): Float64Array {
  const k = L.p + L.q + L.P + L.Q + (L.mean ? 1 : 0);
  const x = new Float64Array(k);
  const mu = w.reduce((s, v) => s + v, 0) / w.length;
  if (L.mean) x[k - 1] = mu;
  const n = w.length;
  const z = w.map((v) => v - mu);
  const seasonalReach = L.P + L.Q > 0 ? L.period + 2 : 0;
  const long = Math.min(Math.floor(n / 5), Math.max(10, L.p + L.q + 5, seasonalReach));
  if (long < 1 || n - long < 10) return x;
  const arLong = leastSquares(
    n - long,
    long,
    (i, r) => {
      for (let j = 0; j < long; j++) r[j] = z[i + long - 1 - j]!;
    },
    (i) => z[i + long]!,
  );
  if (!arLong) return x;
  const eh = new Float64Array(n);
  for (let t = long; t < n; t++) {
    let v = z[t]!;
    for (let j = 0; j < long; j++) v -= arLong[j]! * z[t - 1 - j]!;
    eh[t] = v;
  }
  const lags: number[] = [];
  const kinds: ('z' | 'e')[] = [];
  for (let i = 1; i <= L.p; i++) {
    lags.push(i);
    kinds.push('z');
  }
  for (let j = 1; j <= L.q; j++) {
    lags.push(j);
    kinds.push('e');
  }
  for (let i = 1; i <= L.P; i++) {
    lags.push(i * L.period);
    kinds.push('z');
  }
  for (let j = 1; j <= L.Q; j++) {
    lags.push(j * L.period);
    kinds.push('e');
  }
  const m = lags.length;
  if (m === 0) return x;
  const start = long + Math.max(...lags);
  if (n - start < m + 5) return x;
  const beta = leastSquares(
    n - start,
    m,
    (i, r) => {
      const t = i + start;
      for (let c = 0; c < m; c++) r[c] = kinds[c] === 'z' ? z[t - lags[c]!]! : eh[t - lags[c]!]!;
    },
    (i) => z[i + start]!,
  );
  if (!beta) return x;
  x.set(beta.subarray(0, m), 0);
  // Fall back to zeros for any block outside the admissible region.
  const u = unpack(x, L);
  const blocks: [number, number, boolean][] = [
    [0, L.p, isStationary(u.phi)],
    [L.p, L.q, isInvertible(u.theta)],
    [L.p + L.q, L.P, isStationary(u.seasonalPhi)],
    [L.p + L.q + L.P, L.Q, isInvertible(u.seasonalTheta)],
  ];
  for (const [off, len, ok] of blocks) if (!ok) x.fill(0, off, off + len);
  return x;
}

/** Whether to model a mean (d + D = 0) or drift (d + D = 1) of the differenced series w. */
function defaultIncludeMean(w: Float64Array, differencing: number): boolean {
  if (differencing === 0) return true;
  if (differencing > 1 || w.length < 3) return false;
  let m = 0;
  for (const v of w) m += v;
  m /= w.length;
  let ss = 0;
  for (const v of w) ss += (v - m) ** 2;
  const se = Math.sqrt(ss / (w.length - 1) / w.length);
  return Math.abs(m) > 2 * se;
}

/** Kalman-filter steps (n · r²) the exact-likelihood refinement may spend, which bounds its cost on long seasonal series. */
const ML_WORK_BUDGET = 1e8;

/**
 * Fit one ARIMA(p,d,q)(P,D,Q)_s model to a series without missing values by
 * conditional sum of squares.
 */
export function estimateArima(y: ArrayLike<number>, options: EstimateOptions): ArimaFit {
  const { order } = options;
  const period = order.P + order.D + order.Q > 0 ? order.period : 0;
  if ((order.P || order.D || order.Q) && !(period >= 2)) {
    throw new TsiotError('invalid_input', `A seasonal ARIMA needs a period of at least 2 steps (got ${order.period})`, {
      details: { field: 'period', expected: 'integer ≥ 2', example: 24 },
    });
  }
  const c = differencingCoefficients(order.d, order.D, period);
  const w = difference(y, c);
  const L: Layout = {
    p: order.p,
    q: order.q,
    P: order.P,
    Q: order.Q,
    mean: options.includeMean ?? defaultIncludeMean(w, order.d + order.D),
    period: Math.max(1, period),
  };
  const arOrder = order.p + order.P * L.period;
  const from = Math.max(arOrder, options.conditionFrom ?? 0);
  const k = L.p + L.q + L.P + L.Q + (L.mean ? 1 : 0);
  if (w.length - from < Math.max(10, 2 * (k + 1))) {
    throw new TsiotError(
      'invalid_input',
      `Too little data for ARIMA(${order.p},${order.d},${order.q})(${order.P},${order.D},${order.Q})${period ? `[${period}]` : ''}: ${y.length} points leave ${w.length - from} usable residuals`,
      {
        details: { points: y.length, usable: w.length - from, parameters: k },
        hint: 'Give a longer series or a lower order / shorter season.',
      },
    );
  }
  const e = new Float64Array(w.length);
  const trial = new Float64Array(w.length);
  let x = startingValues(w, L);
  if (!innovations(w, x, L, from, e)) x = new Float64Array(k);
  if (L.mean) x[k - 1] = w.reduce((s, v) => s + v, 0) / w.length;
  innovations(w, x, L, from, e);
  let sse = sumSquares(e, from);
  const nres = w.length - from;
  let lambda = 1e-3;
  const maxIt = options.maxIterations ?? (options.method === 'css' ? 40 : 100);
  const jac = new Float64Array(nres * k);
  for (let it = 0; it < maxIt && k > 0; it++) {
    // Forward-difference Jacobian of the residual vector; steps leaving the admissible region go backward.
    for (let j = 0; j < k; j++) {
      const h = 1e-6 * Math.max(1, Math.abs(x[j]!));
      const xp = Float64Array.from(x);
      xp[j]! += h;
      let sign = 1;
      if (!innovations(w, xp, L, from, trial)) {
        xp[j] = x[j]! - h;
        sign = -1;
        if (!innovations(w, xp, L, from, trial)) return finish();
      }
      for (let t = 0; t < nres; t++) jac[t * k + j] = (sign * (trial[from + t]! - e[from + t]!)) / h;
    }
    const jtj = new Float64Array(k * k);
    const jtr = new Float64Array(k);
    for (let t = 0; t < nres; t++) {
      const r = e[from + t]!;
      for (let a = 0; a < k; a++) {
        const ja = jac[t * k + a]!;
        jtr[a]! += ja * r;
        for (let b = a; b < k; b++) jtj[a * k + b]! += ja * jac[t * k + b]!;
      }
    }
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) jtj[a * k + b] = jtj[b * k + a]!;
    let improved = false;
    for (let tries = 0; tries < 12; tries++) {
      const m = Float64Array.from(jtj);
      for (let a = 0; a < k; a++) m[a * k + a]! += lambda * (jtj[a * k + a]! + 1e-12);
      const step = solve(
        m,
        jtr.map((v) => -v),
        k,
      );
      if (!step) {
        lambda *= 10;
        continue;
      }
      const xn = x.map((v, i) => v + step[i]!);
      if (innovations(w, xn, L, from, trial)) {
        const s = sumSquares(trial, from);
        if (s < sse) {
          const rel = (sse - s) / Math.max(sse, 1e-300);
          x = xn;
          e.set(trial);
          sse = s;
          lambda = Math.max(lambda / 10, 1e-12);
          improved = true;
          if (rel < (options.method === 'css' ? 1e-8 : 1e-10)) return finish();
          break;
        }
      }
      lambda *= 10;
    }
    if (!improved) break;
  }
  return finish();

  function stateSize(): number {
    return Math.max(L.p + L.P * L.period, L.q + L.Q * L.period + 1);
  }

  function finish(): ArimaFit {
    let sigma2 = sse / nres;
    let loglik = -0.5 * nres * (Math.log(2 * Math.PI * Math.max(sigma2, 1e-300)) + 1);
    let nobs = nres;
    let method: ArimaFit['method'] = 'css';
    if ((options.method ?? 'css-ml') === 'css-ml' && k > 0 && sigma2 > 0) {
      const exact = (p: Float64Array) => {
        const v = unpack(p, L);
        if (
          !isStationary(v.phi) ||
          !isStationary(v.seasonalPhi) ||
          !isInvertible(v.theta) ||
          !isInvertible(v.seasonalTheta)
        )
          return undefined;
        const z = w.map((val) => val - v.mean);
        return armaExactLikelihood(
          z,
          expandAr(v.phi, v.seasonalPhi, L.period),
          expandMa(v.theta, v.seasonalTheta, L.period),
        );
      };
      const start = exact(x);
      if (start && Number.isFinite(start.loglik)) {
        const best = nelderMead(
          (p) => {
            const r = exact(p);
            return r && Number.isFinite(r.loglik) ? -r.loglik : Infinity;
          },
          x,
          0.05,
          Math.max(4 * (k + 1), Math.min(150 * (k + 1), Math.floor(ML_WORK_BUDGET / (w.length * stateSize() ** 2)))),
        );
        const refined = exact(best.x)!;
        if (refined.loglik >= start.loglik) {
          x = best.x;
          innovations(w, x, L, from, e);
          sse = sumSquares(e, from);
          sigma2 = refined.sigma2;
          loglik = refined.loglik;
          nobs = w.length;
          method = 'css-ml';
        }
      }
    }
    const u = unpack(x, L);
    const npar = k + 1;
    const residuals = new Float64Array(y.length);
    residuals.set(e, c.length);
    return {
      order: { ...order, period },
      ...u,
      includeMean: L.mean,
      sigma2,
      loglik,
      aic: -2 * loglik + 2 * npar,
      aicc: -2 * loglik + 2 * npar + (2 * npar * (npar + 1)) / Math.max(1, nobs - npar - 1),
      bic: -2 * loglik + Math.log(nobs) * npar,
      nobs,
      method,
      residuals,
      residualsFrom: c.length + from,
    };
  }
}
