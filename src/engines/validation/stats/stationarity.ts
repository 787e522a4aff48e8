import { errorFunction } from 'simple-statistics';
import { normalEquations, olsFromNormal } from './linalg.js';

/** Critical values at 1%, 5% and 10% (ADF) or 10%, 5%, 2.5%, 1% (KPSS). */
export type CriticalValues = Record<string, number>;

export interface AdfResult {
  /** The t statistic of γ in Δy_t = α + γ y_{t-1} + Σ δ_i Δy_{t-i} + e_t. */
  statistic: number;
  /** MacKinnon (1994) approximate p-value. */
  pValue: number;
  /** Lagged differences used (chosen by AIC unless fixed). */
  lags: number;
  /** Observations in the final regression. */
  nobs: number;
  /** MacKinnon (2010) finite-sample critical values for this nobs. */
  criticalValues: CriticalValues;
  /** The unit root is rejected at 5%: the series looks stationary. */
  stationary: boolean;
}

// MacKinnon (2010), Table 2, τ_c with N = 1: b∞, b1, b2, b3 for 1%, 5%, 10%.
const TAU_C_2010: Record<string, readonly [number, number, number, number]> = {
  '1%': [-3.43035, -6.5393, -16.786, -79.433],
  '5%': [-2.86154, -2.8903, -4.234, -40.04],
  '10%': [-2.56677, -1.5384, -2.809, 0],
};

// MacKinnon (1994) p-value surface for τ_c, N = 1 (coefficients in ascending powers of τ).
const TAU_C_STAR = -1.61;
const TAU_C_MIN = -18.83;
const TAU_C_MAX = 2.74;
const TAU_C_SMALLP = [2.1659, 1.4412, 0.038269];
const TAU_C_LARGEP = [1.7339, 0.93202, -0.12745, -0.010368];

function normalCdf(x: number): number {
  return 0.5 * (1 + errorFunction(x / Math.SQRT2));
}

/** Approximate p-value of an ADF τ statistic (constant, no trend). */
export function adfPValue(tau: number): number {
  if (tau > TAU_C_MAX) return 1;
  if (tau < TAU_C_MIN) return 0;
  const c = tau <= TAU_C_STAR ? TAU_C_SMALLP : TAU_C_LARGEP;
  let s = 0;
  let p = 1;
  for (const ci of c) {
    s += ci * p;
    p *= tau;
  }
  return normalCdf(s);
}

export function adfCriticalValues(nobs: number): CriticalValues {
  const out: CriticalValues = {};
  for (const [level, [b0, b1, b2, b3]] of Object.entries(TAU_C_2010)) {
    out[level] = b0 + b1 / nobs + b2 / nobs ** 2 + b3 / nobs ** 3;
  }
  return out;
}

export interface AdfOptions {
  /** Fix the number of lagged differences instead of choosing it by AIC. */
  lags?: number;
  /** Largest lag tried by AIC; default ⌊12 (n/100)^¼⌋ (Schwert). */
  maxLag?: number;
}

/**
 * Augmented Dickey–Fuller test with a constant (H0: unit root). The lag order
 * is chosen by AIC over 0..maxLag on a common sample, then the regression is
 * re-estimated on all available observations, as in statsmodels' adfuller.
 * Returns null when the series is too short (< 10 values) or constant.
 * The series must hold finite values only.
 */
export function adfTest(series: Float64Array, options: AdfOptions = {}): AdfResult | null {
  const n = series.length;
  if (n < 10) return null;
  // Centre and scale: the t statistic is invariant to both, and the normal equations stay well conditioned.
  let mean = 0;
  for (let i = 0; i < n; i++) mean += series[i]!;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (series[i]! - mean) ** 2;
  if (!(ss > 0)) return null;
  const scale = Math.sqrt(ss / n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = (series[i]! - mean) / scale;
  const dy = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) dy[i - 1] = y[i]! - y[i - 1]!;

  const limit = Math.max(0, Math.floor((n - 1) / 2) - 2);
  let lags: number;
  if (options.lags !== undefined) {
    lags = Math.max(0, Math.min(options.lags, limit));
  } else {
    const maxLag = Math.max(0, Math.min(options.maxLag ?? Math.floor(12 * (n / 100) ** 0.25), limit));
    const common = buildAdf(y, dy, maxLag, maxLag);
    let bestAic = Infinity;
    lags = 0;
    for (let p = 0; p <= maxLag; p++) {
      const fit = olsFromNormal(common, 2 + p);
      if (!fit || !(fit.rss > 0)) continue;
      const aic = common.nobs * Math.log(fit.rss / common.nobs) + 2 * (2 + p);
      if (aic < bestAic) {
        bestAic = aic;
        lags = p;
      }
    }
  }
  const ne = buildAdf(y, dy, lags, lags);
  const fit = olsFromNormal(ne);
  if (!fit || !(fit.se0 > 0)) return null;
  const statistic = fit.beta[0]! / fit.se0;
  const criticalValues = adfCriticalValues(ne.nobs);
  return {
    statistic,
    pValue: adfPValue(statistic),
    lags,
    nobs: ne.nobs,
    criticalValues,
    stationary: statistic < criticalValues['5%']!,
  };
}

