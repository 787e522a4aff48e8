/**
 * Exact Gaussian likelihood of an ARMA process by the Kalman filter on its
 * state-space form (Harvey): state dimension r = max(p, q + 1), transition
 * the companion matrix of the AR coefficients, disturbance loading
 * (1, θ_1, …, θ_{r-1}). The initial covariance is the stationary one
 * (doubling algorithm). Once the filter's covariance stops changing it is
 * frozen, so long series cost O(r) per step.
 */

export interface ExactLikelihood {
  /** Log-likelihood with σ² concentrated out. */
  loglik: number;
  /** Maximum-likelihood innovation variance. */
  sigma2: number;
}

/** Rows of T·M for the companion matrix T of `a` (size r), M r×r row-major. */
function companionTimes(a: Float64Array, m: Float64Array, r: number, out: Float64Array): void {
  for (let i = 0; i < r; i++) {
    const ai = a[i]!;
    for (let j = 0; j < r; j++) out[i * r + j] = ai * m[j]! + (i + 1 < r ? m[(i + 1) * r + j]! : 0);
  }
}

/** T·M·Tᵀ for symmetric M, as T·(T·M)ᵀ; tmp and tmp2 are r×r scratch buffers. */
function sandwich(
  a: Float64Array,
  m: Float64Array,
  r: number,
  tmp: Float64Array,
  tmp2: Float64Array,
  out: Float64Array,
): void {
  companionTimes(a, m, r, tmp);
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) tmp2[i * r + j] = tmp[j * r + i]!;
  companionTimes(a, tmp2, r, out);
}

/** Stationary covariance P = T P Tᵀ + R Rᵀ by doubling. */
function stationaryCovariance(a: Float64Array, rr: Float64Array, r: number): Float64Array {
  const p: Float64Array = Float64Array.from(rr);
  // A_k = T^(2^k) as a dense matrix.
  let A: Float64Array = new Float64Array(r * r);
  for (let i = 0; i < r; i++) {
    A[i * r] = a[i]!;
    if (i + 1 < r) A[i * r + i + 1] = 1;
  }
  for (let k = 0; k < 64; k++) {
    // p += A p Aᵀ
    const ap = matMul(A, p, r);
    const apat = matMulT(ap, A, r);
    let change = 0;
    for (let i = 0; i < r * r; i++) {
      p[i]! += apat[i]!;
      change = Math.max(change, Math.abs(apat[i]!));
    }
    if (change < 1e-12) break;
    A = matMul(A, A, r);
  }
  return p;
}

function matMul(x: Float64Array, y: Float64Array, r: number): Float64Array {
  const out = new Float64Array(r * r);
  for (let i = 0; i < r; i++)
    for (let k = 0; k < r; k++) {
      const v = x[i * r + k]!;
      if (v === 0) continue;
      for (let j = 0; j < r; j++) out[i * r + j]! += v * y[k * r + j]!;
    }
  return out;
}

/** x·yᵀ */
function matMulT(x: Float64Array, y: Float64Array, r: number): Float64Array {
  const out = new Float64Array(r * r);
  for (let i = 0; i < r; i++)
    for (let j = 0; j < r; j++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += x[i * r + k]! * y[j * r + k]!;
      out[i * r + j] = s;
    }
  return out;
}

/**
 * Exact log-likelihood of the zero-mean series z under the stationary,
 * invertible ARMA model with expanded coefficients a (AR) and b (MA).
 */
