/**
 * Lag polynomials of (seasonal) ARIMA models.
 *
 * Convention used throughout the arima folder: an AR polynomial is stored as
 * its coefficients a[0..p-1] in `x_t = Σ a_i x_{t-1-i} + …`, i.e. the
 * operator 1 − Σ a_i B^{i+1}; an MA polynomial as b[0..q-1] in the operator
 * 1 + Σ b_j B^{j+1}.
 */

/** Multiply two operators given as full coefficient arrays (index = lag, [0] = 1). */
function multiply(x: number[], y: number[]): number[] {
  const out = new Array<number>(x.length + y.length - 1).fill(0);
  for (let i = 0; i < x.length; i++) for (let j = 0; j < y.length; j++) out[i + j]! += x[i]! * y[j]!;
  return out;
}

/** The full operator 1 + sign·Σ c_i B^{(i+1)·step}. */
function operator(coeffs: readonly number[], step: number, sign: 1 | -1): number[] {
  const out = new Array<number>(coeffs.length * step + 1).fill(0);
  out[0] = 1;
  coeffs.forEach((c, i) => {
    out[(i + 1) * step] = sign * c;
  });
  return out;
}

/** Expand (1 − Σφ B^i)(1 − ΣΦ B^{is}) into AR coefficients a (x_t = Σ a_i x_{t-1-i}). */
export function expandAr(phi: readonly number[], seasonalPhi: readonly number[], period: number): number[] {
  const full = multiply(operator(phi, 1, -1), operator(seasonalPhi, Math.max(1, period), -1));
  return trim(full.slice(1).map((c) => -c));
}

/** Expand (1 + Σθ B^j)(1 + ΣΘ B^{js}) into MA coefficients b. */
export function expandMa(theta: readonly number[], seasonalTheta: readonly number[], period: number): number[] {
  const full = multiply(operator(theta, 1, 1), operator(seasonalTheta, Math.max(1, period), 1));
  return trim(full.slice(1));
}

/** The differencing operator (1 − B)^d (1 − B^s)^D as AR-style coefficients c: y_t = w_t + Σ c_i y_{t-1-i}. */
export function differencingCoefficients(d: number, seasonalD: number, period: number): number[] {
  let full = [1];
  for (let i = 0; i < d; i++) full = multiply(full, [1, -1]);
  for (let i = 0; i < seasonalD; i++) full = multiply(full, operator([1], period, -1));
  return full.slice(1).map((c) => -c);
}

/** Apply the differencing operator: w_t = y_t − Σ c_i y_{t-1-i}, for t ≥ len(c). */
export function difference(y: ArrayLike<number>, c: readonly number[]): Float64Array {
  const k = c.length;
  const out = new Float64Array(Math.max(0, y.length - k));
  for (let t = k; t < y.length; t++) {
    let v = y[t]!;
    for (let i = 0; i < k; i++) v -= c[i]! * y[t - 1 - i]!;
    out[t - k] = v;
  }
  return out;
}

/**
 * Whether the AR operator 1 − Σ a_i B^i has all roots outside the unit
 * circle, by the step-down (reverse Levinson–Durbin) recursion: stationary
 * exactly when every partial autocorrelation has modulus below one.
 */
export function isStationary(a: readonly number[], margin = 1e-6): boolean {
  let cur = [...a];
  for (let k = cur.length; k >= 1; k--) {
    const r = cur[k - 1]!;
    if (!(Math.abs(r) < 1 - margin)) return false;
    const next = new Array<number>(k - 1);
    const den = 1 - r * r;
    for (let i = 0; i < k - 1; i++) next[i] = (cur[i]! + r * cur[k - 2 - i]!) / den;
    cur = next;
  }
  return true;
}

/** Whether the MA operator 1 + Σ b_j B^j is invertible. */
export function isInvertible(b: readonly number[], margin = 1e-6): boolean {
  return isStationary(
    b.map((x) => -x),
    margin,
  );
}

/**
 * ψ-weights of the MA(∞) form of x_t = Σ a_i x_{t-1-i} + e_t + Σ b_j e_{t-1-j}:
 * x_t = Σ ψ_k e_{t-k}, ψ_0 = 1. `a` may include differencing (non-stationary ψ).
 */
export function psiWeights(a: readonly number[], b: readonly number[], count: number): Float64Array {
  const psi = new Float64Array(count);
  if (count === 0) return psi;
  psi[0] = 1;
  for (let k = 1; k < count; k++) {
    let v = k - 1 < b.length ? b[k - 1]! : 0;
    for (let i = 0; i < a.length && i < k; i++) v += a[i]! * psi[k - 1 - i]!;
    psi[k] = v;
  }
  return psi;
}

/** Drop trailing zeros so orders reflect the real lags. */
function trim(c: number[]): number[] {
  let n = c.length;
  while (n > 0 && c[n - 1] === 0) n--;
  return c.slice(0, n);
}

/** Product of two AR-style coefficient lists (operators 1 − Σ…), as AR-style coefficients. */
export function combineAr(x: readonly number[], y: readonly number[]): number[] {
  const full = multiply([1, ...x.map((c) => -c)], [1, ...y.map((c) => -c)]);
  return full.slice(1).map((c) => -c);
}
