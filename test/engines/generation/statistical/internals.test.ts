import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../src/core/rng.js';
import {
  armaFromArPlusWhite,
  arUnitVariance,
  isStationary,
  psiWeights,
  stationaryStateFactor,
  unitAutocovariance,
} from '../../../../src/engines/generation/statistical/arma.js';
import {
  BaselineCursor,
  dischargeBaseline,
  lineSegments,
  sumBaselines,
  trendBaseline,
} from '../../../../src/engines/generation/statistical/baseline.js';
import { FastRandom } from '../../../../src/engines/generation/statistical/fast-random.js';
import { IntervalSet } from '../../../../src/engines/generation/statistical/interval-set.js';
import { addLine, addSeasonal, arma11, fusedArma11 } from '../../../../src/engines/generation/statistical/kernels.js';
import { cholesky, solve } from '../../../../src/engines/generation/statistical/linalg.js';
import { LI_ION_CURVE } from '../../../../src/engines/generation/statistical/presets.js';
import { mean, std } from '../helpers.js';

describe('ARMA reduction', () => {
  it('tells stationary AR coefficients from explosive ones', () => {
    expect(isStationary([])).toBe(true);
    expect(isStationary([0.99])).toBe(true);
    expect(isStationary([-0.99])).toBe(true);
    expect(isStationary([1])).toBe(false);
    expect(isStationary([0.5, 0.3])).toBe(true);
    expect(isStationary([0.6, 0.5])).toBe(false);
    expect(isStationary([-1.5, -0.7])).toBe(true);
    expect(isStationary([-1.5, -0.4])).toBe(false);
    expect(isStationary([0.2, 0.2, 0.2, 0.2, 0.19])).toBe(true);
    expect(isStationary([0.2, 0.2, 0.2, 0.2, 0.21])).toBe(false);
  });

  it('computes the AR variance (AR(1): 1 / (1 − φ²))', () => {
    expect(arUnitVariance([0.9])).toBeCloseTo(1 / (1 - 0.81), 12);
    expect(arUnitVariance([0.6, 0.2])).toBeCloseTo(0.8 / (1.2 * (0.64 - 0.36)), 12);
  });

  it('turns AR(p) + white noise into one ARMA(p, p) stream with the same autocovariances', () => {
    const cases: Array<[number[], number, number]> = [
      [[0.9], 0.1, 0.05],
      [[0.99997], 0.04, 0.05],
      [[0.6, 0.2], 0.3, 0.5],
      [[0.5, -0.3, 0.1], 1, 2],
      [[0.7, 0, 0, 0.2], 0.5, 0.1],
    ];
    for (const [phi, arStd, whiteStd] of cases) {
      const m = armaFromArPlusWhite(phi, arStd, whiteStd);
      expect(m.theta).toHaveLength(phi.length);
      // invertible: the MA part must not explode backwards either
      expect(isStationary(m.theta.map((t) => -t))).toBe(true);
      const got = unitAutocovariance(m, 4).map((g) => g * m.sigma ** 2);
      const ar = unitAutocovariance({ phi, theta: [], sigma: 1 }, 4).map((g) => g * arStd ** 2);
      ar[0] = ar[0]! + whiteStd ** 2;
      got.forEach((g, k) => {
        expect(Math.abs(g - ar[k]!) / ar[0]!).toBeLessThan(1e-9);
      });
    }
    expect(armaFromArPlusWhite([], 1, 1)).toEqual({ phi: [], theta: [], sigma: Math.SQRT2 });
    expect(armaFromArPlusWhite([0.5], 0, 2)).toEqual({ phi: [], theta: [], sigma: 2 });
    expect(armaFromArPlusWhite([0.5], 3, 0)).toEqual({ phi: [0.5], theta: [], sigma: 3 });
  });

  it('starts the recursion in the stationary distribution', () => {
    const m = armaFromArPlusWhite([0.9], 1, 0.5);
    const l = stationaryStateFactor(m);
    const cov = [
      [unitAutocovariance(m, 0)[0]!, 1],
      [1, 1],
    ];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) expect(l[i]![0]! * l[j]![0]! + l[i]![1]! * l[j]![1]!).toBeCloseTo(cov[i]![j]!, 10);
    const psi = psiWeights({ phi: [0.5], theta: [0.2], sigma: 1 });
    expect(psi[0]).toBe(1);
    expect(psi[1]).toBeCloseTo(0.7, 12);
    expect(psi[2]).toBeCloseTo(0.35, 12);
  });
});

