import { describe, expect, it } from 'vitest';
import { TsiotError } from '../../../../src/core/errors.js';
import { createRng } from '../../../../src/core/rng.js';
import type { TimeSeries } from '../../../../src/core/types.js';
import {
  type ColumnPlan,
  describeConstraints,
  detectGrid,
  forwardTraining,
  fromLearner,
  inversePath,
  learnConstraints,
  quantise,
  toLearner,
  withConstraints,
} from '../../../../src/engines/generation/constraints/index.js';
import { statisticalLearner } from '../../../../src/engines/generation/statistical/fit/learned.js';
import { prepareTrainingData } from '../../../../src/engines/models/training-data.js';
import { training } from './measure.js';

function hourly(columns: Record<string, ArrayLike<number>>): TimeSeries {
  const n = Object.values(columns)[0]!.length;
  return {
    id: 's',
    name: 's',
    metadata: { tags: {} },
    timestamps: Float64Array.from({ length: n }, (_, i) => Date.UTC(2025, 0, 1) + i * 3_600_000),
    columns: Object.entries(columns).map(([name, v]) => ({ name, values: Float64Array.from(v) })),
    labels: [],
  };
}

describe('constraint transforms', () => {
  it('map into the learner space and back, and land inside the bounds for any learner value', () => {
    const plans: ColumnPlan[] = [
      { name: 'a', kind: 'value', lo: 0, hi: 100, transform: 'logit', inset: 0.01, blend: 0.05 },
      { name: 'b', kind: 'value', lo: 0, transform: 'log', inset: 0.01, blend: 0.05, scale: 10 },
      { name: 'c', kind: 'value', hi: 5, transform: 'log-upper', inset: 0.01, blend: 0.05, scale: 10 },
    ];
    for (const c of plans) {
      for (const x of [0.5, 1, 3, 4.5]) expect(fromLearner(c, toLearner(c, x))).toBeCloseTo(x, 9);
      for (const y of [-1e6, -50, -3, 0, 3, 50, 1e6, Infinity, -Infinity]) {
        const x = fromLearner(c, y);
        if (c.lo !== undefined) expect(x).toBeGreaterThanOrEqual(c.lo);
        if (c.hi !== undefined) expect(x).toBeLessThanOrEqual(c.hi);
      }
    }
    expect(quantise(12.34, 0.1, 0)).toBe(12.3);
    expect(quantise(99.97, 0.1, 0, 0, 99.95)).toBe(99.9);
    expect(quantise(-0.4, 1, 0, 0, 10)).toBe(0);
    expect(detectGrid(Float64Array.from([12.3, 12.2, 12.5, 13.1, 12.3]))).toEqual({ step: 0.1, origin: 0 });
    expect(detectGrid(Float64Array.from([1, 4, 2, 2, 9]))).toEqual({ step: 1, origin: 0 });
    expect(detectGrid(Float64Array.from({ length: 50 }, (_, i) => Math.sin(i) * 10))).toBeUndefined();
  });

  it('learns bounds, grids, angles and point masses from real-looking data and says so', async () => {
    const plan = learnConstraints(await training('test/fixtures/csv/sensors.csv'));
    const [humidity, power, wind, events, pressure] = plan.columns;
    expect(humidity).toMatchObject({ kind: 'value', hi: 100, hiSource: 'percentage', step: 0.1 });
    expect(humidity!.atHi).toBeGreaterThan(0.1);
    expect(power).toMatchObject({ kind: 'value', lo: 0, loSource: 'non-negative' });
    expect(power!.atLo).toBeGreaterThan(0.3);
    expect(wind).toMatchObject({ kind: 'circular', period: 360, step: 1 });
    expect(events).toMatchObject({ kind: 'value', lo: 0, step: 1 });
    expect(pressure).toMatchObject({ kind: 'value', loSource: 'learned', hiSource: 'learned', step: 0.01 });
    expect(plan.learnerColumns).toEqual(['humidity', 'power', 'wind_dir.sin', 'wind_dir.cos', 'events', 'pressure']);
    const text = describeConstraints(plan).map((d) => d.text);
    expect(text[0]).toMatch(
      /^"humidity" within \[[\d.]+ \(learned\), 100 \(percentage\)\], in steps of 0\.1, [\d.]+ % on the upper bound/,
    );
    expect(text[2]).toContain('angle in degrees');
    // declared rules win over learned ones; learn: false keeps only what is declared
    const declared = learnConstraints(await training('test/fixtures/csv/sensors.csv'), {
      learn: false,
      bounds: { humidity: { min: 0, max: 100 } },
      nonNegative: ['power'],
      circular: ['wind_dir'],
    });
    expect(declared.columns.map((c) => [c.kind, c.transform, c.lo, c.hi])).toEqual([
      ['value', 'logit', 0, 100],
      ['value', 'log', 0, undefined],
      ['circular', undefined, undefined, undefined],
      ['value', 'identity', undefined, undefined],
      ['value', 'identity', undefined, undefined],
    ]);
  });

  it('copies counters that never go down, groups that add up to a whole, and constant columns', async () => {
    const rng = createRng(4);
    const n = 600;
    let meter = 1000;
    const rows = Array.from({ length: n }, (_, i) => {
      const day = Math.max(0, Math.sin((2 * Math.PI * (i % 24)) / 24));
      meter += Math.round(5 * day + rng.next() * 2);
      const solar = 40 * day + 5 * rng.next();
      const wind = 30 + 10 * rng.normal() * 0.3;
      return { meter, solar, wind, gas: Math.max(0, 100 - solar - wind), site: 7 };
    });
    const series = hourly({
      meter: rows.map((r) => r.meter),
      solar: rows.map((r) => r.solar),
      wind: rows.map((r) => r.wind),
      gas: rows.map((r) => r.gas),
      site: rows.map((r) => r.site),
    });
    const data = prepareTrainingData(series, { allowConstant: true });
    const spec = { compositions: [{ columns: ['solar', 'wind', 'gas'], total: 100 }] };
    const plan = learnConstraints(data, spec);
    expect(plan.columns.map((c) => c.kind)).toEqual([
      'counter',
      'composition',
      'composition',
      'composition',
      'constant',
    ]);
    expect(plan.learnerColumns).toEqual(['meter.increment', 'solar.alr', 'wind.alr']);
    expect(forwardTraining(plan, data).series.columns.map((c) => c.name)).toEqual(plan.learnerColumns);

    const learner = withConstraints(statisticalLearner, spec);
    const fit = await learner.fit(data, statisticalLearner.fitOptionsSchema.parse({ periods: [24] }), {
      rng: createRng(1),
    });
    // the state is JSON: a model saved and loaded again samples the same
    const state = JSON.parse(JSON.stringify(fit.state));
    const a = await (await learner.load(state)).sample({ length: 200, count: 20, context: 'end' }, createRng(3));
    const b = await (await learner.load(fit.state)).sample({ length: 200, count: 20, context: 'end' }, createRng(3));
    expect(a.map((p) => p.map((c) => Array.from(c)))).toEqual(b.map((p) => p.map((c) => Array.from(c))));
    for (const [m, solar, wind, gas, site] of a) {
      expect(m![0]).toBeGreaterThanOrEqual(rows[n - 1]!.meter);
      for (let i = 0; i < m!.length; i++) {
        if (i > 0) expect(m![i]).toBeGreaterThanOrEqual(m![i - 1]!);
        expect(Number.isInteger(m![i])).toBe(true);
        expect(solar![i]! + wind![i]! + gas![i]!).toBeCloseTo(100, 9);
        for (const share of [solar![i]!, wind![i]!, gas![i]!]) expect(share).toBeGreaterThanOrEqual(0);
        expect(site![i]).toBe(7);
      }
    }
    expect((fit.details.constraints as { text: string }[])[0]!.text).toContain('counter that never goes down');
  });

  it('refuses declarations that do not fit the data, naming the field', async () => {
    const data = prepareTrainingData(hourly({ x: [1, 2, 1, 3, 2, 4, 3, 5, 4, 6], y: [5, 4, 3, 2, 1, 2, 3, 4, 5, 6] }));
    const fail = (spec: object) => {
      try {
        learnConstraints(data, spec);
      } catch (e) {
        expect(e).toBeInstanceOf(TsiotError);
        return (e as TsiotError).message;
      }
      throw new Error('expected a failure');
    };
    expect(fail({ integer: ['z'] })).toBe('constraints.integer: "z" not among the columns learned ("x", "y")');
    expect(fail({ counters: ['x'] })).toContain('"x" goes down in the data');
    expect(fail({ bounds: { x: { min: 5, max: 1 } } })).toContain(
      'constraints.bounds.x: max (1) must be above min (5)',
    );
    expect(
      fail({
        compositions: [
          { columns: ['x', 'y'], total: 1 },
          { columns: ['y', 'x'], total: 1 },
        ],
      }),
    ).toContain('is in two groups');
    expect(fail({ margin: 2 })).toMatch(/margin/);
    expect(
      inversePath(learnConstraints(data), [new Float64Array([0]), new Float64Array([1e9])], 'none')[1]![0],
    ).toBeLessThanOrEqual(6 + 0.05 * 5);
  });
});
