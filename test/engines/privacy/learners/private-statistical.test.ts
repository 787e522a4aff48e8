import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../../../src/core/rng.js';
import type { TimeSeries } from '../../../../src/core/types.js';
import type { StatisticalState } from '../../../../src/engines/generation/statistical/fit/learned.js';
import {
  clippedRemainders,
  dynamicsStatistics,
  fitPrivateStatistical,
  levelStatistics,
  noisyYuleWalker,
  PrivateStatisticalOptionsSchema,
  privateStatisticalLearner,
  rowSensitivities,
  scaleData,
  scaleStatistics,
} from '../../../../src/engines/privacy/learners/private-statistical.js';
import { yuleWalker } from '../../../../src/engines/generation/statistical/fit/residual.js';
import { prepareTrainingData } from '../../../../src/engines/models/training-data.js';
import type { ToolContext } from '../../../../src/registry/tool.js';
import { describeModel } from '../../../../tools/describe-model.js';
import { fitModel } from '../../../../tools/fit-model.js';
import { privacyBudget } from '../../../../tools/privacy-budget.js';
import { synthesizeLike } from '../../../../tools/synthesize-like.js';
import { makeEngines, type TestEngines } from '../../../helpers/engines.js';
import { toolCalls } from '../../../helpers/tools.js';
import { seeded } from '../helpers.js';

const HOUR = 3_600_000;
const PROFILE = Array.from({ length: 24 }, (_, h) => 3 * Math.sin((2 * Math.PI * h) / 24) + (h === 8 ? 2 : 0));

/** Two hourly columns: level + daily profile + AR(0.7) noise, the noise correlated 0.6 across columns. */
function hourly(rows: number, seed = 1) {
  const rng = createRng(seed);
  const temperature: number[] = [];
  const humidity: number[] = [];
  let x = 0;
  let y = 0;
  for (let t = 0; t < rows; t++) {
    const a = rng.normal();
    const b = 0.6 * a + 0.8 * rng.normal();
    x = 0.7 * x + Math.sqrt(1 - 0.49) * a;
    y = 0.7 * y + Math.sqrt(1 - 0.49) * b;
    temperature.push(20 + PROFILE[t % 24]! + x);
    humidity.push(60 - 2 * PROFILE[t % 24]! + 3 * y);
  }
  return { timestamps: Array.from({ length: rows }, (_, i) => i * HOUR), values: { temperature, humidity } };
}

const bounds = { temperature: { lower: 0, upper: 40 }, humidity: { lower: 20, upper: 100 } };
const series = hourly(24 * 200);

function asSeries(d: { timestamps: number[]; values: Record<string, number[]> }): TimeSeries {
  return {
    id: 'real',
    name: 'real',
    metadata: { tags: {} },
    timestamps: Float64Array.from(d.timestamps),
    columns: Object.entries(d.values).map(([name, v]) => ({ name, values: Float64Array.from(v) })),
    labels: [],
  };
}

let engines: TestEngines;
let ctx: ToolContext;
beforeAll(async () => {
  engines = await makeEngines({ privacy: { budget: { epsilon: 30, delta: 1e-4 } } });
  ctx = { engines, logger: engines.logger, signal: new AbortController().signal, progress: () => undefined };
});
afterAll(() => engines.close());

const { call, errorOf } = toolCalls(() => ctx);

