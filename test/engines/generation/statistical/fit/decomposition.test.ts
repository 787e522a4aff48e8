import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../../src/core/rng.js';
import { autocorrelation, detectPeriods, mstl } from '../../../../../src/engines/generation/statistical/fit/mstl.js';
import { loessAt, stl, stlSpans } from '../../../../../src/engines/generation/statistical/fit/stl.js';
import { dailyProfile, hourlySeries, meanOf } from './helpers.js';

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>, from = 0, to = a.length) => {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

/** Known trend (line + slow wave), known 12-step profile, N(0, 0.2²) noise. */
function known(n: number, seed = 1) {
  const rng = createRng(seed);
  const prof = [0, 1, 3, 2, 0.5, -1, -2, -2.5, -1, 0, 0.5, 0.5];
  const pm = meanOf(prof);
  const y = new Float64Array(n);
  const trend = new Float64Array(n);
  const seasonal = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    trend[i] = 10 + 0.01 * i + Math.sin(i / 100);
    seasonal[i] = prof[i % 12]! - pm;
    y[i] = trend[i]! + seasonal[i]! + 0.2 * rng.normal();
  }
  return { y, trend, seasonal };
}

describe('LOESS', () => {
  it('reproduces a straight line exactly (local linear fit), inside and beyond the data', () => {
    const y = Float64Array.from({ length: 50 }, (_, i) => 3 - 0.5 * i);
    for (const x of [0, 7.5, 25, 49, -1, 50]) expect(loessAt(y, 50, x, 9, undefined)).toBeCloseTo(3 - 0.5 * x, 9);
  });

  it('zero robustness weights exclude a point', () => {
    const y = Float64Array.from({ length: 21 }, () => 1);
    y[10] = 100;
    const w = new Float64Array(21).fill(1);
    w[10] = 0;
    expect(loessAt(y, 21, 10, 7, w)).toBeCloseTo(1, 12);
    expect(loessAt(y, 21, 10, 7, undefined)!).toBeGreaterThan(10);
  });

  it('spans follow the paper: trend ≥ 1.5·period/(1 − 1.5/ns), low-pass ≥ period, all odd', () => {
    expect(stlSpans(12, 7)).toEqual({ seasonal: 7, trend: 23, lowPass: 13 });
    expect(stlSpans(24, 8)).toEqual({ seasonal: 9, trend: 45, lowPass: 25 });
  });
});

describe('STL', () => {
  it('recovers a known trend and seasonal profile under noise', () => {
    const { y, trend, seasonal } = known(600);
    const r = stl(y, { period: 12 });
    expect(maxAbsDiff(r.seasonal, seasonal)).toBeLessThan(0.35);
    expect(maxAbsDiff(r.trend, trend)).toBeLessThan(0.3);
    // away from the ends the fit is tighter
    expect(maxAbsDiff(r.seasonal, seasonal, 60, 540)).toBeLessThan(0.25);
    // the parts add up to the data
    for (let i = 0; i < y.length; i++) expect(r.trend[i]! + r.seasonal[i]! + r.remainder[i]!).toBeCloseTo(y[i]!, 10);
    // the remainder is about the noise
    const rs = Math.sqrt(meanOf(Array.from(r.remainder, (v) => v * v)));
    expect(rs).toBeGreaterThan(0.14);
    expect(rs).toBeLessThan(0.22);
  });

  it('robust STL is not thrown off by outliers; plain STL is', () => {
    const { y, seasonal } = known(600, 2);
    for (const i of [50, 200, 333, 480]) y[i]! += 30;
    const plain = stl(y, { period: 12 });
    const robust = stl(y, { period: 12, robust: true });
    expect(maxAbsDiff(plain.seasonal, seasonal)).toBeGreaterThan(2);
    expect(maxAbsDiff(robust.seasonal, seasonal)).toBeLessThan(0.7);
    expect(maxAbsDiff(robust.seasonal, seasonal, 60, 540)).toBeLessThan(0.45);
    expect(robust.weights[200]).toBe(0);
    expect(robust.remainder[200]).toBeGreaterThan(28);
  });

  it('refuses fewer than two periods of data', () => {
    expect(() => stl(new Float64Array(23), { period: 12 })).toThrow(/two full periods/);
  });
});