/**
 * Normal equations of the ADF regression with `lags` lagged differences over
 * the sample that starts after `start` lags: regressors [y_{t-1}, 1, Δy_{t-1}, …].
 */
function buildAdf(y: Float64Array, dy: Float64Array, lags: number, start: number) {
  // dy[s] = y[s+1] - y[s]; observation s (target dy[s]) needs dy[s-1..s-lags]
  const first = start;
  const nobs = dy.length - first;
  return normalEquations(nobs, 2 + lags, (t, x) => {
    const s = first + t;
    x[0] = y[s]!;
    x[1] = 1;
    for (let i = 1; i <= lags; i++) x[1 + i] = dy[s - i]!;
    return dy[s]!;
  });
}

export interface KpssResult {
  /** η = Σ S_t² / (n² σ̂²) with S the partial sums of the demeaned series. */
  statistic: number;
  /** Interpolated in the KPSS table, so clamped to 0.01..0.1. */
  pValue: number;
  /** Bartlett-kernel lags of the long-run variance. */
  lags: number;
  criticalValues: CriticalValues;
  /** Level stationarity is not rejected at 5%. */
  stationary: boolean;
}

// Kwiatkowski, Phillips, Schmidt & Shin (1992), Table 1, level stationarity.
const KPSS_LEVEL: readonly [number, number][] = [
  [0.1, 0.347],
  [0.05, 0.463],
  [0.025, 0.574],
  [0.01, 0.739],
];

/**
 * KPSS test of level stationarity (H0: stationary). Lags default to
 * ⌈12 (n/100)^¼⌉ as in the original paper. Returns null for fewer than 10
 * values or a constant series. The series must hold finite values only.
 */
export function kpssTest(series: Float64Array, options: { lags?: number } = {}): KpssResult | null {
  const n = series.length;
  if (n < 10) return null;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += series[i]!;
  mean /= n;
  const e = new Float64Array(n);
  let gamma0 = 0;
  for (let i = 0; i < n; i++) {
    e[i] = series[i]! - mean;
    gamma0 += e[i]! * e[i]!;
  }
  if (!(gamma0 > 0)) return null;
  const lags = Math.min(n - 1, Math.max(0, options.lags ?? Math.ceil(12 * (n / 100) ** 0.25)));
  let lrv = gamma0;
  for (let k = 1; k <= lags; k++) {
    let g = 0;
    for (let t = k; t < n; t++) g += e[t]! * e[t - k]!;
    lrv += 2 * (1 - k / (lags + 1)) * g;
  }
  lrv /= n;
  if (!(lrv > 0)) return null;
  let s = 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    s += e[i]!;
    ss += s * s;
  }
  const statistic = ss / (n * n * lrv);
  const criticalValues: CriticalValues = {};
  for (const [p, cv] of KPSS_LEVEL) criticalValues[`${p * 100}%`] = cv;
  return { statistic, pValue: kpssPValue(statistic), lags, criticalValues, stationary: statistic < 0.463 };
}

function kpssPValue(stat: number): number {
  if (stat <= KPSS_LEVEL[0]![1]) return 0.1;
  if (stat >= KPSS_LEVEL[KPSS_LEVEL.length - 1]![1]) return 0.01;
  for (let i = 1; i < KPSS_LEVEL.length; i++) {
    const [p1, c1] = KPSS_LEVEL[i]!;
    const [p0, c0] = KPSS_LEVEL[i - 1]!;
    if (stat <= c1) return p0 + ((stat - c0) / (c1 - c0)) * (p1 - p0);
  }
  return 0.01;
}
