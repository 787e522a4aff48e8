/**
 * The per-point loops of the statistical generator. Each works on a slice
 * [off, off + n) of a column and a chunk-sized input buffer, keeps no objects
 * per point, and carries its state across chunks in a small Float64Array.
 * Periodic terms are advanced by rotation (no Math.sin per point); callers
 * resynchronise the rotation at every chunk from the exact angle.
 */

/**
 * ARMA(1,1): y_t = φ y_{t-1} + e_t + θ e_{t-1} with e_t = σ z_t, written to out.
 * state = [y_{t-1}, e_{t-1}].
 */
export function arma11(
  out: Float64Array,
  off: number,
  n: number,
  z: Float64Array,
  phi: number,
  theta: number,
  sigma: number,
  state: Float64Array,
): void {
  let y = state[0]!;
  let e = state[1]!;
  for (let i = 0; i < n; i++) {
    const ei = sigma * z[i]!;
    y = phi * y + ei + theta * e;
    e = ei;
    out[off + i] = y;
  }
  state[0] = y;
  state[1] = e;
}

/**
 * The common case in one pass: ARMA(1,1) noise (as in arma11, with e_t = σ z[zOff + t])
 * scaled by 1 + h·cos x (heteroscedasticity), plus the line a + b·i and the
 * seasonality Σ_k coeffs[k-1]·cos(k·x), where x advances by rotation from
 * (cos x_0, sin x_0) with step (cos Δx, sin Δx) and the harmonics follow from
 * cos x by Clenshaw's recurrence.
 */
export function fusedArma11(
  out: Float64Array,
  off: number,
  n: number,
  z: Float64Array,
  zOff: number,
  phi: number,
  theta: number,
  sigma: number,
  state: Float64Array,
  a: number,
  b: number,
  coeffs: Float64Array,
  h: number,
  c0: number,
  s0: number,
  cw: number,
  sw: number,
): void {
  const harmonics = coeffs.length;
  let y = state[0]!;
  let e = state[1]!;
  let c = c0;
  let s = s0;
  if (harmonics <= 1) {
    // the common case (one harmonic or none) without the Clenshaw loop
    const amp = harmonics === 1 ? coeffs[0]! : 0;
    for (let i = 0; i < n; i++) {
      const ei = sigma * z[zOff + i]!;
      y = phi * y + ei + theta * e;
      e = ei;
      out[off + i] = y * (1 + h * c) + a + b * i + amp * c;
      const nc = c * cw - s * sw;
      s = s * cw + c * sw;
      c = nc;
    }
    state[0] = y;
    state[1] = e;
    return;
  }
  for (let i = 0; i < n; i++) {
    const ei = sigma * z[zOff + i]!;
    y = phi * y + ei + theta * e;
    e = ei;
    let b1 = 0;
    let b2 = 0;
    for (let k = harmonics - 1; k >= 0; k--) {
      const t = coeffs[k]! + 2 * c * b1 - b2;
      b2 = b1;
      b1 = t;
    }
    out[off + i] = y * (1 + h * c) + a + b * i + (c * b1 - b2);
    const nc = c * cw - s * sw;
    s = s * cw + c * sw;
    c = nc;
  }
  state[0] = y;
  state[1] = e;
}

/**
 * General ARMA(p, q), p, q ≤ 8. yHist[k] = y_{t-1-k}, eHist[k] = e_{t-1-k}
 * (most recent first), updated in place.
 */
export function armaGeneral(
  out: Float64Array,
  off: number,
  n: number,
  z: Float64Array,
  phi: Float64Array,
  theta: Float64Array,
  sigma: number,
  yHist: Float64Array,
  eHist: Float64Array,
): void {
  const p = phi.length;
  const q = theta.length;
  for (let i = 0; i < n; i++) {
    const ei = sigma * z[i]!;
    let y = ei;
    for (let k = 0; k < p; k++) y += phi[k]! * yHist[k]!;
    for (let k = 0; k < q; k++) y += theta[k]! * eHist[k]!;
    for (let k = p - 1; k > 0; k--) yHist[k] = yHist[k - 1]!;
    for (let k = q - 1; k > 0; k--) eHist[k] = eHist[k - 1]!;
    if (p > 0) yHist[0] = y;
    if (q > 0) eHist[0] = ei;
    out[off + i] = y;
  }
}

/** out[off+i] += w_i where w is a random walk with steps std·z. state = [w]. */
export function addRandomWalk(
  out: Float64Array,
  off: number,
  n: number,
  z: Float64Array,
  std: number,
  state: Float64Array,
): void {
  let w = state[0]!;
  for (let i = 0; i < n; i++) {
    w += std * z[i]!;
    out[off + i]! += w;
  }
  state[0] = w;
}

/** out[off+i] *= 1 + h·cos(x_0 + i·Δx), the rotation given by (cos x_0, sin x_0) and (cos Δx, sin Δx). */
export function scaleByCycle(
  out: Float64Array,
  off: number,
  n: number,
  h: number,
  c0: number,
  s0: number,
  cw: number,
  sw: number,
): void {
  let c = c0;
  let s = s0;
  for (let i = 0; i < n; i++) {
    out[off + i]! *= 1 + h * c;
    const nc = c * cw - s * sw;
    s = s * cw + c * sw;
    c = nc;
  }
}

/** out[off+i] += a + b·i. */
export function addLine(out: Float64Array, off: number, n: number, a: number, b: number): void {
  for (let i = 0; i < n; i++) out[off + i]! += a + b * i;
}

/** out[off+i] += Σ_k coeffs[k-1]·cos(k·x_i), x advanced by rotation, harmonics by Clenshaw's recurrence. */
export function addSeasonal(
  out: Float64Array,
  off: number,
  n: number,
  coeffs: Float64Array,
  c0: number,
  s0: number,
  cw: number,
  sw: number,
): void {
  const harmonics = coeffs.length;
  let c = c0;
  let s = s0;
  for (let i = 0; i < n; i++) {
    let b1 = 0;
    let b2 = 0;
    for (let k = harmonics - 1; k >= 0; k--) {
      const t = coeffs[k]! + 2 * c * b1 - b2;
      b2 = b1;
      b1 = t;
    }
    out[off + i]! += c * b1 - b2;
    const nc = c * cw - s * sw;
    s = s * cw + c * sw;
    c = nc;
  }
}

/** out[off+i] = max(out[off+i], 0) for i in [0, n). */
export function floorAtZero(out: Float64Array, off: number, n: number): void {
  for (let i = off, end = off + n; i < end; i++) if (out[i]! < 0) out[i] = 0;
}
