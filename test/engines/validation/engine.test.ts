import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.js';
import { TsiotError } from '../../../src/core/errors.js';
import type { TimeSeries } from '../../../src/core/types.js';
import { createStorage } from '../../../src/engines/storage/index.js';
import type { DocumentStore, Storage } from '../../../src/engines/storage/storage.js';
import { ValidationEngine } from '../../../src/engines/validation/engine.js';
import { ValidationReportSchema, type Check, type ValidationReport } from '../../../src/engines/validation/schema.js';
import type { Validator } from '../../../src/engines/validation/validator.js';
import { sensorData, series } from './helpers.js';

const N = 24 * 40;
const real = () =>
  series('real', sensorData(N, 'real'), {
    ranges: { temperature: { min: -40, max: 85 }, humidity: { min: 0, max: 100 } },
  });
const draw = (seed: string) =>
  series(`draw-${seed}`, sensorData(N, seed), {
    ranges: { temperature: { min: -40, max: 85 }, humidity: { min: 0, max: 100 } },
  });

function check(report: ValidationReport, validator: string, name: string, column?: string): Check {
  const c = report.checks.find(
    (x) => x.validator === validator && x.name === name && (column === undefined || x.column === column),
  );
  if (!c)
    throw new Error(
      `no check ${validator}.${name}${column ? ` on ${column}` : ''} in ${report.checks.map((x) => `${x.validator}.${x.name}`).join(', ')}`,
    );
  return c;
}

/** Every number in the report is finite: no silent NaN anywhere. */
function expectNoNaN(value: unknown, path = 'report'): void {
  if (typeof value === 'number') {
    expect(Number.isNaN(value), `${path} is NaN`).toBe(false);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      expectNoNaN(v, `${path}[${i}]`);
    });
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) expectNoNaN(v, `${path}.${k}`);
  }
}

function expectWellFormed(report: ValidationReport): void {
  expect(ValidationReportSchema.safeParse(report).success).toBe(true);
  expectNoNaN(report);
  for (const c of report.checks) {
    expect(c.explanation.length).toBeGreaterThan(10);
    if (c.passed === 'not_applicable') expect(c.value).toBeNull();
    else expect(Number.isFinite(c.value)).toBe(true);
  }
}

