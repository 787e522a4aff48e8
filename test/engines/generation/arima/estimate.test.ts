import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../src/core/rng.js';
import { estimateArima } from '../../../../src/engines/generation/arima/estimate.js';
import type { ArimaCoefficients, ArimaOrder } from '../../../../src/engines/generation/arima/model.js';
import { isStationary } from '../../../../src/engines/generation/arima/polynomial.js';
import { chooseDifferencing, selectArima } from '../../../../src/engines/generation/arima/select.js';
import { ArimaStepper, forecast } from '../../../../src/engines/generation/arima/simulate.js';

const order = (o: Partial<ArimaOrder>): ArimaOrder => ({ p: 0, d: 0, q: 0, P: 0, D: 0, Q: 0, period: 0, ...o });

/** Simulate n points of a model from a fresh start with burn-in. */
function simulate(
  model: Omit<ArimaCoefficients, 'order'> & { order: ArimaOrder },
  n: number,
  seed: number,
): Float64Array {
  const rng = createRng(seed);
  const s = new ArimaStepper(model, [], []);
  const sigma = Math.sqrt(model.sigma2);
  s.burnIn(500, sigma, rng);
  const y = new Float64Array(n);
  for (let t = 0; t < n; t++) y[t] = s.step(sigma * rng.normal());
  return y;
}

const base = { phi: [], theta: [], seasonalPhi: [], seasonalTheta: [], mean: 0, sigma2: 1 };

describe('ARIMA estimation recovers known coefficients', () => {
  it('AR(2)', () => {
    const y = simulate({ ...base, order: order({ p: 2 }), phi: [0.6, -0.3], mean: 5 }, 3000, 1);
    const fit = estimateArima(y, { order: order({ p: 2 }) });
    expect(fit.phi[0]).toBeCloseTo(0.6, 1);
    expect(fit.phi[1]).toBeCloseTo(-0.3, 1);
    expect(fit.mean).toBeCloseTo(5, 0);
    expect(Math.abs(fit.sigma2 - 1)).toBeLessThan(0.08);
  });

  it('MA(1)', () => {
    const y = simulate({ ...base, order: order({ q: 1 }), theta: [0.5] }, 3000, 2);
    const fit = estimateArima(y, { order: order({ q: 1 }) });
    expect(Math.abs(fit.theta[0]! - 0.5)).toBeLessThan(0.05);
    expect(Math.abs(fit.sigma2 - 1)).toBeLessThan(0.08);
  });

  it('ARMA(1,1) with noise variance 4', () => {
    const y = simulate({ ...base, order: order({ p: 1, q: 1 }), phi: [0.7], theta: [-0.4], sigma2: 4 }, 4000, 3);
    const fit = estimateArima(y, { order: order({ p: 1, q: 1 }) });
    expect(Math.abs(fit.phi[0]! - 0.7)).toBeLessThan(0.06);
    expect(Math.abs(fit.theta[0]! + 0.4)).toBeLessThan(0.08);
    expect(Math.abs(fit.sigma2 - 4)).toBeLessThan(0.3);
  });

  it('seasonal ARIMA(1,0,0)(0,1,1)[12]', () => {
    const o = order({ p: 1, D: 1, Q: 1, period: 12 });
    const y = simulate({ ...base, order: o, phi: [0.5], seasonalTheta: [-0.6] }, 3000, 4);
    const fit = estimateArima(y, { order: o });
    expect(Math.abs(fit.phi[0]! - 0.5)).toBeLessThan(0.06);
    expect(Math.abs(fit.seasonalTheta[0]! + 0.6)).toBeLessThan(0.08);
  });

  it('keeps estimates in the stationary region', () => {
    const y = simulate({ ...base, order: order({ p: 1 }), phi: [0.97] }, 800, 5);
    const fit = estimateArima(y, { order: order({ p: 1 }) });
    expect(isStationary(fit.phi)).toBe(true);
  });
});

describe('ARIMA order selection', () => {
  it('picks the true order of an AR(2) and of an ARMA(1,1) by BIC', async () => {
    const ar2 = simulate({ ...base, order: order({ p: 2 }), phi: [0.6, -0.3] }, 2000, 6);
    const s1 = await selectArima(ar2, { criterion: 'bic' });
    expect([s1.best.order.p, s1.best.order.d, s1.best.order.q]).toEqual([2, 0, 0]);
    const arma = simulate({ ...base, order: order({ p: 1, q: 1 }), phi: [0.8], theta: [0.5] }, 2000, 7);
    const s2 = await selectArima(arma, { criterion: 'bic' });
    expect([s2.best.order.p, s2.best.order.q]).toEqual([1, 1]);
    expect(s2.candidates.length).toBe(12);
  });

  it('differences a random walk once and leaves white noise alone', () => {
    const rw = simulate({ ...base, order: order({ d: 1 }) }, 1000, 8);
    expect(chooseDifferencing(rw, 0).d).toBe(1);
    const wn = simulate({ ...base, order: order({}) }, 1000, 9);
    expect(chooseDifferencing(wn, 0).d).toBe(0);
  });
});

describe('ARIMA forecasts', () => {
  it('AR(1) forecasts decay to the mean with widening intervals', () => {
    const model = { ...base, order: order({ p: 1 }), phi: [0.5], mean: 10, sigma2: 1 };
    const f = forecast(model, [12], [0], 3);
    expect(f.mean[0]).toBeCloseTo(11, 10);
    expect(f.mean[1]).toBeCloseTo(10.5, 10);
    // Var(h=2) = σ²(1 + φ²) = 1.25.
    expect(f.upper[1]! - f.mean[1]!).toBeCloseTo(1.959964 * Math.sqrt(1.25), 5);
    expect(f.upper[0]! - f.mean[0]!).toBeLessThan(f.upper[2]! - f.mean[2]!);
  });

  it('random-walk intervals grow like √h', () => {
    const f = forecast({ ...base, order: order({ d: 1 }), sigma2: 4 }, [1, 2, 3], [0, 0, 0], 4);
    expect(Array.from(f.mean)).toEqual([3, 3, 3, 3]);
    expect(f.upper[3]! - f.mean[3]!).toBeCloseTo(1.959964 * 2 * 2, 4);
  });
});
