import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../../src/core/rng.js';
import {
  fitAr,
  normalCdf,
  pooledAutocovariance,
  normalScores,
  psiWeights,
  quantileAt,
  quantileTable,
  tDegreesOfFreedom,
} from '../../../../../src/engines/generation/statistical/fit/residual.js';

function ar(phi: number[], n: number, seed: number, sd = 1): Float64Array {
  const rng = createRng(seed);
  const x = new Float64Array(n + 500);
  for (let t = 0; t < x.length; t++) {
    let v = sd * rng.normal();
    for (let j = 0; j < phi.length; j++) if (t - j - 1 >= 0) v += phi[j]! * x[t - j - 1]!;
    x[t] = v;
  }
  return x.slice(500);
}

describe('AR fit (Yule–Walker, AIC)', () => {
  it('recovers φ = 0.7 on 5,000 points (AIC may add tiny higher lags)', () => {
    const f = fitAr([ar([0.7], 5000, 1, 2)], 5);
    expect(Math.abs(f.phi[0]! - 0.7)).toBeLessThan(0.05);
    for (const c of f.phi.slice(1)) expect(Math.abs(c)).toBeLessThan(0.05);
    expect(Math.abs(Math.sqrt(f.sigma2) - 2)).toBeLessThan(0.1);
    expect(f.aic).toHaveLength(6);
  });

  it('recovers an AR(2) and picks order 2', () => {
    const f = fitAr([ar([0.5, 0.3], 8000, 2)], 6);
    expect(f.phi).toHaveLength(2);
    expect(Math.abs(f.phi[0]! - 0.5)).toBeLessThan(0.05);
    expect(Math.abs(f.phi[1]! - 0.3)).toBeLessThan(0.05);
  });

  it('white noise gets order 0', () => {
    const f = fitAr([ar([], 4000, 3)], 5);
    expect(f.phi).toEqual([]);
  });

  it('pooled autocovariances never pair points of different segments', () => {
    const { mean, acov } = pooledAutocovariance([Float64Array.of(1, 2), Float64Array.of(3, 4)], 1);
    expect(mean).toBe(2.5);
    expect(acov[0]).toBeCloseTo(5 / 4, 12);
    // (1−2.5)(2−2.5) + (3−2.5)(4−2.5); the join 2→3 would add −0.25
    expect(acov[1]).toBeCloseTo(1.5 / 4, 12);
  });

  it('two AR(1) segments fit as one process', () => {
    const f = fitAr([ar([0.7], 2500, 4), ar([0.7], 2500, 5)], 3);
    expect(Math.abs(f.phi[0]! - 0.7)).toBeLessThan(0.05);
  });
});

describe('marginal helpers', () => {
  it('Φ is accurate at known points', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
  });

  it('normal scores are standard normal whatever the input shape, and keep the order', () => {
    const rng = createRng(6);
    const x = Float64Array.from({ length: 3000 }, () => rng.exponential() ** 2);
    const z = normalScores(x);
    const m = z.reduce((a, b) => a + b, 0) / z.length;
    const v = z.reduce((a, b) => a + (b - m) ** 2, 0) / z.length;
    expect(Math.abs(m)).toBeLessThan(1e-9);
    expect(Math.abs(v - 1)).toBeLessThan(0.01);
    for (let i = 1; i < 100; i++) expect(Math.sign(z[i]! - z[0]!)).toBe(Math.sign(x[i]! - x[0]!));
  });

  it('quantile table and lookup invert each other on the data', () => {
    const x = Float64Array.from({ length: 101 }, (_, i) => i * i);
    const q = quantileTable(x, 1001);
    expect(q).toHaveLength(101);
    expect(quantileAt(q, 0)).toBe(0);
    expect(quantileAt(q, 1)).toBe(10000);
    expect(quantileAt(q, 0.5)).toBe(2500);
    expect(quantileAt(q, 2)).toBe(10000);
  });

  it('t degrees of freedom follow the excess kurtosis 6/(ν − 4)', () => {
    expect(tDegreesOfFreedom(1)).toBeCloseTo(10, 10);
    expect(tDegreesOfFreedom(0)).toBe(200);
    expect(tDegreesOfFreedom(100)).toBe(4.5);
  });

  it('ψ-weights of an AR(1) are powers of φ', () => {
    expect(Array.from(psiWeights([0.5], 4))).toEqual([1, 0.5, 0.25, 0.125]);
  });
});
