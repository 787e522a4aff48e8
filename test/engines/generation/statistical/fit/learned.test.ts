import { describe, expect, it } from 'vitest';
import { TsiotError } from '../../../../../src/core/errors.js';
import { parseInput } from '../../../../../src/core/input-errors.js';
import { createRng } from '../../../../../src/core/rng.js';
import { mstl } from '../../../../../src/engines/generation/statistical/fit/mstl.js';
import { shape } from '../../../../../src/engines/generation/statistical/fit/residual.js';
import {
  statisticalLearner,
  StatisticalFitOptionsSchema,
  type StatisticalFitOptionsInput,
  type StatisticalState,
} from '../../../../../src/engines/generation/statistical/fit/learned.js';
import type { TrainingData } from '../../../../../src/engines/generation/learner.js';
import { prepareTrainingData } from '../../../../../src/engines/models/training-data.js';
import { dailyProfile, HOUR, hourlySeries, lag1, meanOf, phaseProfile, stdOf, training } from './helpers.js';

const opts = (o: StatisticalFitOptionsInput = {}) => StatisticalFitOptionsSchema.parse(o);
const fitStatistical = (data: TrainingData, o: StatisticalFitOptionsInput = {}) =>
  statisticalLearner.fit(data, opts(o), { rng: createRng(0) });

type ColumnDetails = {
  periods: number[];
  periodSource: string;
  detectedPeriods?: { period: number; reason: string }[];
  seasonalStrength: { period: number; strength: number }[];
  trendStrength: number;
  trendSlopePerStep: number;
  ar: { order: number; phi: number[]; innovationStd: number };
  residual: { std: number; skewness: number };
};

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<TsiotError> {
  const e =
    typeof p === 'function'
      ? (() => {
          try {
            p();
          } catch (x) {
            return x;
          }
        })()
      : await p.then(
          () => undefined,
          (x: unknown) => x,
        );
  expect(e).toBeInstanceOf(TsiotError);
  expect((e as TsiotError).code).toBe('invalid_input');
  return e as TsiotError;
}

describe('statistical learner: fit', () => {
  it('detects the daily cycle and reports strengths, slope, AR and residual summary', async () => {
    const { series } = hourlySeries({ rows: 24 * 60, slope: 0.01, phi: 0.7, noiseStd: 0.6 });
    const r = await fitStatistical(training(series));
    const d = (r.details.columns as ColumnDetails[])[0]!;
    expect(d.periods).toEqual([24]);
    expect(d.periodSource).toBe('detected');
    expect(d.detectedPeriods![0]!.reason).toMatch(/ACF/);
    expect(d.seasonalStrength[0]!.strength).toBeGreaterThan(0.8);
    expect(d.trendStrength).toBeGreaterThan(0.8);
    expect(Math.abs(d.trendSlopePerStep - 0.01)).toBeLessThan(0.002);
    expect(d.ar.order).toBeGreaterThanOrEqual(1);
    // the remainder's AR is weaker than the noise's 0.7 (the trend smoother takes the slowest part) but clearly there
    expect(d.ar.phi[0]!).toBeGreaterThan(0.4);
    expect(d.residual.std).toBeGreaterThan(0.3);
    expect(d.residual.std).toBeLessThan(0.6);
    expect(r.hyperParameters.periodsUsed).toEqual({ temperature: [24] });
    // the state is plain JSON
    expect(JSON.parse(JSON.stringify(r.state))).toEqual(r.state);
  });

  it('uses the periods given in options', async () => {
    const { series } = hourlySeries({ rows: 168 * 6, weekly: 2 });
    const r = await fitStatistical(training(series), { periods: [168, 24] });
    const d = (r.details.columns as ColumnDetails[])[0]!;
    expect(d.periods).toEqual([24, 168]);
    expect(d.periodSource).toBe('options.periods');
    expect(d.seasonalStrength.map((s) => s.period)).toEqual([24, 168]);
  });

  it('maxPeriods 0 fits trend and remainder only', async () => {
    const { series } = hourlySeries({ rows: 500 });
    const r = await fitStatistical(training(series), { maxPeriods: 0 });
    expect((r.details.columns as ColumnDetails[])[0]!.periods).toEqual([]);
    const m = await statisticalLearner.load(r.state);
    const [p] = await m.sample({ length: 100, count: 1, context: 'none' }, createRng(1));
    expect(p![0]!.every(Number.isFinite)).toBe(true);
  });

  it('minimumRows: two cycles of the longest period, else 16', () => {
    expect(statisticalLearner.minimumRows(opts({ periods: [24, 168] }))).toBe(336);
    expect(statisticalLearner.minimumRows(opts())).toBe(16);
  });
});