describe('ValidationEngine scores', () => {
  const engine = new ValidationEngine();
  const statsOnly = { validators: ['quality', 'temporal', 'statistical'] };

  it('scores identical data near 100', async () => {
    const r = await engine.validate({ reference: real(), synthetic: real(), rules: statsOnly });
    expectWellFormed(r);
    expect(r.score).toBeGreaterThanOrEqual(97);
    expect(r.verdict).toBe('good');
    expect(check(r, 'statistical', 'ks_statistic', 'temperature').value).toBe(0);
    expect(r.scoring.validators.map((v) => v.name).sort()).toEqual(['quality', 'statistical', 'temporal']);
  });

  it('is monotone: identical > an independent draw > shuffled in time > unrelated noise', async () => {
    const rng = createRng('noise');
    const ref = real();
    const shuffledIdx = rng.shuffle(Array.from({ length: N }, (_, i) => i));
    const shuffled = series('shuffled', {
      temperature: shuffledIdx.map((i) => ref.columns[0]!.values[i]!),
      humidity: shuffledIdx.map((i) => ref.columns[1]!.values[i]!),
    });
    const noise = series('noise', {
      temperature: Array.from({ length: N }, () => 5 + 10 * rng.normal()),
      humidity: Array.from({ length: N }, () => 80 + 10 * rng.normal()),
    });
    const score = async (s: TimeSeries) =>
      (await engine.validate({ reference: ref, synthetic: s, rules: statsOnly })).score!;
    const same = await score(real());
    const independent = await score(draw('other'));
    const shuffledScore = await score(shuffled);
    const noiseReport = await engine.validate({ reference: ref, synthetic: noise, rules: statsOnly });
    expect(same).toBeGreaterThan(independent);
    expect(independent).toBeGreaterThan(80);
    expect(independent).toBeGreaterThan(shuffledScore);
    expect(shuffledScore).toBeGreaterThan(noiseReport.score!);
    expect(noiseReport.score!).toBeLessThan(50);
    expect(noiseReport.verdict).toBe('poor');
    expect(check(noiseReport, 'statistical', 'ks_statistic', 'temperature').passed).toBe(false);
    expect(check(noiseReport, 'statistical', 'correlational_score').passed).toBe(false);
  });

  it('runs quality and temporal only when no reference is given', async () => {
    const r = await engine.validate({ synthetic: draw('x') });
    expect(new Set(r.checks.map((c) => c.validator))).toEqual(new Set(['quality', 'temporal']));
    const temporal = r.validators.find((v) => v.name === 'temporal')!;
    const temp = (
      temporal.metrics!.columns as Record<string, { dominantPeriod: number | null; adfStationaryShare: number }>
    ).temperature!;
    expect(temp.dominantPeriod).toBe(24);
    expect(temp.adfStationaryShare).toBe(1);
  });

  it('is deterministic for the same request and seed', async () => {
    const a = await engine.validate({ reference: real(), synthetic: draw('d') });
    const b = await engine.validate({ reference: real(), synthetic: draw('d') });
    expect(b.checks).toEqual(a.checks);
    expect(b.score).toBe(a.score);
  });

  it('applies rule overrides: thresholds, disabled checks and weights', async () => {
    const r = await engine.validate({
      reference: real(),
      synthetic: draw('o'),
      rules: {
        ...statsOnly,
        checks: { 'statistical.ks_statistic': { threshold: 0.0001 }, 'statistical.pacf_distance': { enabled: false } },
        weights: { temporal: 0 },
      },
    });
    expect(check(r, 'statistical', 'ks_statistic', 'temperature')).toMatchObject({ threshold: 0.0001, passed: false });
    expect(r.checks.some((c) => c.name === 'pacf_distance')).toBe(false);
    const s = r.scoring.validators;
    const q = s.find((v) => v.name === 'quality')!;
    const st = s.find((v) => v.name === 'statistical')!;
    expect(st.weight).toBe(3); // the default weight of the statistical validator
    expect(r.score).toBeCloseTo((q.score! + 3 * st.score!) / 4, 1);
  });
});

describe('checks on their own', () => {
  const engine = new ValidationEngine();

  it('finds missing values, duplicate and backward timestamps, range violations, outliers and flat lines', async () => {
    const rng = createRng('quality');
    const n = 500;
    const t = Array.from({ length: n }, (_, i) => i * 60_000);
    t[100] = t[99]!; // duplicate
    t[200] = t[199]! - 1; // backwards
    const v = Array.from({ length: n }, () => 20 + rng.normal());
    v[10] = NaN;
    v[11] = NaN;
    v[300] = 200; // out of range and an outlier
    for (let i = 400; i < 430; i++) v[i] = 21.5; // flat line of 30
    const r = await engine.validate({
      synthetic: series('q', { temp: v }, { timestamps: t, ranges: { temp: { min: -40, max: 85 } } }),
    });
    expectWellFormed(r);
    expect(check(r, 'quality', 'missing_rate', 'temp').value).toBeCloseTo(2 / n, 12);
    expect(check(r, 'quality', 'duplicate_timestamps')).toMatchObject({ value: 1 / (n - 1), passed: false });
    expect(check(r, 'quality', 'non_monotonic_timestamps')).toMatchObject({ value: 1 / (n - 1), passed: false });
    expect(check(r, 'quality', 'out_of_range_rate', 'temp').value).toBeCloseTo(1 / (n - 2), 12);
    expect(check(r, 'quality', 'outlier_rate', 'temp').details).toMatchObject({ count: 1 });
    expect(check(r, 'quality', 'flat_line_rate', 'temp').value).toBeCloseTo(30 / n, 12);
  });

  it('measures gaps and irregular sampling', async () => {
    const t: number[] = [];
    let now = 0;
    for (let i = 0; i < 1000; i++) {
      now += i === 500 ? 11 * 60_000 : i % 10 === 0 ? 75_000 : 60_000;
      t.push(now);
    }
    const r = await engine.validate({
      synthetic: series('g', { x: Array.from({ length: 1000 }, (_, i) => Math.sin(i)) }, { timestamps: t }),
    });
    expect(check(r, 'temporal', 'gap_rate')).toMatchObject({ passed: true, details: { gaps: 1, missingSamples: 10 } });
    expect(check(r, 'temporal', 'irregular_interval_rate').value).toBeCloseTo(98 / 999, 12); // every 10th interval but the gap
  });

  it('flags the odd device of a fleet', async () => {
    const fleet = Array.from({ length: 6 }, (_, d) => {
      const data = sensorData(500, `dev${d}`);
      if (d === 4) for (let i = 0; i < 500; i++) data.temperature[i]! += 15;
      return series(`dev${d}`, data, { deviceId: `dev-${d}` });
    });
    const r = await engine.validate({ synthetic: fleet });
    const c = check(r, 'temporal', 'fleet_consistency', 'temperature');
    expect(c.value).toBeCloseTo(1 / 6, 12);
    expect(c.details).toMatchObject({ inconsistent: ['dev-4'] });
    expect(check(r, 'temporal', 'fleet_consistency', 'humidity').value).toBe(0);
  });
});

