import { describe, expect, it } from 'vitest';
import {
  analyticGaussianSigma,
  gaussianDelta,
  normalCdf,
  rhoFor,
  zcdpDelta,
  zcdpEpsilon,
} from '../../../src/engines/privacy/calibration.js';
import {
  exponentialMechanism,
  gaussianMechanism,
  geometricMechanism,
  granularityFor,
  laplaceMechanism,
} from '../../../src/engines/privacy/mechanisms.js';
import { fromDouble } from '../../../src/engines/privacy/rational.js';
import { SecureRandom } from '../../../src/engines/privacy/random.js';
import { bernoulliExp, discreteGaussian, discreteLaplace, isqrt } from '../../../src/engines/privacy/samplers.js';
import { chiCritical, chiSquare, ksCritical, ksStatistic, seeded } from './helpers.js';

// Fixed significance: z = 3.72 (one-sided α = 1e-4) for χ², α = 1e-4 for KS. Seeded bits make every run identical.
const Z = 3.72;
const ALPHA = 1e-4;

const laplaceCdf = (b: number) => (x: number) => (x < 0 ? 0.5 * Math.exp(x / b) : 1 - 0.5 * Math.exp(-x / b));

describe('exact samplers', () => {
  it('Bernoulli(exp(−γ)) hits its probability', () => {
    const rnd = seeded('bexp');
    for (const [num, den] of [
      [1n, 2n],
      [3n, 1n],
      [7n, 3n],
    ] as const) {
      const n = 30_000;
      let hits = 0;
      for (let i = 0; i < n; i++) if (bernoulliExp(rnd, num, den)) hits++;
      const p = Math.exp(-Number(num) / Number(den));
      expect(Math.abs(hits / n - p)).toBeLessThan(Z * Math.sqrt((p * (1 - p)) / n));
    }
  });

  it('discrete Laplace of scale 3 matches its pmf (χ²)', () => {
    const rnd = seeded('dlap');
    const samples = Array.from({ length: 30_000 }, () => Number(discreteLaplace(rnd, 3n, 1n)));
    const q = Math.exp(-1 / 3);
    const { stat, df } = chiSquare(samples, (k) => ((1 - q) / (1 + q)) * q ** Math.abs(k));
    expect(stat).toBeLessThan(chiCritical(df, Z));
  });

  it('discrete Gaussian with σ² = 2.5 matches its pmf (χ²)', () => {
    const rnd = seeded('dgauss');
    const s2 = 2.5;
    const samples = Array.from({ length: 30_000 }, () => Number(discreteGaussian(rnd, fromDouble(s2))));
    let z = 0;
    for (let k = -60; k <= 60; k++) z += Math.exp(-(k * k) / (2 * s2));
    const { stat, df } = chiSquare(samples, (k) => Math.exp(-(k * k) / (2 * s2)) / z);
    expect(stat).toBeLessThan(chiCritical(df, Z));
  });

  it('integer square roots are exact far beyond doubles', () => {
    const big = (1n << 300n) + 12345n;
    const r = isqrt(big);
    expect(r * r <= big && (r + 1n) * (r + 1n) > big).toBe(true);
    expect(isqrt(99n)).toBe(9n);
  });

  it('the crypto source gives uniform small integers', () => {
    const rnd = new SecureRandom();
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 20_000; i++) counts[rnd.smallInt(10)]++;
    const stat = counts.reduce((s, c) => s + (c - 2000) ** 2 / 2000, 0);
    // χ² with 9 df at α = 1e-6: a genuine failure, not chance
    expect(stat).toBeLessThan(chiCritical(9, 4.75));
  });
});