describe('private statistical learner (statistical-dp)', () => {
  it('fit_model with privacy fits privately, charges the ledger and keeps no raw-data layer', async () => {
    const fit = await call(fitModel, {
      generator: 'statistical',
      data: series,
      options: { periods: [24] },
      privacy: { epsilon: 5, delta: 1e-5, unit: { kind: 'event' }, bounds, dataset: 'stat-1' },
      seed: 3,
      waitSeconds: 120,
    });
    const s = fit.structured;
    expect(s.status).toBe('ready');
    expect(s.model.generator).toBe('statistical-dp');
    expect(s.privacy).toMatchObject({ epsilon: 5, delta: 1e-5, dataset: 'stat-1', unit: 'event-level: one row' });
    expect(s.privacy.neighbouring).toMatch(/differing in the values of one privacy unit/);
    const d = await call(describeModel, { id: s.id });
    expect(d.structured.model.privacy).toMatchObject({ epsilon: 5, delta: 1e-5 });
    expect(d.structured.model.training.columns[0]).toMatchObject({ min: 0, max: 40 });
    const stored = await engines.documents.getDocument<{ inner: StatisticalState; constraints?: unknown }>(
      'model-states',
      s.id,
    );
    expect(stored!.constraints).toBeUndefined();
    expect((stored as { missingness?: unknown }).missingness).toBeUndefined();
    // no training rows, no empirical quantiles, nothing learned outside the released sums
    for (const c of stored!.inner.columns) {
      expect(c.history).toEqual([]);
      expect(c.deviation).toEqual([0]);
      expect(c.residual.kind).toBe('gaussian');
      expect(c.residual.quantiles).toBeUndefined();
      expect(c.trend.phi).toBe(0);
    }
    const st = await call(privacyBudget, { action: 'status', dataset: 'stat-1' });
    expect(st.structured.status.releases).toBe(1);
    expect(st.structured.status.spent.epsilon).toBeLessThanOrEqual(5);
    expect(st.structured.status.spent.epsilon).toBeGreaterThan(3.5);
  }, 120_000);

  it('refuses over budget and bad input, charging nothing', async () => {
    const base = { generator: 'statistical', data: series, options: { periods: [24] }, waitSeconds: 60 };
    const p = { epsilon: 1, delta: 1e-5, unit: { kind: 'event' }, bounds, dataset: 'stat-2' };
    const over = await errorOf(fitModel, { ...base, privacy: { ...p, epsilon: 60 } });
    expect(over.code).toBe('budget_exhausted');
    expect((await errorOf(fitModel, { ...base, privacy: { ...p, unit: { kind: 'window' } } })).message).toMatch(
      /privacy\.unit\.windowRows/,
    );
    expect(
      (await errorOf(fitModel, { ...base, privacy: { ...p, unit: { kind: 'device', maxRowsPerDevice: 10 } } })).message,
    ).toMatch(/privacy\.unit: unit "device" needs several series/);
    expect((await errorOf(fitModel, { ...base, options: { periods: [24], seasons: 2 }, privacy: p })).message).toMatch(
      /seasons/,
    );
    expect((await errorOf(fitModel, { ...base, generator: 'statistical-dp' })).message).toMatch(/privacy: required/);
    expect(
      (await errorOf(fitModel, { ...base, privacy: { ...p, bounds: { temperature: bounds.temperature } } })).message,
    ).toMatch(/privacy\.bounds\.humidity/);
    const st = await call(privacyBudget, { action: 'status', dataset: 'stat-2' });
    expect(st.structured.status.releases).toBe(0);
    // two fits of ε = 25 on a budget of 30 (zCDP composes them to more): the second is refused before any noise
    const big = { ...p, epsilon: 25, dataset: 'stat-3' };
    expect((await call(fitModel, { ...base, privacy: big })).structured.status).toBe('ready');
    expect((await errorOf(fitModel, { ...base, privacy: big })).code).toBe('budget_exhausted');
    const st3 = await call(privacyBudget, { action: 'status', dataset: 'stat-3' });
    expect(st3.structured.status.releases).toBe(1);
  }, 120_000);

  it('synthesize_like with generator "statistical" and privacy samples from the private model', async () => {
    const r = await call(synthesizeLike, {
      data: series,
      generator: 'statistical',
      options: { periods: [24] },
      privacy: { epsilon: 20, delta: 1e-5, unit: { kind: 'window', windowRows: 24 }, bounds, dataset: 'stat-4' },
      seed: 2,
      count: 1,
      store: false,
      preview: 0,
      rules: { validators: ['statistical'] },
    });
    expect(r.structured.generator).toBe('statistical-dp');
    expect(r.structured.privacy.unit).toBe('window-level: one window of 24 consecutive rows');
  }, 120_000);
});

