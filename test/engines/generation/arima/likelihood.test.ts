import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../src/core/rng.js';
import { estimateArima } from '../../../../src/engines/generation/arima/estimate.js';
import { armaExactLikelihood, nelderMead } from '../../../../src/engines/generation/arima/likelihood.js';
import { cholesky } from '../../../../src/engines/generation/arima/linalg.js';

/** Concentrated exact log-likelihood by brute force: Cholesky of the n×n autocovariance matrix Γ (σ² = 1). */
function bruteForce(z: number[], gamma: (lag: number) => number): number {
  const n = z.length;
  const G = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) G[i * n + j] = gamma(Math.abs(i - j));
  const L = cholesky(G, n);
  // Solve L u = z; zᵀΓ⁻¹z = |u|², log det Γ = 2 Σ log L_ii.
  const u = new Float64Array(n);
  let logDet = 0;
  for (let i = 0; i < n; i++) {
    let v = z[i]!;
    for (let k = 0; k < i; k++) v -= L[i * n + k]! * u[k]!;
    u[i] = v / L[i * n + i]!;
    logDet += 2 * Math.log(L[i * n + i]!);
  }
  const s2 = u.reduce((s, x) => s + x * x, 0) / n;
  return -0.5 * (n * Math.log(2 * Math.PI * s2) + n + logDet);
}

describe('exact ARMA likelihood (Kalman filter)', () => {
  const rng = createRng(1);
  const z = Array.from({ length: 60 }, () => rng.normal());

  it('matches the brute-force Gaussian likelihood of an ARMA(1,1)', () => {
    const phi = 0.6;
    const theta = 0.3;
    const g0 = (1 + 2 * phi * theta + theta * theta) / (1 - phi * phi);
    const g1 = ((1 + phi * theta) * (phi + theta)) / (1 - phi * phi);
    const gamma = (k: number) => (k === 0 ? g0 : g1 * phi ** (k - 1));
    expect(armaExactLikelihood(z, [phi], [theta]).loglik).toBeCloseTo(bruteForce(z, gamma), 8);
  });

  it('matches it for an MA(2) and an AR(2)', () => {
    const [t1, t2] = [0.5, -0.3];
    const ma = (k: number) => [1 + t1 * t1 + t2 * t2, t1 + t1 * t2, t2][k] ?? 0;
    expect(armaExactLikelihood(z, [], [t1, t2]).loglik).toBeCloseTo(bruteForce(z, ma), 8);
    const [a1, a2] = [0.5, 0.2];
    const r1 = a1 / (1 - a2);
    const g0 = 1 / (1 - a1 * r1 - a2 * (a1 * r1 + a2));
    const rho: number[] = [1, r1];
    for (let k = 2; k < 60; k++) rho.push(a1 * rho[k - 1]! + a2 * rho[k - 2]!);
    expect(armaExactLikelihood(z, [a1, a2], []).loglik).toBeCloseTo(
      bruteForce(z, (k) => g0 * rho[k]!),
      8,
    );
  });

  it('Nelder–Mead finds the minimum of a quadratic', () => {
    const r = nelderMead((x) => (x[0]! - 1) ** 2 + 3 * (x[1]! + 2) ** 2, new Float64Array([0, 0]), 0.5, 500, 1e-14);
    expect(r.x[0]).toBeCloseTo(1, 4);
    expect(r.x[1]).toBeCloseTo(-2, 4);
  });

  it('estimation refines CSS by exact maximum likelihood', () => {
    const r = createRng(2);
    const e = Array.from({ length: 301 }, () => r.normal());
    const y = e.slice(1).map((v, i) => v + 0.8 * e[i]!);
    const order = { p: 0, d: 0, q: 1, P: 0, D: 0, Q: 0, period: 0 };
    const css = estimateArima(y, { order, method: 'css' });
    const ml = estimateArima(y, { order });
    expect(ml.method).toBe('css-ml');
    const exactAt = (theta: number, mean: number) =>
      armaExactLikelihood(
        y.map((v) => v - mean),
        [],
        [theta],
      ).loglik;
    expect(ml.loglik).toBeCloseTo(exactAt(ml.theta[0]!, ml.mean), 8);
    expect(ml.loglik).toBeGreaterThanOrEqual(exactAt(css.theta[0]!, css.mean));
    expect(Math.abs(ml.theta[0]! - 0.8)).toBeLessThan(0.1);
  });
});