describe('Laplace mechanism', () => {
  it('sets the scale from the declared sensitivity: ε = 2, Δ = 4.5 → b = 2.25', () => {
    const { guarantee } = laplaceMechanism([0], { sensitivity: 4.5, epsilon: 2 }, seeded(1));
    expect(guarantee.scale).toBeCloseTo(2.25, 9);
    expect(guarantee.scale).toBeGreaterThanOrEqual(2.25);
    expect(guarantee.granularity).toBe(granularityFor(2.25));
    expect(Math.log2(guarantee.granularity)).toBe(Math.ceil(Math.log2(2.25)) - 40);
  });

  it('its noise is Laplace(b) (one-sample KS, n = 5,000)', () => {
    const n = 5000;
    const { values, guarantee } = laplaceMechanism(
      new Float64Array(n),
      { sensitivity: 1, epsilon: 0.5 },
      seeded('lap'),
    );
    expect(ksStatistic(values, laplaceCdf(guarantee.scale))).toBeLessThan(ksCritical(n, ALPHA));
  });

  it('is centred on the input', () => {
    const n = 5000;
    const { values } = laplaceMechanism(new Float64Array(n).fill(100), { sensitivity: 1, epsilon: 1 }, seeded('c'));
    const mean = values.reduce((s, v) => s + v, 0) / n;
    expect(Math.abs(mean - 100)).toBeLessThan(Z * Math.sqrt(2 / n));
  });

  it('snapping: the output depends on the input only through its grid cell, so low bits reveal nothing', () => {
    const x = 0.1; // not dyadic: its low bits are exactly what Mironov's attack reads
    const neighbour = x + 2 ** -50; // differs only below the grid
    const a = laplaceMechanism(new Float64Array(2000).fill(x), { sensitivity: 1, epsilon: 1 }, seeded('snap'));
    const b = laplaceMechanism(new Float64Array(2000).fill(neighbour), { sensitivity: 1, epsilon: 1 }, seeded('snap'));
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    // every output is an exact multiple of the power-of-two grid, whatever the input was
    const step = a.guarantee.granularity;
    for (const v of a.values) expect(Number.isInteger(v / step)).toBe(true);
    // …and the grid position's lowest 8 bits are uniform, not a fingerprint of the input (χ², 255 df)
    const counts = new Array(256).fill(0);
    for (const v of laplaceMechanism(new Float64Array(25_600).fill(x), { sensitivity: 1, epsilon: 1 }, seeded('bits'))
      .values)
      counts[Number(BigInt(v / step) & 255n)]++;
    const stat = counts.reduce((s, c) => s + (c - 100) ** 2 / 100, 0);
    expect(stat).toBeLessThan(chiCritical(255, Z));
  });

  it('refuses a missing or bad sensitivity, ε ≤ 0 and non-finite values', () => {
    expect(() => laplaceMechanism([1], { sensitivity: Number.NaN, epsilon: 1 })).toThrow(/sensitivity/);
    expect(() => laplaceMechanism([1], { sensitivity: 1, epsilon: 0 })).toThrow(/epsilon/);
    expect(() => laplaceMechanism([Number.POSITIVE_INFINITY], { sensitivity: 1, epsilon: 1 })).toThrow(/not finite/);
  });
});

describe('geometric mechanism', () => {
  it('adds two-sided geometric noise of scale Δ/ε to counts (χ²)', () => {
    const n = 30_000;
    const { values, guarantee } = geometricMechanism(
      new Float64Array(n).fill(7),
      { sensitivity: 2, epsilon: 1 },
      seeded('g'),
    );
    expect(guarantee.scale).toBe(2);
    for (const v of values.subarray(0, 100)) expect(Number.isInteger(v)).toBe(true);
    const q = Math.exp(-1 / 2);
    const { stat, df } = chiSquare(
      Array.from(values, (v) => v - 7),
      (k) => ((1 - q) / (1 + q)) * q ** Math.abs(k),
    );
    expect(stat).toBeLessThan(chiCritical(df, Z));
  });
});

