import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.js';
import { acf, lagDistance, pacfFromAcf } from '../../../src/engines/validation/stats/acf.js';
import { moments, quantilesOfSorted, robustSpread } from '../../../src/engines/validation/stats/basic.js';
import { correlationMatrix, correlationalScore } from '../../../src/engines/validation/stats/correlation.js';
import { fft } from '../../../src/engines/validation/stats/fft.js';
import {
  kolmogorovSurvival,
  ksExactPValue,
  ksStatisticSorted,
  ksTwoSample,
} from '../../../src/engines/validation/stats/ks.js';
import { nearestTwo } from '../../../src/engines/validation/stats/nearest.js';
import { decompose, detectPeriods, fillMissing, strengths } from '../../../src/engines/validation/stats/seasonality.js';
import { spectrumDistance, welchSpectrum } from '../../../src/engines/validation/stats/spectrum.js';
import { adfCriticalValues, adfPValue, adfTest, kpssTest } from '../../../src/engines/validation/stats/stationarity.js';
import { wasserstein1Sorted } from '../../../src/engines/validation/stats/wasserstein.js';

const f64 = (xs: number[]) => Float64Array.from(xs);

function normals(n: number, seed: number | string): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => rng.normal());
}

function randomWalk(n: number, seed: number | string): Float64Array {
  const e = normals(n, seed);
  for (let i = 1; i < n; i++) e[i] = e[i - 1]! + e[i]!;
  return e;
}

/** All ways to choose k of n indices. */
function* combinations(n: number, k: number, start = 0, acc: number[] = []): Generator<number[]> {
  if (acc.length === k) {
    yield acc.slice();
    return;
  }
  for (let i = start; i < n; i++) {
    acc.push(i);
    yield* combinations(n, k, i + 1, acc);
    acc.pop();
  }
}

describe('two-sample Kolmogorov–Smirnov', () => {
  it('gives D = 1 and the exact p = 2 / C(10, 5) for disjoint samples of five', () => {
    const r = ksTwoSample(f64([1, 2, 3, 4, 5]), f64([6, 7, 8, 9, 10]));
    expect(r.statistic).toBe(1);
    expect(r.method).toBe('exact');
    expect(r.pValue).toBeCloseTo(2 / 252, 12);
  });

  it('matches a hand-worked statistic with interleaved samples and ties stepped together', () => {
    // F_a after 1,2,3: 1/3,2/3,1 ; F_b after 2,4: 1/2,1 -> largest gap 2/3 - 1/2 at x = 2, 1 - 1/2 at x = 3
    expect(ksStatisticSorted(f64([1, 2, 3]), f64([2, 4]))).toBeCloseTo(0.5, 12);
    expect(ksStatisticSorted(f64([1, 1, 1]), f64([1, 1]))).toBe(0);
  });

  it('computes the exact p-value that full permutation enumeration gives', () => {
    const rng = createRng('ks-perm');
    for (const [n, m] of [
      [4, 3],
      [5, 5],
      [6, 4],
      [3, 7],
    ] as const) {
      const pooled = Float64Array.from({ length: n + m }, () => rng.nextDouble());
      const a = pooled.slice(0, n).sort();
      const b = pooled.slice(n).sort();
      const d = ksStatisticSorted(a, b);
      let extreme = 0;
      let total = 0;
      for (const idx of combinations(n + m, n)) {
        const inA = new Set(idx);
        const xa = Float64Array.from(idx.map((i) => pooled[i]!)).sort();
        const xb = Float64Array.from([...pooled].filter((_, i) => !inA.has(i))).sort();
        total++;
        if (ksStatisticSorted(xa, xb) >= d - 1e-12) extreme++;
      }
      expect(ksExactPValue(d, n, m)).toBeCloseTo(extreme / total, 12);
    }
  });

  it('uses the Kolmogorov distribution asymptotically, with its tabulated values', () => {
    expect(kolmogorovSurvival(1.0)).toBeCloseTo(0.2699996716, 8);
    expect(kolmogorovSurvival(1.3581)).toBeCloseTo(0.05, 4);
    expect(kolmogorovSurvival(1.6276)).toBeCloseTo(0.01, 4);
    expect(kolmogorovSurvival(0.5)).toBeCloseTo(0.9639452436, 8);
    // the two series forms join without a step at λ = 1.18
    expect(kolmogorovSurvival(1.17999)).toBeCloseTo(kolmogorovSurvival(1.18001), 4);
  });

  it('agrees between the exact and the asymptotic p-value on large samples', () => {
    const a = normals(1500, 'ks-a');
    const b = normals(1500, 'ks-b').map((v) => v + 0.08);
    const r = ksTwoSample(a, b);
    expect(r.method).toBe('exact');
    const en = Math.sqrt((1500 * 1500) / 3000);
    expect(r.pValue).toBeCloseTo(kolmogorovSurvival((en + 0.12 + 0.11 / en) * r.statistic), 2);
  });

  it('ignores missing values and refuses empty samples', () => {
    expect(ksTwoSample(f64([1, NaN, 2]), f64([1, 2])).statistic).toBe(0);
    expect(() => ksTwoSample(f64([NaN]), f64([1]))).toThrow(RangeError);
  });
});