describe('privacy', () => {
  const engine = new ValidationEngine();
  const rules = { validators: ['privacy'] };

  it('says plainly when synthetic data copies the training data', async () => {
    const ref = real();
    const copy = series('copy', {
      temperature: ref.columns[0]!.values.slice(0, 480),
      humidity: ref.columns[1]!.values.slice(0, 480),
    });
    const r = await engine.validate({ reference: ref, synthetic: copy, rules });
    expectWellFormed(r);
    const v = r.validators.find((x) => x.name === 'privacy')!;
    expect(v.metrics!.copiesTrainingData).toBe(true);
    expect(v.headline).toMatch(/appears to copy the training data/);
    expect(check(r, 'privacy', 'exact_copy_rate').value).toBe(1);
    expect(check(r, 'privacy', 'dcr_ratio').passed).toBe(false);
    expect(r.summary).toMatch(/copy/);
  });

  it('clears an independent draw of the same process', async () => {
    const r = await engine.validate({ reference: real(), synthetic: draw('private'), rules });
    const v = r.validators.find((x) => x.name === 'privacy')!;
    expect(v.metrics!.copiesTrainingData).toBe(false);
    expect(v.headline).toMatch(/does not copy the training data/);
    expect(check(r, 'privacy', 'exact_copy_rate').value).toBe(0);
    expect(check(r, 'privacy', 'membership_inference_advantage').passed).toBe(true);
    expect(check(r, 'privacy', 'dcr_ratio').value!).toBeGreaterThan(0.8);
  });

  it('names the differential-privacy guarantee the data states, or says there is none', async () => {
    const plain = await engine.validate({ reference: real(), synthetic: draw('plain'), rules });
    const none = plain.validators.find((x) => x.name === 'privacy')!;
    expect(none.metrics!.guarantee).toBe('none');
    expect(none.headline).toMatch(/not differentially private/);
    const dp = draw('dp');
    dp.metadata.privacy = {
      mechanism: 'gaussian',
      epsilon: 3,
      delta: 1e-5,
      unit: 'window-level: one window of 24 rows',
    };
    const stated = await engine.validate({ reference: real(), synthetic: dp, rules });
    const v = stated.validators.find((x) => x.name === 'privacy')!;
    expect(v.metrics!.guarantee).toEqual([dp.metadata.privacy]);
    expect(v.headline).toMatch(/ε = 3, δ = 0.00001 \(window-level/);
  });

  it('uses a given holdout as the baseline and catches a memorising generator', async () => {
    const train = real();
    const holdout = draw('holdout');
    // memorises training windows and adds a little noise
    const rng = createRng('memo');
    const memo = series('memo', {
      temperature: train.columns[0]!.values.map((v) => v + 0.01 * rng.normal()),
      humidity: train.columns[1]!.values.map((v) => v + 0.01 * rng.normal()),
    });
    const r = await engine.validate({ reference: train, holdout, synthetic: memo, rules });
    expect(check(r, 'privacy', 'exact_copy_rate').value).toBe(0);
    expect(check(r, 'privacy', 'near_duplicate_excess').passed).toBe(false);
    expect(check(r, 'privacy', 'membership_inference_advantage').value!).toBeGreaterThan(0.5);
    expect(r.validators.find((x) => x.name === 'privacy')!.metrics!.copiesTrainingData).toBe(true);
  });
});

describe('bad input never crashes and never hides a NaN', () => {
  const engine = new ValidationEngine();

  it('reports too-short series as not applicable with reasons', async () => {
    const r = await engine.validate({
      reference: series('r', { x: [1, 2, 3] }),
      synthetic: series('s', { x: [1, 2] }),
    });
    expectWellFormed(r);
    const ks = check(r, 'statistical', 'ks_statistic', 'x');
    expect(ks.passed).toBe('not_applicable');
    expect(ks.explanation).toMatch(/Too few finite values/);
    expect(check(r, 'privacy', 'dcr_ratio').explanation).toMatch(/holding part of it out needs at least/);
  });

  it('handles constant series and missing values', async () => {
    const constant = series('c', {
      x: new Array(200).fill(5),
      y: Array.from({ length: 200 }, (_, i) => (i % 7 === 0 ? NaN : i)),
    });
    const r = await engine.validate({ reference: constant, synthetic: constant });
    expectWellFormed(r);
    expect(check(r, 'statistical', 'skewness_difference', 'x').passed).toBe('not_applicable');
    expect(check(r, 'statistical', 'std_ratio_error', 'x')).toMatchObject({ value: 0, passed: true });
    expect(check(r, 'quality', 'outlier_rate', 'x').explanation).toMatch(/robust spread/);
    expect(check(r, 'quality', 'flat_line_rate', 'x').value).toBe(1);
    expect(check(r, 'quality', 'missing_rate', 'y').value).toBeCloseTo(29 / 200, 12);
    expect(check(r, 'statistical', 'correlational_score').passed).toBe('not_applicable');
  });

  it('reports columns missing from the synthetic data', async () => {
    const r = await engine.validate({
      reference: real(),
      synthetic: series('s', { temperature: sensorData(N, 's').temperature, pressure: new Array(N).fill(1000) }),
    });
    expectWellFormed(r);
    const cov = check(r, 'statistical', 'column_coverage');
    expect(cov).toMatchObject({ value: 0.5, passed: false });
    expect(cov.explanation).toMatch(/"humidity"/);
    const none = await engine.validate({
      reference: real(),
      synthetic: series('s', { pressure: new Array(N).fill(1000) }),
    });
    expectWellFormed(none);
    expect(check(none, 'privacy', 'dcr_ratio').explanation).toMatch(/share no column/);
  });

  it('gives no score, not NaN, when nothing applies', async () => {
    const r = await engine.validate({ synthetic: series('empty', { x: [] }) });
    expectWellFormed(r);
    expect(r.score).toBeNull();
    expect(r.verdict).toBe('unknown');
    expect(r.summary).toMatch(/no score/);
  });

  it('refuses malformed input and unknown rules with invalid_input naming the field', async () => {
    const broken: TimeSeries = { ...series('b', { x: [1, 2, 3] }), timestamps: Float64Array.from([1, 2]) };
    await expect(engine.validate({ synthetic: broken })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/has 3 values but there are 2 timestamps/),
    });
    await expect(engine.validate({ synthetic: real(), rules: { validators: ['nope'] } })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/unknown validator "nope"/),
    });
    await expect(
      engine.validate({ synthetic: real(), rules: { privacy: { windowLength: 1 } } as never }),
    ).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/privacy\.windowLength/) });
    await expect(engine.validate({ synthetic: real(), rules: { columns: ['pressure'] } })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/"pressure" not found/),
    });
    await expect(engine.validate({ synthetic: [] })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('applies configured default rules beneath the request and refuses bad ones at start', async () => {
    const strict = new ValidationEngine({ defaults: { checks: { 'quality.missing_rate': { threshold: 0 } } } });
    const v = Array.from({ length: 100 }, (_, i) => (i === 5 ? NaN : i));
    const r = await strict.validate({ synthetic: series('m', { x: v }) });
    expect(check(r, 'quality', 'missing_rate', 'x')).toMatchObject({ threshold: 0, passed: false });
    const relaxed = await strict.validate({
      synthetic: series('m', { x: v }),
      rules: { checks: { 'quality.missing_rate': { threshold: 0.5 } } },
    });
    expect(check(relaxed, 'quality', 'missing_rate', 'x').passed).toBe(true);
    expect(() => new ValidationEngine({ defaults: { maxSamples: -1 } })).toThrow(/maxSamples/);
  });

  it('refuses huge inputs before any work', async () => {
    const small = new ValidationEngine({ maxValues: 1000 });
    await expect(small.validate({ synthetic: real() })).rejects.toMatchObject({
      code: 'too_large',
      hint: expect.stringMatching(/streaming/),
    });
  });

  it('skips a reference-only validator without a reference, with a warning', async () => {
    const r = await engine.validate({ synthetic: real(), rules: { validators: ['quality', 'statistical'] } });
    expect(r.validators.map((v) => v.name)).toEqual(['quality']);
    expect(r.warnings.join(' ')).toMatch(/statistical: skipped, it needs a reference/);
  });
});