describe('Gaussian mechanism', () => {
  it('its noise is N(0, σ²) (one-sample KS, n = 5,000)', () => {
    const n = 5000;
    const { values, guarantee } = gaussianMechanism(new Float64Array(n), { sensitivity: 1, rho: 0.125 }, seeded('gau'));
    expect(guarantee.scale).toBeCloseTo(1 / Math.sqrt(0.25), 6);
    const sigma = guarantee.scale;
    expect(ksStatistic(values, (x) => normalCdf(x / sigma))).toBeLessThan(ksCritical(n, ALPHA));
  });

  it('calibrates ρ for (ε, δ) so the stated ε holds at δ', () => {
    const { guarantee } = gaussianMechanism([0], { sensitivity: 1, epsilon: 1, delta: 1e-5 }, seeded(2));
    expect(zcdpDelta(guarantee.rho, 1)).toBeLessThanOrEqual(1e-5 * (1 + 1e-9));
    expect(guarantee.rho).toBeCloseTo(rhoFor(1, 1e-5), 12);
  });
});

describe('calibration against reference values', () => {
  it('analytic Gaussian σ (Balle & Wang 2018; values cross-checked with scipy.stats.norm)', () => {
    // ε = 1, δ = 1e-5: 3.7306 (the classical bound √(2 ln(1.25/δ))/ε gives 4.84)
    expect(analyticGaussianSigma(1, 1e-5)).toBeCloseTo(3.730631634815946, 8);
    expect(analyticGaussianSigma(0.5, 1e-6)).toBeCloseTo(8.057618480725035, 8);
    expect(analyticGaussianSigma(2, 1e-3)).toBeCloseTo(1.445239160929784, 8);
    expect(analyticGaussianSigma(0.1, 1e-10)).toBeCloseTo(54.20629583690182, 6);
    expect(analyticGaussianSigma(1, 1e-5, 4)).toBeCloseTo(4 * 3.730631634815946, 7);
    const s = analyticGaussianSigma(1, 1e-5);
    expect(gaussianDelta(s, 1, 1)).toBeLessThanOrEqual(1e-5);
  });

  it('zCDP → (ε, δ) by the CKS conversion (cross-checked with scipy.optimize)', () => {
    expect(zcdpDelta(0.5, 3)).toBeCloseTo(0.005143184063862148, 9);
    expect(zcdpDelta(0.1, 2) / 4.3252108690925655e-6).toBeCloseTo(1, 6);
    expect(zcdpDelta(1, 5) / 0.0026120345066204887).toBeCloseTo(1, 6);
    // it is never worse than Bun–Steinke: ε ≤ ρ + 2√(ρ ln 1/δ)
    expect(zcdpEpsilon(0.5, 1e-5)).toBeLessThan(0.5 + 2 * Math.sqrt(0.5 * Math.log(1e5)));
    expect(zcdpDelta(0.5, zcdpEpsilon(0.5, 1e-5))).toBeLessThanOrEqual(1e-5 * (1 + 1e-9));
  });

  it('refuses ε ≤ 0 and δ outside (0, 1)', () => {
    expect(() => analyticGaussianSigma(0, 1e-5)).toThrow(/epsilon/);
    expect(() => rhoFor(1, 1)).toThrow(/delta/);
  });
});

describe('exponential mechanism', () => {
  it('picks candidates with probability ∝ exp(ε·score/2Δ)', () => {
    const scores = [0, 1, 2, 4];
    const eps = 1;
    const n = 20_000;
    const counts = new Array(scores.length).fill(0);
    const rnd = seeded('exp');
    for (let i = 0; i < n; i++) counts[exponentialMechanism(scores, { sensitivity: 1, epsilon: eps }, rnd).index]++;
    const w = scores.map((s) => Math.exp((eps * s) / 2));
    const total = w.reduce((a, b) => a + b, 0);
    const stat = counts.reduce((s, c, i) => s + (c - (n * w[i]!) / total) ** 2 / ((n * w[i]!) / total), 0);
    expect(stat).toBeLessThan(chiCritical(3, Z));
  });
});