describe('statistical-dp estimates', () => {
  const data = prepareTrainingData(asSeries(hourly(24 * 2000, 4)));
  const options = (epsilon: number, unit: Record<string, unknown> = { kind: 'event' }) =>
    PrivateStatisticalOptionsSchema.parse({
      periods: [24],
      arOrderMax: 3,
      privacy: { epsilon, delta: 1e-6, unit, bounds },
    });

  it('recover the profile, the AR coefficient and the cross-column correlation at a large ε', async () => {
    const r = await fitPrivateStatistical(data, options(50), { rng: createRng(1) }, seeded('fit'));
    const [t, h] = r.state.columns;
    // the daily profile within a tenth of a degree
    for (let j = 0; j < 24; j++) expect(Math.abs(t!.seasonal[0]!.profile[j]! - PROFILE[j]!)).toBeLessThan(0.15);
    expect(Math.abs(t!.trend.intercept + t!.trend.slope * (r.state.rows / 2) - 20)).toBeLessThan(0.1);
    // AR(0.7) remainder: the first coefficient carries it, the stationary std is 1
    expect(Math.abs(t!.residual.phi[0]! - 0.7)).toBeLessThan(0.08);
    expect(Math.abs(t!.residual.std - 1)).toBeLessThan(0.1);
    expect(Math.abs(h!.residual.std - 3)).toBeLessThan(0.3);
    const corr = (r.details.innovationCorrelation as number[][])[0]![1]!;
    expect(Math.abs(corr - 0.6)).toBeLessThan(0.1);
  }, 60_000);

  it('the same noise bits and seed give the same model; other noise changes only the noisy part', async () => {
    const one = await fitPrivateStatistical(data, options(3), { rng: createRng(1) }, seeded('a'));
    const again = await fitPrivateStatistical(data, options(3), { rng: createRng(1) }, seeded('a'));
    const other = await fitPrivateStatistical(data, options(3), { rng: createRng(1) }, seeded('b'));
    expect(JSON.stringify(again.state)).toBe(JSON.stringify(one.state));
    expect(JSON.stringify(other.state)).not.toBe(JSON.stringify(one.state));
    // the non-noise part: structure, sensitivities, unit, guarantee
    const skeleton = (s: StatisticalState) => ({
      rows: s.rows,
      historyFrom: s.historyFrom,
      columns: s.columns.map((c) => ({ name: c.name, periods: c.seasonal.map((x) => x.period), history: c.history })),
    });
    expect(skeleton(other.state)).toEqual(skeleton(one.state));
    expect(other.details.sensitivities).toEqual(one.details.sensitivities);
    expect(other.privacy.guarantee).toEqual(one.privacy.guarantee);
    expect(other.hyperParameters).toEqual(one.hyperParameters);
    // sampling the fitted model is reproducible by seed
    const model = await privateStatisticalLearner.load(one.state);
    const a = await model.sample({ length: 200, count: 2, context: 'none' }, createRng(9));
    const b = await model.sample({ length: 200, count: 2, context: 'none' }, createRng(9));
    expect(a.map((p) => p.map((c) => Array.from(c)))).toEqual(b.map((p) => p.map((c) => Array.from(c))));
  }, 60_000);

  it('a window unit scales every sensitivity by its rows', async () => {
    const ev = await fitPrivateStatistical(data, options(3), { rng: createRng(1) }, seeded('c'));
    const win = await fitPrivateStatistical(
      data,
      options(3, { kind: 'window', windowRows: 24 }),
      { rng: createRng(1) },
      seeded('c'),
    );
    const e = ev.details.sensitivities as Record<string, number>;
    const w = win.details.sensitivities as Record<string, number>;
    for (const key of Object.keys(e)) expect(Math.abs(w[key]! / (24 * e[key]!) - 1)).toBeLessThan(1e-6);
    expect(win.details.rowsPerUnit).toBe(24);
  }, 60_000);

  it('a row next to a gap counts the values filled from it', async () => {
    const gappy = hourly(24 * 2000, 4);
    for (let t = 1000; t < 1005; t++) gappy.values.temperature[t] = Number.NaN;
    const holed = prepareTrainingData(asSeries(gappy));
    const ev = await fitPrivateStatistical(data, options(3), { rng: createRng(1) }, seeded('c'));
    const filled = await fitPrivateStatistical(holed, options(3), { rng: createRng(1) }, seeded('c'));
    // rows 999 and 1005 each set the five values between them
    expect(filled.details.rowsPerUnit).toBe(6);
    expect(String(filled.details.rowsPerUnitNote)).toMatch(/1 row\(s\) of the unit and up to 5/);
    const e = ev.details.sensitivities as Record<string, number>;
    const f = filled.details.sensitivities as Record<string, number>;
    for (const key of Object.keys(e)) expect(Math.abs(f[key]! / (6 * e[key]!) - 1)).toBeLessThan(1e-6);
    const win = await fitPrivateStatistical(
      holed,
      options(3, { kind: 'window', windowRows: 24 }),
      { rng: createRng(1) },
      seeded('c'),
    );
    expect(win.details.rowsPerUnit).toBe(29);
  }, 60_000);
});