describe('statistical learner: sampling', () => {
  const base = hourlySeries({ rows: 24 * 80, slope: 0.005, phi: 0.6, noiseStd: 0.8, skewed: true, seed: 3 });
  const trained = fitStatistical(training(base.series), { periods: [24] });

  it('sampled paths keep the seasonal profile, residual std, lag-1 autocorrelation and skew', async () => {
    const r = await trained;
    const m = await statisticalLearner.load(r.state);
    const paths = await m.sample({ length: 24 * 80, count: 4, context: 'end' }, createRng(42));
    const realDec = mstl(base.series.columns[0]!.values, { periods: [24] });
    const realProfile = phaseProfile(base.series.columns[0]!.values, 24);
    const realRem = realDec.remainder;
    const truth = dailyProfile();
    for (const [i, p] of paths.entries()) {
      const v = p[0]!;
      // path i continues at training row 1920, a multiple of 24: phase 0 again
      const prof = phaseProfile(v, 24);
      for (let h = 0; h < 24; h++) {
        expect(Math.abs(prof[h]! - realProfile[h]!), `path ${i} hour ${h}`).toBeLessThan(0.3);
        expect(Math.abs(prof[h]! - truth[h]!)).toBeLessThan(0.35);
      }
      const rem = mstl(v, { periods: [24] }).remainder;
      expect(Math.abs(stdOf(rem) / stdOf(realRem) - 1)).toBeLessThan(0.12);
      expect(Math.abs(lag1(rem) - lag1(realRem))).toBeLessThan(0.08);
      expect(Math.abs(shape(rem).skewness - shape(realRem).skewness)).toBeLessThan(0.35);
    }
    expect(shape(realRem).skewness).toBeGreaterThan(0.5);
  });

  it('context "end" continues level, slope and phase after the data', async () => {
    const r = await trained;
    const m = await statisticalLearner.load(r.state);
    const paths = await m.sample({ length: 48, count: 200, context: 'end' }, createRng(7));
    const n = base.series.timestamps.length;
    const prof = dailyProfile();
    // mean over paths vs the generating mean function continued
    let err = 0;
    for (let t = 0; t < 48; t++) {
      const avg = meanOf(paths.map((p) => p[0]![t]!));
      const expected = 20 + 0.005 * (n + t) + prof[(n + t) % 24]!;
      err = Math.max(err, Math.abs(avg - expected));
    }
    expect(err).toBeLessThan(0.6);
    const f = m.forecast!(48, 0.9)[0]!;
    expect(f.column).toBe('temperature');
    for (let t = 0; t < 48; t++) {
      expect(f.lower[t]!).toBeLessThan(f.mean[t]!);
      expect(f.upper[t]!).toBeGreaterThan(f.mean[t]!);
      expect(Math.abs(f.mean[t]! - (20 + 0.005 * (n + t) + prof[(n + t) % 24]!))).toBeLessThan(1);
    }
    // about 90 % of sampled values fall inside the 90 % intervals
    let inside = 0;
    for (const p of paths)
      for (let t = 0; t < 48; t++) if (p[0]![t]! >= f.lower[t]! && p[0]![t]! <= f.upper[t]!) inside++;
    expect(inside / (200 * 48)).toBeGreaterThan(0.84);
    expect(inside / (200 * 48)).toBeLessThan(0.96);
  });

  it('context "none" starts at phase 0 around the mean level; "random" starts somewhere in the data', async () => {
    const r = await trained;
    const m = await statisticalLearner.load(r.state);
    const none = await m.sample({ length: 24 * 10, count: 20, context: 'none' }, createRng(8));
    const prof = dailyProfile();
    const mid = 20 + (0.005 * (base.series.timestamps.length - 1)) / 2;
    const first = meanOf(none.map((p) => meanOf(p[0]!.subarray(0, 24))));
    expect(Math.abs(first - mid)).toBeLessThan(1);
    const np = phaseProfile(Float64Array.from(none.flatMap((p) => Array.from(p[0]!))), 24);
    for (let h = 0; h < 24; h++) expect(Math.abs(np[h]! - prof[h]!)).toBeLessThan(0.4);
    const random = await m.sample({ length: 24, count: 30, context: 'random' }, createRng(9));
    const levels = random.map((p) => meanOf(p[0]!));
    // the trend runs from 20 to ~29.6 over the data: random starts spread across it
    expect(Math.max(...levels) - Math.min(...levels)).toBeGreaterThan(4);
  });

  it('same state (after a JSON round trip) and seed give identical samples; another seed differs', async () => {
    const r = await trained;
    const a = await statisticalLearner.load(r.state);
    const b = await statisticalLearner.load(JSON.parse(JSON.stringify(r.state)) as StatisticalState);
    for (const context of ['end', 'random', 'none'] as const) {
      const x = await a.sample({ length: 100, count: 3, context }, createRng(5));
      const y = await b.sample({ length: 100, count: 3, context }, createRng(5));
      const z = await b.sample({ length: 100, count: 3, context }, createRng(6));
      expect(y.map((p) => p.map((c) => Array.from(c)))).toEqual(x.map((p) => p.map((c) => Array.from(c))));
      expect(Array.from(z[0]![0]!)).not.toEqual(Array.from(x[0]![0]!));
    }
  });

  it('gaussian and t residuals keep the residual spread', async () => {
    for (const residual of ['gaussian', 't'] as const) {
      const r = await fitStatistical(training(base.series), { periods: [24], residual });
      const m = await statisticalLearner.load(r.state);
      const [p] = await m.sample({ length: 24 * 80, count: 1, context: 'end' }, createRng(11));
      const rem = mstl(p![0]!, { periods: [24] }).remainder;
      const realRem = mstl(base.series.columns[0]!.values, { periods: [24] }).remainder;
      expect(Math.abs(stdOf(rem) / stdOf(realRem) - 1), residual).toBeLessThan(0.15);
    }
  });

  it('amplitude variation re-scales cycles only when asked', async () => {
    const r = await fitStatistical(training(base.series), { periods: [24], amplitudeVariation: true });
    expect(r.state.amplitudeVariation).toBe(true);
    const m = await statisticalLearner.load(r.state);
    const [p] = await m.sample({ length: 240, count: 1, context: 'end' }, createRng(1));
    expect(p![0]!.every(Number.isFinite)).toBe(true);
  });
});

