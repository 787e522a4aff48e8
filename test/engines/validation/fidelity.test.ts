import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.js';
import { ValidationEngine } from '../../../src/engines/validation/engine.js';
import {
  cutWindows,
  loadStocks,
  minMaxScale,
  parseCsv,
  sines,
  splitWindows,
  stockDataPath,
  type Windows,
} from '../../../src/engines/validation/fidelity/data.js';
import { discriminativeScore } from '../../../src/engines/validation/fidelity/discriminative.js';
import {
  windowAcfDistance,
  windowCorrelationalScore,
  windowKsStatistics,
} from '../../../src/engines/validation/fidelity/metrics.js';
import { predictiveScore } from '../../../src/engines/validation/fidelity/predictive.js';
import { strongDiscriminativeScore } from '../../../src/engines/validation/fidelity/strong-discriminative.js';
import { loadTf } from '../../../src/engines/validation/fidelity/tf.js';
import { sensorData, series } from './helpers.js';

/** Uniform noise windows in [0, 1]: trivially unlike sines. */
function noiseWindows(count: number, length: number, dim: number, seed: string): Windows {
  const rng = createRng(seed);
  return { count, length, dim, data: Float32Array.from({ length: count * length * dim }, () => rng.next()) };
}

describe('fidelity data', () => {
  it('scales as the paper does and cuts windows with stride and count', () => {
    const m = { rows: 5, cols: 2, data: Float64Array.from([0, 10, 1, 20, 2, 30, 3, 40, 4, 50]) };
    const s = minMaxScale(m);
    expect(s.data[2]).toBeCloseTo(1 / (4 + 1e-7), 12);
    expect(s.data[9]).toBeCloseTo(40 / (40 + 1e-7), 12);
    const w = cutWindows(s, 3);
    expect(w.count).toBe(3);
    expect(Array.from(w.data.subarray(6, 12)).map((v) => Math.round(v * 4))).toEqual([1, 1, 2, 2, 3, 3]);
    expect(cutWindows(s, 3, { count: 2 }).count).toBe(2);
    expect(cutWindows(s, 2, { stride: 2 }).count).toBe(2);
    expect(cutWindows({ rows: 3, cols: 1, data: Float64Array.from([1, NaN, 3]) }, 2).count).toBe(0);
  });

  it('loads the Stocks data: 3,661 windows of 24 × 6 in [0, 1]', async () => {
    const stocks = await loadStocks(stockDataPath());
    expect(stocks.columns).toEqual(['Open', 'High', 'Low', 'Close', 'Adj_Close', 'Volume']);
    expect(stocks.rows).toBe(3685);
    expect(stocks.windows).toMatchObject({ count: 3661, length: 24, dim: 6 });
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of stocks.windows.data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(hi).toBeGreaterThan(0.99);
  });

  it('rejects a malformed CSV with the row and column', () => {
    expect(() => parseCsv('a,b\n1,2\n3,x\n', 'f.csv')).toThrow(/row 3, column "b" is not a number/);
  });

  it('generates the Sines data reproducibly in [0, 1]', () => {
    const a = sines(createRng(1), 100);
    const b = sines(createRng(1), 100);
    expect(a).toMatchObject({ count: 100, length: 24, dim: 5 });
    expect(a.data).toEqual(b.data);
    expect(Math.min(...a.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a.data)).toBeLessThanOrEqual(1);
  });

  it('window metrics are 0 for identical sets and large for noise', () => {
    const s = sines(createRng(2), 500);
    expect(windowCorrelationalScore(s, s)).toBe(0);
    expect(windowKsStatistics(s, s).every((d) => d === 0)).toBe(true);
    expect(windowAcfDistance(s, s)).toBe(0);
    const n = noiseWindows(500, 24, 5, 'n');
    expect(Math.max(...windowKsStatistics(s, n))).toBeGreaterThan(0.2);
    expect(windowAcfDistance(s, n)).toBeGreaterThan(0.3);
  });
});