describe('statistical-dp sensitivities bound every neighbour', () => {
  /** Worst-case neighbours: u consecutive rows of one unit set to the bounds' extremes or to random values. */
  it('level, scale and dynamics statistics move by at most the declared L2 sensitivity', () => {
    const rng = createRng(11);
    const periods = [6, 24];
    const p = 4;
    const k = 2;
    const s = rowSensitivities(k, periods.length, p);
    const l2 = (a: Float64Array, b: Float64Array) => Math.sqrt(a.reduce((acc, v, i) => acc + (v - b[i]!) ** 2, 0));
    const worst = { level: 0, scale: 0, dynamics: 0 };
    for (let trial = 0; trial < 300; trial++) {
      const n = 60 + Math.floor(rng.nextDouble() * 40);
      const u = 1 + (trial % 3);
      const y = Array.from({ length: k }, () => Float64Array.from({ length: n }, () => 2 * rng.nextDouble() - 1));
      const y2 = y.map((c) => Float64Array.from(c));
      const at = Math.floor(rng.nextDouble() * (n - u));
      for (let i = at; i < at + u; i++)
        for (const c of y2) c[i] = trial % 2 ? (rng.nextDouble() < 0.5 ? -1 : 1) : 2 * rng.nextDouble() - 1;
      // the fitted values and clips are public (released earlier): the same on both sides
      const fitted = y.map(() => Float64Array.from({ length: n }, () => 2 * rng.nextDouble() - 1));
      const clip = [0.3 + rng.nextDouble(), 0.05 + rng.nextDouble()];
      const lengths = [Math.floor(n / 2), n - Math.floor(n / 2)];
      const ratio = (d: number, bound: number) => d / (u * bound);
      worst.level = Math.max(
        worst.level,
        ratio(l2(levelStatistics(y, periods), levelStatistics(y2, periods)), s.level),
      );
      worst.scale = Math.max(worst.scale, ratio(l2(scaleStatistics(y, fitted), scaleStatistics(y2, fitted)), s.scale));
      worst.dynamics = Math.max(
        worst.dynamics,
        ratio(
          l2(
            dynamicsStatistics(clippedRemainders(y, fitted, clip), lengths, p),
            dynamicsStatistics(clippedRemainders(y2, fitted, clip), lengths, p),
          ),
          s.dynamics,
        ),
      );
    }
    for (const [key, v] of Object.entries(worst)) expect(v, key).toBeLessThanOrEqual(1 + 1e-9);
    // and the bounds are not vacuous: some neighbour comes within a factor of 3 of each
    for (const [key, v] of Object.entries(worst)) expect(v, key).toBeGreaterThan(1 / 3);
  });

  it('the data is clipped to the declared bounds and the clipped values are counted', () => {
    const d = scaleData([asSeries({ timestamps: [0, 1, 2], values: { a: [-5, 5, 15] } })], [{ lower: 0, upper: 10 }]);
    expect(Array.from(d.y[0]!)).toEqual([-1, 0, 1]);
    expect(d.clipped).toEqual([2]);
  });
});

describe('Yule–Walker on noisy autocovariances', () => {
  it('agrees with the exact recursion when no reflection coefficient reaches ±0.99', () => {
    const acov = [1, 0.7, 0.49, 0.343];
    const a = noisyYuleWalker(acov, 1000, 3);
    const b = yuleWalker(acov, 1000, 3, 0);
    expect(a.phi).toEqual(b.phi);
    expect(a.sigma2).toBeCloseTo(b.sigma2, 12);
    expect(a.phi[0]).toBeCloseTo(0.7, 12);
  });

  it('noise that puts γ₁ above γ₀ keeps a stationary AR instead of dropping to white noise', () => {
    const acov = [1, 1.02, 0.97, 0.93];
    expect(yuleWalker(acov, 1000, 3, 0).phi).toEqual([]);
    const r = noisyYuleWalker(acov, 1000, 3);
    expect(r.phi.length).toBeGreaterThan(0);
    expect(r.phi[0]).toBeGreaterThan(0.9);
    expect(r.sigma2).toBeGreaterThan(0);
    expect(r.sigma2).toBeLessThan(0.1);
  });
});