describe('statistical learner: several columns', () => {
  it('correlates the residual innovations across columns', async () => {
    const rng = createRng(21);
    const n = 24 * 60;
    const a = new Float64Array(n);
    const b = new Float64Array(n);
    let x = 0;
    let y = 0;
    const prof = dailyProfile();
    for (let t = 0; t < n; t++) {
      const z1 = rng.normal();
      const z2 = 0.8 * z1 + 0.6 * rng.normal();
      x = 0.5 * x + 0.5 * z1;
      y = 0.5 * y + z2;
      a[t] = 20 + prof[t % 24]! + x;
      b[t] = 60 - 3 * prof[t % 24]! + y;
    }
    const series = {
      id: 's',
      name: 's',
      metadata: { tags: {} },
      timestamps: Float64Array.from({ length: n }, (_, i) => i * HOUR),
      columns: [
        { name: 'temperature', values: a },
        { name: 'humidity', values: b },
      ],
      labels: [],
    };
    const r = await fitStatistical(prepareTrainingData(series), { periods: [24] });
    const corr = r.details.innovationCorrelation as number[][];
    expect(Math.abs(corr[0]![1]! - 0.8)).toBeLessThan(0.07);
    const m = await statisticalLearner.load(r.state);
    const [p] = await m.sample({ length: n, count: 1, context: 'end' }, createRng(3));
    const ra = mstl(p![0]!, { periods: [24] }).remainder;
    const rb = mstl(p![1]!, { periods: [24] }).remainder;
    const ma = meanOf(ra);
    const mb = meanOf(rb);
    let ab = 0;
    for (let t = 0; t < n; t++) ab += (ra[t]! - ma) * (rb[t]! - mb);
    const c = ab / n / (stdOf(ra) * stdOf(rb));
    expect(c).toBeGreaterThan(0.65);
    expect(c).toBeLessThan(0.92);
  });

  it('fits within training sequences and says so', async () => {
    const one = hourlySeries({ rows: 24 * 20, seed: 1 }).series;
    const two = hourlySeries({ rows: 24 * 20, seed: 2 }).series;
    const data = training({
      ...one,
      timestamps: Float64Array.from({ length: 24 * 40 }, (_, i) => i * HOUR),
      columns: [{ name: 'temperature', values: Float64Array.of(...one.columns[0]!.values, ...two.columns[0]!.values) }],
    });
    data.sequences = [one, two];
    const r = await fitStatistical(data, { periods: [24] });
    expect(r.details.sequences).toMatch(/2 sequences/);
  });
});

describe('statistical learner: bad input', () => {
  it('a period longer than half the data names options.periods with an example', async () => {
    const { series } = hourlySeries({ rows: 300 });
    const e = await errorOf(fitStatistical(training(series), { periods: [24, 168] }));
    expect(e.message).toMatch(/^options\.periods: period 168 is longer than half the data \(300 rows\)/);
    expect(e.message).toMatch(/example: \[24\]/);
    expect(e.details).toMatchObject({ field: 'options.periods', period: 168, rows: 300 });
  });

  it('a repeated period is refused', async () => {
    const { series } = hourlySeries({ rows: 300 });
    const e = await errorOf(fitStatistical(training(series), { periods: [24, 24] }));
    expect(e.message).toMatch(/options\.periods: period 24 is listed twice/);
  });

  it('non-integer periods, unknown fields and bad enums fail the schema with the field named', async () => {
    const parse = (o: unknown) => () => parseInput(StatisticalFitOptionsSchema, o, 'fit options for "statistical"');
    expect((await errorOf(parse({ periods: [24.5] }))).message).toMatch(/periods\.0: .*int/i);
    expect((await errorOf(parse({ periods: [1] }))).message).toMatch(/periods\.0/);
    expect((await errorOf(parse({ period: 24 }))).message).toMatch(/period/);
    expect((await errorOf(parse({ residual: 'cauchy' }))).message).toMatch(/residual/);
    expect((await errorOf(parse({ arOrderMax: 50 }))).message).toMatch(/arOrderMax/);
  });

  it('load refuses a state that is not a statistical model', async () => {
    await errorOf(statisticalLearner.load({ version: 2 } as unknown as StatisticalState));
  });

  it('every option is described', () => {
    for (const [k, v] of Object.entries(StatisticalFitOptionsSchema.shape)) expect(v.description, k).toBeTruthy();
  });
});