describe('learned fidelity metrics (tiny iteration counts)', () => {
  it('trains the discriminator: its loss drops and it separates sines from noise', async () => {
    const real = sines(createRng('d-real'), 600);
    const r = await discriminativeScore(real, noiseWindows(600, 24, 5, 'd-noise'), createRng('d'), {
      iterations: 200,
      lossSamples: 5,
    });
    expect(r.losses).toHaveLength(5);
    expect(r.losses.at(-1)!.loss).toBeLessThan(r.losses[0]!.loss * 0.9);
    expect(r.score).toBeGreaterThan(0.2); // accuracy above 70% after 200 steps
  });

  it('scores real against held-out real windows near 0', async () => {
    const [a, b] = splitWindows(sines(createRng('rr'), 1200), 0.5, createRng('rr-split'));
    const r = await discriminativeScore(a, b, createRng('rr-d'), { iterations: 150 });
    expect(r.score).toBeLessThan(0.08);
  });

  it('trains the predictor: loss drops and real-on-real error is small', async () => {
    const real = sines(createRng('p-real'), 600);
    const r = await predictiveScore(real, real, createRng('p'), { iterations: 300, lossSamples: 4 });
    expect(r.losses.at(-1)!.loss).toBeLessThan(r.losses[0]!.loss);
    expect(r.score).toBeLessThan(0.2);
    const noisy = await predictiveScore(noiseWindows(600, 24, 5, 'p-noise'), real, createRng('p'), { iterations: 300 });
    expect(noisy.score).toBeGreaterThan(r.score);
  });

  it('is seeded and releases every tensor', async () => {
    const tf = await loadTf();
    const before = tf.memory().numTensors;
    const real = sines(createRng('seed-real'), 100);
    const syn = noiseWindows(100, 24, 5, 'seed-noise');
    const a = await discriminativeScore(real, syn, createRng(7), { iterations: 10 });
    const b = await discriminativeScore(real, syn, createRng(7), { iterations: 10 });
    expect(b.accuracy).toBe(a.accuracy);
    expect(b.losses).toEqual(a.losses);
    const p = await predictiveScore(real, real, createRng(7), { iterations: 10 });
    const q = await predictiveScore(real, real, createRng(7), { iterations: 10 });
    expect(q.score).toBe(p.score);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses mismatched shapes and single-feature prediction with clear messages', async () => {
    const a = sines(createRng(1), 20);
    await expect(
      discriminativeScore(a, noiseWindows(20, 24, 4, 'x'), createRng(1), { iterations: 1 }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/24×5 but synthetic windows are 24×4/),
    });
    await expect(
      predictiveScore(noiseWindows(20, 24, 1, 'y'), noiseWindows(20, 24, 1, 'z'), createRng(1), { iterations: 1 }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it("the strong discriminator separates what the paper's cannot, stops when validation stops improving, and is seeded", async () => {
    const tf = await loadTf();
    const before = tf.memory().numTensors;
    // Sines against sines with a small lag-1 wobble: same marginals, slightly different dynamics.
    const real = sines(createRng('s-real'), 400);
    const wobbly = sines(createRng('s-syn'), 400);
    const rng = createRng('wobble');
    for (let i = 0; i < wobbly.data.length; i++) wobbly.data[i] = wobbly.data[i]! + 0.05 * (rng.next() - 0.5);
    const opts = { evaluateEvery: 50, patience: 3, maxIterations: 600 };
    const strong = await strongDiscriminativeScore(real, wobbly, createRng(3), opts);
    const paper = await discriminativeScore(real, wobbly, createRng(3), { iterations: strong.iterations });
    expect(strong.score).toBeGreaterThan(0.3);
    expect(strong.score).toBeGreaterThan(paper.score);
    expect(strong.validationLosses.length).toBe(Math.ceil(strong.iterations / 50));
    const bestLoss = Math.min(...strong.validationLosses.map((v) => v.loss));
    expect(strong.validationLosses.find((v) => v.iteration === strong.bestIteration)!.loss).toBe(bestLoss);
    if (strong.stoppedEarly) expect(strong.iterations - strong.bestIteration).toBe(3 * 50);
    // Real against real stays near its floor.
    const [a, b] = splitWindows(sines(createRng('rr2'), 800), 0.5, createRng('rr2-split'));
    const short = { evaluateEvery: 50, patience: 2, maxIterations: 300 };
    const floor = await strongDiscriminativeScore(a, b, createRng(4), short);
    expect(floor.score).toBeLessThan(0.08);
    expect(floor.stoppedEarly).toBe(true);
    const again = await strongDiscriminativeScore(a, b, createRng(4), short);
    expect(again.accuracy).toBe(floor.accuracy);
    expect(again.validationLosses).toEqual(floor.validationLosses);
    expect(tf.memory().numTensors).toBe(before);
  }, 900_000);

  it('runs as an opt-in validator with its checks in the report', async () => {
    const engine = new ValidationEngine();
    const r = await engine.validate({
      reference: series('real', sensorData(600, 'f-real')),
      synthetic: series('syn', sensorData(600, 'f-syn')),
      rules: { validators: ['fidelity'], fidelity: { discriminativeIterations: 20, predictiveIterations: 20 } },
    });
    const names = r.checks.map((c) => c.name);
    expect(names).toEqual(['discriminative_score', 'predictive_score_ratio']);
    expect(r.checks.every((c) => typeof c.value === 'number')).toBe(true);
    expect(r.validators[0]!.metrics).toMatchObject({ windows: { real: 577, synthetic: 577, length: 24 } });
  });
});