describe('Wasserstein-1', () => {
  it('reproduces the scipy documentation example and hand cases', () => {
    expect(wasserstein1Sorted(f64([0, 1, 3]), f64([5, 6, 8]))).toBeCloseTo(5, 12);
    expect(wasserstein1Sorted(f64([0, 1]), f64([0]))).toBeCloseTo(0.5, 12);
    expect(wasserstein1Sorted(f64([0, 10]), f64([5]))).toBeCloseTo(5, 12);
    expect(wasserstein1Sorted(f64([1, 2, 3]), f64([1, 2, 3]))).toBe(0);
  });
});

describe('moments and quantiles', () => {
  it('matches hand-worked sample moments', () => {
    const m = moments(f64([2, 4, 4, 4, 5, 5, 7, 9]));
    expect(m.mean).toBe(5);
    expect(m.std).toBeCloseTo(Math.sqrt(32 / 7), 12);
    // g1 = (42/8) / 4^1.5 = 0.65625; adjusted G1 = g1 · sqrt(8·7) / 6
    expect(m.skewness).toBeCloseTo((0.65625 * Math.sqrt(56)) / 6, 10);
    // d = x - 5: Σd⁴ = 81 + 3·1 + 16 + 256 = 356; unbiased excess kurtosis
    const n = 8;
    const k = ((n - 1) / ((n - 2) * (n - 3))) * ((n * (n + 1) * 356) / (32 * 32) - 3 * (n - 1));
    expect(m.kurtosis).toBeCloseTo(k, 10);
  });

  it('reports undefined shape moments for constant data', () => {
    const m = moments(f64([3, 3, 3, 3, 3]));
    expect(m.std).toBe(0);
    expect(m.skewness).toBeNull();
    expect(m.kurtosis).toBeNull();
  });

  it('interpolates quantiles linearly (type 7) and finds the MAD', () => {
    const s = f64([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(quantilesOfSorted(s, [0, 0.25, 0.5, 1])).toEqual([1, 3.25, 5.5, 10]);
    const r = robustSpread(f64([1, 1, 2, 2, 4, 6, 9]));
    expect(r.median).toBe(2);
    expect(r.mad).toBe(1);
  });
});

describe('autocorrelation', () => {
  it('matches the hand-worked ACF and PACF of 1..5', () => {
    const r = acf(f64([1, 2, 3, 4, 5]), 2)!;
    expect(r[1]).toBeCloseTo(0.4, 12);
    expect(r[2]).toBeCloseTo(-0.1, 12);
    const p = pacfFromAcf(r);
    expect(p[1]).toBeCloseTo(0.4, 12);
    expect(p[2]).toBeCloseTo((-0.1 - 0.16) / (1 - 0.16), 12);
  });

  it('recovers an AR(1) process: ACF φ^k, PACF φ then about 0', () => {
    const e = normals(100_000, 'ar1');
    const x = new Float64Array(e.length);
    for (let i = 1; i < x.length; i++) x[i] = 0.7 * x[i - 1]! + e[i]!;
    const r = acf(x, 5)!;
    for (let k = 1; k <= 5; k++) expect(r[k]).toBeCloseTo(0.7 ** k, 1);
    const p = pacfFromAcf(r);
    expect(p[1]).toBeCloseTo(0.7, 1);
    for (let k = 2; k <= 5; k++) expect(Math.abs(p[k]!)).toBeLessThan(0.02);
  });

  it('computes the same ACF through the FFT on long series', () => {
    const x = randomWalk(1_100_000, 'fft-acf');
    const r = acf(x, 20)!; // 2.2e7 > direct limit: FFT path
    let m = 0;
    for (const v of x) m += v;
    m /= x.length;
    let c0 = 0;
    for (const v of x) c0 += (v - m) ** 2;
    for (const k of [1, 7, 20]) {
      let s = 0;
      for (let t = 0; t + k < x.length; t++) s += (x[t]! - m) * (x[t + k]! - m);
      expect(r[k]).toBeCloseTo(s / c0, 8);
    }
  });

  it('is null for constant or too-short series, and distances average over lags', () => {
    expect(acf(f64([2, 2, 2, 2, 2]), 2)).toBeNull();
    expect(acf(f64([1, 2]), 2)).toBeNull();
    expect(lagDistance(f64([1, 0.5, 0.2]), f64([1, 0.3, 0.4]))).toBeCloseTo(0.2, 12);
  });
});

describe('FFT and spectra', () => {
  it('matches a naive DFT', () => {
    const rng = createRng('dft');
    const n = 16;
    const x = Array.from({ length: n }, () => rng.normal());
    const re = Float64Array.from(x);
    const im = new Float64Array(n);
    fft(re, im);
    for (let k = 0; k < n; k++) {
      let sr = 0;
      let si = 0;
      for (let t = 0; t < n; t++) {
        sr += x[t]! * Math.cos((-2 * Math.PI * k * t) / n);
        si += x[t]! * Math.sin((-2 * Math.PI * k * t) / n);
      }
      expect(re[k]).toBeCloseTo(sr, 9);
      expect(im[k]).toBeCloseTo(si, 9);
    }
  });

  it('puts a sine’s power at its frequency and measures spectral distance', () => {
    const sine = (f: number) => Float64Array.from({ length: 4096 }, (_, t) => Math.sin((2 * Math.PI * f * t) / 256));
    const s8 = welchSpectrum(sine(8), 256)!;
    let arg = 0;
    for (let k = 1; k < s8.length; k++) if (s8[k]! > s8[arg]!) arg = k;
    expect(arg + 1).toBe(8);
    expect(spectrumDistance(s8, welchSpectrum(sine(8), 256)!)).toBeCloseTo(0, 12);
    expect(spectrumDistance(s8, welchSpectrum(sine(40), 256)!)).toBeGreaterThan(0.95);
    expect(welchSpectrum(sine(8).subarray(0, 100), 256)).toBeNull();
  });
});

describe('cross-correlation', () => {
  it('finds ±1 and undefined correlations and the correlational score', () => {
    const a = f64([1, 2, 3, 4]);
    const up = f64([2, 4, 6, 8]);
    const down = f64([4, 3, 2, 1]);
    const flat = f64([5, 5, 5, 5]);
    const c = correlationMatrix([[a, up, down, flat]], 4);
    expect(c[0]![1]).toBeCloseTo(1, 12);
    expect(c[0]![2]).toBeCloseTo(-1, 12);
    expect(c[0]![3]).toBeNull();
    const s = correlationalScore(
      [
        [1, 0.5],
        [0.5, 1],
      ],
      [
        [1, -0.3],
        [-0.3, 1],
      ],
    );
    expect(s.score).toBeCloseTo(0.08, 12);
    expect(s.pairs).toBe(1);
  });

  it('pools rows over several blocks and skips missing pairs', () => {
    const c = correlationMatrix(
      [
        [f64([1, 2, NaN]), f64([1, 2, 100])],
        [f64([3, 4]), f64([3, 4])],
      ],
      2,
    );
    expect(c[0]![1]).toBeCloseTo(1, 12);
  });
});

describe('stationarity', () => {
  it('computes the lag-0 Dickey–Fuller t statistic of a closed-form regression', () => {
    const y = randomWalk(200, 'df0');
    const n = y.length - 1;
    const x = Array.from({ length: n }, (_, i) => y[i]!);
    const d = Array.from({ length: n }, (_, i) => y[i + 1]! - y[i]!);
    const mx = x.reduce((a, b) => a + b) / n;
    const md = d.reduce((a, b) => a + b) / n;
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < n; i++) {
      sxx += (x[i]! - mx) ** 2;
      sxy += (x[i]! - mx) * (d[i]! - md);
    }
    const slope = sxy / sxx;
    let ssr = 0;
    for (let i = 0; i < n; i++) ssr += (d[i]! - md - slope * (x[i]! - mx)) ** 2;
    const t = slope / Math.sqrt(ssr / (n - 2) / sxx);
    const r = adfTest(y, { lags: 0 })!;
    expect(r.nobs).toBe(n);
    expect(r.statistic).toBeCloseTo(t, 8);
  });

  it('keeps the unit root of random walks and rejects it for white noise', () => {
    let rwRejected = 0;
    for (let s = 0; s < 10; s++) {
      const rw = adfTest(randomWalk(500, `rw${s}`))!;
      if (rw.stationary) rwRejected++;
      const wn = adfTest(normals(500, `wn${s}`))!;
      expect(wn.stationary).toBe(true);
      expect(wn.statistic).toBeLessThan(wn.criticalValues['1%']!);
      expect(wn.pValue).toBeLessThan(0.01);
    }
    expect(rwRejected).toBeLessThanOrEqual(2); // 5% test: a rare rejection is expected
  });

  it('uses MacKinnon critical values and p-values', () => {
    const cv = adfCriticalValues(100);
    expect(cv['5%']).toBeCloseTo(-2.86154 - 2.8903 / 100 - 4.234 / 1e4 - 40.04 / 1e6, 10);
    expect(adfCriticalValues(1e9)['1%']).toBeCloseTo(-3.43035, 4);
    expect(adfPValue(-2.86154)).toBeCloseTo(0.05, 2);
    expect(adfPValue(-3.43035)).toBeCloseTo(0.01, 2);
    expect(adfPValue(5)).toBe(1);
  });

  it('matches the hand-worked KPSS statistic of 1..10 and separates noise from a random walk', () => {
    // S = cumulative sums of 1..10 minus 5.5; Σ S² = 833.25; γ0 = 8.25
    const k = kpssTest(
      Float64Array.from({ length: 10 }, (_, i) => i + 1),
      { lags: 0 },
    )!;
    expect(k.statistic).toBeCloseTo(833.25 / (100 * 8.25), 12);
    expect(kpssTest(normals(1000, 'kpss-wn'))!.stationary).toBe(true);
    const rw = kpssTest(randomWalk(1000, 'kpss-rw'))!;
    expect(rw.stationary).toBe(false);
    expect(rw.statistic).toBeGreaterThan(0.739);
    expect(rw.pValue).toBe(0.01);
  });

  it('declines constant and too-short series', () => {
    expect(adfTest(new Float64Array(50).fill(1))).toBeNull();
    expect(kpssTest(new Float64Array(50).fill(1))).toBeNull();
    expect(adfTest(f64([1, 2, 3]))).toBeNull();
  });
});

describe('trend and seasonality', () => {
  const noise = normals(24 * 60, 'season-noise');

  it('detects a 24-sample season and its strength', () => {
    const x = Float64Array.from(noise, (e, t) => 10 * Math.sin((2 * Math.PI * t) / 24) + e);
    const p = detectPeriods(x);
    expect(p[0]?.period).toBe(24);
    expect(p[0]!.strength).toBeGreaterThan(0.9);
  });

  it('finds no strong season in white noise', () => {
    const p = detectPeriods(noise);
    expect(p.every((c) => c.strength < 0.3)).toBe(true);
  });

  it('measures trend strength', () => {
    const trend = strengths(
      decompose(
        Float64Array.from(noise, (e, t) => 0.05 * t + e),
        null,
      ),
    );
    expect(trend.trend).toBeGreaterThan(0.9);
    const flat = strengths(decompose(noise, null));
    expect(flat.trend).toBeLessThan(0.3);
  });

  it('fills missing values linearly', () => {
    expect(Array.from(fillMissing(f64([NaN, 1, NaN, 3, NaN]))!)).toEqual([1, 1, 2, 3, 3]);
    expect(fillMissing(f64([NaN, NaN]))).toBeNull();
  });
});

describe('nearest neighbours', () => {
  it('agree with a brute-force search', () => {
    const rng = createRng('nn');
    const dim = 6;
    const q = { count: 30, dim, data: Float64Array.from({ length: 30 * dim }, () => rng.normal()) };
    const b = { count: 50, dim, data: Float64Array.from({ length: 50 * dim }, () => rng.normal()) };
    const r = nearestTwo(q, b);
    for (let i = 0; i < q.count; i++) {
      const d = Array.from({ length: b.count }, (_, j) => {
        let s = 0;
        for (let k = 0; k < dim; k++) s += (q.data[i * dim + k]! - b.data[j * dim + k]!) ** 2;
        return Math.sqrt(s);
      }).sort((x, y) => x - y);
      expect(r.first[i]).toBeCloseTo(d[0]!, 12);
      expect(r.second[i]).toBeCloseTo(d[1]!, 12);
    }
  });
});