export function armaExactLikelihood(
  z: ArrayLike<number>,
  aIn: readonly number[],
  bIn: readonly number[],
): ExactLikelihood {
  const r = Math.max(aIn.length, bIn.length + 1);
  const a = new Float64Array(r);
  a.set(aIn);
  const R = new Float64Array(r);
  R[0] = 1;
  for (let j = 0; j < bIn.length; j++) R[j + 1] = bIn[j]!;
  const rr = new Float64Array(r * r);
  for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) rr[i * r + j] = R[i]! * R[j]!;
  let P: Float64Array = stationaryCovariance(a, rr, r);
  const x = new Float64Array(r);
  const xn = new Float64Array(r);
  const K = new Float64Array(r);
  const tmp = new Float64Array(r * r);
  const tmp2 = new Float64Array(r * r);
  const upd = new Float64Array(r * r);
  let next: Float64Array = new Float64Array(r * r);
  let frozen = false;
  let F = 1;
  let sumLogF = 0;
  let ss = 0;
  const n = z.length;
  for (let t = 0; t < n; t++) {
    if (!frozen) {
      F = P[0]!;
      for (let i = 0; i < r; i++) K[i] = P[i * r]! / F;
    }
    const v = z[t]! - x[0]!;
    sumLogF += Math.log(F);
    ss += (v * v) / F;
    // x ← T (x + K v)
    for (let i = 0; i < r; i++) xn[i] = x[i]! + K[i]! * v;
    for (let i = 0; i < r; i++) x[i] = a[i]! * xn[0]! + (i + 1 < r ? xn[i + 1]! : 0);
    if (!frozen) {
      // P ← T (P − P e1 e1ᵀ P / F) Tᵀ + R Rᵀ
      for (let i = 0; i < r; i++)
        for (let j = 0; j < r; j++) upd[i * r + j] = P[i * r + j]! - (P[i * r]! * P[j * r]!) / F;
      sandwich(a, upd, r, tmp, tmp2, next);
      let change = 0;
      for (let i = 0; i < r * r; i++) {
        next[i]! += rr[i]!;
        change = Math.max(change, Math.abs(next[i]! - P[i]!));
      }
      const prev = P;
      P = next;
      next = prev;
      if (change < 1e-9 * P[0]!) {
        frozen = true;
        F = P[0]!;
        for (let i = 0; i < r; i++) K[i] = P[i * r]! / F;
      }
    }
  }
  const sigma2 = ss / n;
  return { loglik: -0.5 * (n * Math.log(2 * Math.PI * sigma2) + sumLogF + n), sigma2 };
}

/** Nelder–Mead minimisation of f from x0 (initial steps `step`), within `maxEvals` evaluations. */
export function nelderMead(
  f: (x: Float64Array) => number,
  x0: Float64Array,
  step: number,
  maxEvals: number,
  tol = 1e-9,
): { x: Float64Array; value: number } {
  const k = x0.length;
  const pts: Float64Array[] = [Float64Array.from(x0)];
  for (let i = 0; i < k; i++) {
    const p = Float64Array.from(x0);
    p[i]! += step * Math.max(1, Math.abs(x0[i]!) * 0.1);
    pts.push(p);
  }
  let vals = pts.map(f);
  let evals = pts.length;
  const order = () => {
    const idx = pts.map((_, i) => i).sort((i, j) => vals[i]! - vals[j]!);
    const p2 = idx.map((i) => pts[i]!);
    const v2 = idx.map((i) => vals[i]!);
    pts.splice(0, pts.length, ...p2);
    vals = v2;
  };
  while (evals < maxEvals) {
    order();
    if (Math.abs(vals[k]! - vals[0]!) <= tol * (Math.abs(vals[0]!) + tol)) break;
    const c = new Float64Array(k);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) c[j]! += pts[i]![j]! / k;
    const towards = (t: number) => c.map((cj, j) => cj + t * (pts[k]![j]! - cj));
    const xr = towards(-1);
    const fr = f(xr);
    evals++;
    if (fr < vals[0]!) {
      const xe = towards(-2);
      const fe = f(xe);
      evals++;
      if (fe < fr) {
        pts[k] = xe;
        vals[k] = fe;
      } else {
        pts[k] = xr;
        vals[k] = fr;
      }
    } else if (fr < vals[k - 1]!) {
      pts[k] = xr;
      vals[k] = fr;
    } else {
      const xc = fr < vals[k]! ? towards(-0.5) : towards(0.5);
      const fc = f(xc);
      evals++;
      if (fc < Math.min(fr, vals[k]!)) {
        pts[k] = xc;
        vals[k] = fc;
      } else {
        for (let i = 1; i <= k; i++) {
          pts[i] = pts[i]!.map((v, j) => pts[0]![j]! + 0.5 * (v - pts[0]![j]!));
          vals[i] = f(pts[i]!);
          evals++;
        }
      }
    }
  }
  order();
  return { x: pts[0]!, value: vals[0]! };
}