describe('small linear algebra', () => {
  it('factors positive definite matrices and refuses others; solves systems', () => {
    const l = cholesky([
      [4, 2],
      [2, 3],
    ])!;
    expect(l[0]).toEqual([2, 0]);
    expect(l[1]![0]).toBe(1);
    expect(l[1]![1]).toBeCloseTo(Math.SQRT2, 12);
    expect(
      cholesky([
        [1, 2],
        [2, 1],
      ]),
    ).toBeNull();
    expect(
      cholesky([
        [1, 1],
        [1, 1],
      ]),
    ).toBeNull();
    expect(
      cholesky(
        [
          [1, 1],
          [1, 1],
        ],
        true,
      ),
    ).not.toBeNull();
    expect(
      solve(
        [
          [2, 1],
          [1, 3],
        ],
        [3, 5],
      )!.map((x) => Number(x.toFixed(12))),
    ).toEqual([0.8, 1.4]);
    expect(
      solve(
        [
          [1, 2],
          [2, 4],
        ],
        [1, 2],
      ),
    ).toBeNull();
  });
});

describe('FastRandom', () => {
  it('draws standard normals (moments, tails and the CDF match)', () => {
    const n = 1_000_000;
    const x = new Float64Array(n);
    new FastRandom(createRng(7)).fillNormal(x);
    expect(Math.abs(mean(x))).toBeLessThan(0.005);
    expect(Math.abs(std(x) - 1)).toBeLessThan(0.005);
    let k4 = 0;
    let beyond3 = 0;
    for (const v of x) {
      k4 += v ** 4;
      if (Math.abs(v) > 3) beyond3++;
    }
    expect(Math.abs(k4 / n - 3)).toBeLessThan(0.05);
    expect(Math.abs(beyond3 / n - 0.0027)).toBeLessThan(0.0004);
    const sorted = Float64Array.from(x).sort();
    let d = 0;
    for (let i = 0; i < n; i += 97) d = Math.max(d, Math.abs(normalCdf(sorted[i]!) - i / n));
    expect(d).toBeLessThan(0.002);
  });

  it('gives the same numbers through fillNormal and normal(), and is seeded by the Rng', () => {
    const a = new Float64Array(50_000);
    new FastRandom(createRng('s')).fillNormal(a);
    const r = new FastRandom(createRng('s'));
    const b = Float64Array.from({ length: a.length }, () => r.normal());
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    const c = new Float64Array(50_000);
    new FastRandom(createRng('t')).fillNormal(c);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
    const u = new Float64Array(100_000);
    new FastRandom(createRng(1)).fillUniform(u);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(0.005);
  });
});

describe('IntervalSet', () => {
  it('places new intervals only in free room, keeping the margin', () => {
    const set = new IntervalSet();
    set.add(10, 19);
    set.add(40, 49);
    for (let k = 0; k < 200; k++) {
      const u = k / 200;
      const p = set.place(0, 59, 5, 2, u);
      const e = p + 4;
      expect(p).toBeGreaterThanOrEqual(0);
      expect(e).toBeLessThanOrEqual(59);
      expect(e < 8 || (p > 21 && e < 38) || p > 51).toBe(true);
    }
    // candidates: 0..3 (4), 22..33 (12), 52..55 (4)
    expect(set.place(0, 59, 5, 2, 0)).toBe(0);
    expect(set.place(0, 59, 5, 2, 0.999)).toBe(55);
    expect(set.place(0, 59, 5, 2, 4 / 20)).toBe(22);
    expect(set.place(0, 59, 30, 2, 0.5)).toBe(-1);
    expect(set.entries()).toEqual([
      [10, 19],
      [40, 49],
    ]);
  });
});