describe('validators as plugins', () => {
  it('runs registered validators concurrently and aggregates them', async () => {
    const engine = new ValidationEngine();
    let release!: () => void;
    const barrier = new Promise<void>((r) => (release = r));
    const waiter: Validator = {
      name: 'waiter',
      description: 'waits for the other',
      requiresReference: false,
      async validate() {
        await barrier;
        return {
          checks: [
            {
              validator: 'waiter',
              name: 'w',
              value: 1,
              threshold: 1,
              direction: 'at_most',
              passed: true,
              weight: 1,
              credit: 1,
              explanation: 'waited for the releaser',
            },
          ],
        };
      },
    };
    const releaser: Validator = {
      name: 'releaser',
      description: 'releases the other',
      requiresReference: false,
      async validate() {
        release();
        return {
          checks: [
            {
              validator: 'releaser',
              name: 'r',
              value: 2,
              threshold: 1,
              direction: 'at_most',
              passed: false,
              weight: 1,
              credit: 0,
              explanation: 'released the waiter',
            },
          ],
        };
      },
    };
    engine.register('waiter', waiter);
    engine.register('releaser', releaser);
    expect(() => engine.register('waiter', waiter)).toThrow(TsiotError);
    const r = await engine.validate({ synthetic: real(), rules: { validators: ['waiter', 'releaser'] } });
    expect(r.score).toBe(50);
    expect(engine.list().map((v) => v.name)).toContain('waiter');
  });

  it('turns a crashing validator into a warning instead of failing the report', async () => {
    const engine = new ValidationEngine();
    engine.register('broken', {
      name: 'broken',
      description: 'throws',
      requiresReference: false,
      validate: async () => Promise.reject(new Error('boom')),
    });
    const r = await engine.validate({ synthetic: real(), rules: { validators: ['quality', 'broken'] } });
    expect(r.validators.find((v) => v.name === 'broken')).toMatchObject({ score: null });
    expect(r.warnings.join(' ')).toMatch(/broken: internal error/);
    expect(r.score).not.toBeNull();
  });
});

describe('stored reports', () => {
  let storage: Storage & Partial<DocumentStore>;
  beforeAll(async () => {
    storage = await createStorage('duckdb://:memory:');
    await storage.init();
  });
  afterAll(async () => {
    await storage.close();
  });

  it('saves, reads back, lists and deletes reports in the embedded storage', async () => {
    const engine = new ValidationEngine({ documents: storage });
    const report = await engine.validate({ reference: real(), synthetic: draw('stored') });
    const saved = await engine.save(report);
    expect(saved.id).toMatch(/^rep_/);
    const back = await engine.get(saved.id);
    expect(back).toEqual(saved);
    expect((await engine.listReports()).map((r) => r.id)).toContain(saved.id);
    expect(await engine.deleteReport(saved.id)).toBe(true);
    await expect(engine.get(saved.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses to store without a document store', async () => {
    const engine = new ValidationEngine();
    await expect(engine.save(await engine.validate({ synthetic: real() }))).rejects.toMatchObject({
      code: 'unsupported',
    });
  });
});