describe('MSTL', () => {
  it('separates a daily (24) and a weekly (168) cycle', () => {
    const { series, noise } = hourlySeries({ rows: 168 * 10, weekly: 2, noiseStd: 0.3, phi: 0.5, slope: 0.002 });
    const y = series.columns[0]!.values;
    const r = mstl(y, { periods: [168, 24] });
    expect(r.periods).toEqual([24, 168]);
    const prof = dailyProfile();
    const daily = Float64Array.from(y, (_, t) => prof[t % 24]!);
    const weekly = Float64Array.from(y, (_, t) => 2 * Math.sin((2 * Math.PI * t) / 168));
    // inner weeks (the ends are extrapolated by LOESS)
    expect(maxAbsDiff(r.seasonal[0]!, daily, 168, y.length - 168)).toBeLessThan(0.6);
    expect(maxAbsDiff(r.seasonal[1]!, weekly, 168, y.length - 168)).toBeLessThan(0.5);
    // the daily component holds no weekly sine and vice versa: correlation with the wrong truth is small
    const corr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      const ma = meanOf(a);
      const mb = meanOf(b);
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let i = 0; i < a.length; i++) {
        ab += (a[i]! - ma) * (b[i]! - mb);
        aa += (a[i]! - ma) ** 2;
        bb += (b[i]! - mb) ** 2;
      }
      return ab / Math.sqrt(aa * bb);
    };
    expect(Math.abs(corr(r.seasonal[0]!, weekly))).toBeLessThan(0.1);
    expect(Math.abs(corr(r.seasonal[1]!, daily))).toBeLessThan(0.1);
    expect(corr(r.remainder, noise)).toBeGreaterThan(0.75);
  });

  it('without periods it returns a smooth trend and no seasonal part', () => {
    const y = Float64Array.from({ length: 400 }, (_, i) => 0.05 * i + Math.sin(i));
    const r = mstl(y, { periods: [] });
    expect(r.seasonal).toEqual([]);
    expect(Math.abs(r.trend[200]! - 10)).toBeLessThan(0.3);
  });
});

describe('period detection', () => {
  it('autocorrelation by FFT equals the direct sum', () => {
    const rng = createRng(5);
    const x = Float64Array.from({ length: 301 }, () => rng.normal());
    const acf = autocorrelation(x, 20);
    const m = meanOf(x);
    let c0 = 0;
    for (const v of x) c0 += (v - m) ** 2;
    for (const k of [1, 7, 20]) {
      let c = 0;
      for (let t = k; t < x.length; t++) c += (x[t]! - m) * (x[t - k]! - m);
      expect(acf[k]).toBeCloseTo(c / c0, 10);
    }
  });

  it('finds 24 on hourly data with a daily cycle, a trend and AR noise, and nothing else', () => {
    const { series } = hourlySeries({ rows: 24 * 60, slope: 0.01, phi: 0.8, noiseStd: 1 });
    const found = detectPeriods(series.columns[0]!.values, { maxPeriods: 3 });
    expect(found.map((f) => f.period)).toEqual([24]);
    expect(found[0]!.reason).toMatch(/lag 24/);
  });

  it('finds 24 and 168 on data with daily and weekly cycles', () => {
    const { series } = hourlySeries({ rows: 168 * 10, weekly: 2, noiseStd: 0.3, phi: 0.5 });
    const found = detectPeriods(series.columns[0]!.values, { maxPeriods: 3 });
    expect(found.map((f) => f.period).sort((a, b) => a - b)).toEqual([24, 168]);
  });

  it('finds no period in an AR(1) with a slowly decaying ACF', () => {
    const rng = createRng(9);
    let x = 0;
    const y = Float64Array.from({ length: 5000 }, () => (x = 0.95 * x + rng.normal()));
    expect(detectPeriods(y, { maxPeriods: 3 })).toEqual([]);
  });

  it('only considers periods with at least two full cycles', () => {
    // a 300-step cycle in 500 rows: fewer than two cycles, so it is not reported
    const y = Float64Array.from({ length: 500 }, (_, i) => Math.sin((2 * Math.PI * i) / 300));
    expect(detectPeriods(y, { maxPeriods: 3 }).every((f) => 2 * f.period <= 500)).toBe(true);
  });
});
