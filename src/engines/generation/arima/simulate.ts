/**
 * Forecasts and sample paths of fitted (seasonal) ARIMA models. The
 * recursion runs on the differenced series w and integrates back:
 *   w_t = μ + Σ a_i (w_{t-1-i} − μ) + e_t + Σ b_j e_{t-1-j},   y_t = w_t + Σ c_i y_{t-1-i}.
 */
import type { Rng } from '../../../core/rng.js';
import type { ArimaCoefficients } from './model.js';
import { combineAr, difference, differencingCoefficients, expandAr, expandMa, psiWeights } from './polynomial.js';

/** Runs one column's recursion forward one step at a time. */
export class ArimaStepper {
  readonly a: number[];
  readonly b: number[];
  readonly c: number[];
  private readonly mean: number;
  private readonly w: number[];
  private readonly e: number[];
  private readonly y: number[];

  /**
   * @param yHistory observed values before the first simulated step (most recent last)
   * @param eHistory innovations aligned with yHistory (0 where unknown)
   */
  constructor(model: ArimaCoefficients, yHistory: ArrayLike<number>, eHistory: ArrayLike<number>) {
    const { order } = model;
    this.a = expandAr(model.phi, model.seasonalPhi, order.period);
    this.b = expandMa(model.theta, model.seasonalTheta, order.period);
    this.c = differencingCoefficients(order.d, order.D, order.period);
    this.mean = model.mean;
    const keepY = Math.max(this.c.length, 1);
    this.y = Array.from(tail(yHistory, keepY));
    while (this.y.length < this.c.length) this.y.unshift(this.y[0] ?? 0);
    const w = Array.from(difference(yHistory, this.c));
    this.w = tail(w, this.a.length);
    while (this.w.length < this.a.length) this.w.unshift(this.mean);
    this.e = tail(Array.from(eHistory), this.b.length);
    while (this.e.length < this.b.length) this.e.unshift(0);
  }

  /** Advance one step with innovation `eps` (already scaled by σ); returns y_t. */
  step(eps: number): number {
    const { a, b, c, w, e, y } = this;
    let wt = this.mean + eps;
    for (let i = 0; i < a.length; i++) wt += a[i]! * (w[w.length - 1 - i]! - this.mean);
    for (let j = 0; j < b.length; j++) wt += b[j]! * e[e.length - 1 - j]!;
    let yt = wt;
    for (let i = 0; i < c.length; i++) yt += c[i]! * y[y.length - 1 - i]!;
    push(w, wt, a.length);
    push(e, eps, b.length);
    push(y, yt, Math.max(c.length, 1));
    return yt;
  }

  /** Advance the ARMA part only (no integration), for burn-in before a fresh path. */
  burnIn(steps: number, sigma: number, rng: Rng): void {
    const ySaved = [...this.y];
    for (let i = 0; i < steps; i++) this.step(sigma * rng.normal());
    this.y.splice(0, this.y.length, ...ySaved);
  }
}

function push(buf: number[], v: number, cap: number): void {
  if (cap === 0) return;
  buf.push(v);
  if (buf.length > cap) buf.shift();
}

function tail<T>(x: ArrayLike<T>, k: number): T[] {
  const out: T[] = [];
  for (let i = Math.max(0, x.length - k); i < x.length; i++) out.push(x[i]!);
  return out;
}

export interface Forecast {
  mean: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  /** Level of the interval, e.g. 0.95. */
  level: number;
}

/** Point forecasts and central prediction intervals for `horizon` steps after the history. */
export function forecast(
  model: ArimaCoefficients,
  yHistory: ArrayLike<number>,
  eHistory: ArrayLike<number>,
  horizon: number,
  level = 0.95,
): Forecast {
  const s = new ArimaStepper(model, yHistory, eHistory);
  const mean = new Float64Array(horizon);
  for (let h = 0; h < horizon; h++) mean[h] = s.step(0);
  const psi = psiWeights(combineAr(s.a, s.c), s.b, horizon);
  const z = normalQuantile(0.5 + level / 2);
  const lower = new Float64Array(horizon);
  const upper = new Float64Array(horizon);
  let acc = 0;
  for (let h = 0; h < horizon; h++) {
    acc += psi[h]! * psi[h]!;
    const half = z * Math.sqrt(model.sigma2 * acc);
    lower[h] = mean[h]! - half;
    upper[h] = mean[h]! + half;
  }
  return { mean, lower, upper, level };
}

/** Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile(${p}): p must be in (0, 1)`);
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549671010322563, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}