describe('kernels', () => {
  it('computes in one fused pass what the separate passes compute', () => {
    const n = 5000;
    const z = new Float64Array(n);
    new FastRandom(createRng(3)).fillNormal(z);
    const x0 = 0.3;
    const dx = 0.001;
    const coeffs = new Float64Array([2, 0.5, 0.3]);
    const a = new Float64Array(n);
    const sa = new Float64Array([0.2, -0.1]);
    arma11(a, 0, n, z, 0.8, -0.3, 0.5, sa);
    addLine(a, 0, n, 10, 0.01);
    addSeasonal(a, 0, n, coeffs, Math.cos(x0), Math.sin(x0), Math.cos(dx), Math.sin(dx));
    const b = new Float64Array(n);
    const sb = new Float64Array([0.2, -0.1]);
    fusedArma11(
      b,
      0,
      n,
      z,
      0,
      0.8,
      -0.3,
      0.5,
      sb,
      10,
      0.01,
      coeffs,
      0,
      Math.cos(x0),
      Math.sin(x0),
      Math.cos(dx),
      Math.sin(dx),
    );
    for (let i = 0; i < n; i++) expect(b[i]).toBeCloseTo(a[i]!, 10);
    expect(Array.from(sb)).toEqual(Array.from(sa));
  });

  it('sums harmonics by rotation and Clenshaw as direct cosines would', () => {
    const n = 20_000;
    const x0 = 1.1;
    const dx = (2 * Math.PI) / 1440;
    const coeffs = new Float64Array([3, -1, 0.5, 0.25]);
    const c = new Float64Array(n);
    addSeasonal(c, 0, n, coeffs, Math.cos(x0), Math.sin(x0), Math.cos(dx), Math.sin(dx));
    let worst = 0;
    for (let i = 0; i < n; i++) {
      let direct = 0;
      coeffs.forEach((a, k) => {
        direct += a * Math.cos((k + 1) * (x0 + i * dx));
      });
      worst = Math.max(worst, Math.abs(c[i]! - direct));
    }
    expect(worst).toBeLessThan(1e-10);
  });
});

describe('baselines', () => {
  it('follows the Li-ion discharge curve from full to empty, then stays flat', () => {
    const start = 0;
    const D = 10 * 86_400_000;
    const b = dischargeBaseline(1, D, start);
    const cursor = new BaselineCursor(b, start);
    expect(cursor.at(0)).toBeCloseTo(4.2, 12);
    for (const [soc, volts] of LI_ION_CURVE)
      expect(new BaselineCursor(b, start).at((1 - soc) * D)).toBeCloseTo(volts, 9);
    expect(new BaselineCursor(b, start).at(2 * D)).toBeCloseTo(3.0, 9);
    const half = dischargeBaseline(0.55, D, start);
    expect(half.value).toBeCloseTo(3.775, 12);
  });

  it('gives the same values on the grid (row segments) and at times (cursor), trend breakpoints and jumps included', () => {
    const timing = { start: 1000, intervalMs: 10, rows: 1000 };
    const b = sumBaselines([
      trendBaseline(
        5,
        {
          slopePerMs: 0.001,
          breakpoints: [
            { t: 500, slopePerMs: 0.5 },
            { t: 3005, slopePerMs: -0.002 },
            { t: 6000, slopePerMs: 0 },
          ],
        },
        timing.start,
      ),
      { value: 0, slope: 0, events: [{ t: 4321, jump: 3, dslope: 0 }] },
      dischargeBaseline(0.3, 5000, timing.start),
    ]);
    const segs = lineSegments(b, timing);
    const cursor = new BaselineCursor(b, timing.start);
    for (let r = 0; r < timing.rows; r++) {
      let k = segs.length - 1;
      while (segs[k]!.fromRow > r) k--;
      const grid = segs[k]!.a + segs[k]!.b * r;
      expect(grid).toBeCloseTo(cursor.at(timing.start + r * timing.intervalMs), 9);
    }
  });
});

function normalCdf(x: number): number {
  // Abramowitz–Stegun 7.1.26 erf, accurate to 1.5e-7
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
