/**
 * The constraint, missingness and categorical layers through the model
 * registry: learned at fit time from a messy CSV, stored with the model,
 * applied to every sample (also after a reload from storage), and seen by the
 * validator when a copy does not have them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TimeSeries } from '../../../src/core/types.js';
import { createBuiltinFactory } from '../../../src/engines/generation/builtin.js';
import { readCsv } from '../../../src/engines/ingest/csv/index.js';
import { measureMissingness } from '../../../src/engines/generation/missingness/index.js';
import { ModelRegistry } from '../../../src/engines/models/registry.js';
import { ValidationEngine } from '../../../src/engines/validation/engine.js';
import { tempStore } from './helpers.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const FIXTURE = 'test/fixtures/csv/messy.csv';

async function messy() {
  const table = await readCsv({ path: FIXTURE }, { missing: [-200] });
  return table;
}

function column(s: TimeSeries, name: string) {
  const c = s.columns.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${name}`);
  return c;
}

describe('model layers', () => {
  it('a statistical model keeps bounds, gaps and categories in every sample, also after a reload', async () => {
    const t = await tempStore();
    cleanup = t.cleanup;
    const registry = new ModelRegistry(t.store, createBuiltinFactory());
    const table = await messy();
    const rec = await registry.fit({
      generator: 'statistical',
      data: table.series,
      categorical: table.categorical,
      seed: 1,
      options: { periods: [24] },
    });
    expect(rec.layers).toEqual({ constraints: true, missingness: true, categorical: ['site', 'mode', 'note'] });
    const kinds = Object.fromEntries(
      (rec.details.constraints as { column: string; kind: string }[]).map((c) => [c.column, c.kind]),
    );
    expect(kinds).toMatchObject({ wind_dir: 'circular', energy_kwh: 'counter', firmware: 'constant' });

    const sample = await registry.sample(rec.id, { length: 720, count: 20, context: 'none', seed: 5 });
    const paths = sample.series;
    for (const s of paths) {
      // Bounds: humidity in [.., 100], power ≥ 0, the angle in [0, 360), whole visits, a counter that never drops.
      for (const v of column(s, 'RH (%)').values) if (!Number.isNaN(v)) expect(v).toBeLessThanOrEqual(100);
      for (const v of column(s, 'power_kw').values) if (!Number.isNaN(v)) expect(v).toBeGreaterThanOrEqual(0);
      for (const v of column(s, 'wind_dir').values) expect(v >= 0 && v < 360).toBe(true);
      for (const v of column(s, 'visits').values) expect(Number.isInteger(v)).toBe(true);
      const e = column(s, 'energy_kwh').values;
      for (let i = 1; i < e.length; i++) expect(e[i]!).toBeGreaterThanOrEqual(e[i - 1]!);
      expect(new Set(column(s, 'firmware').values)).toEqual(new Set([7]));
      // Categories: the site as an attribute, the mode with the data's levels.
      expect(s.metadata.attributes).toMatchObject({ site: 'plant-3' });
      expect(column(s, 'mode').levels).toEqual(['idle', 'run', 'maintenance']);
    }
    // Missingness: rate and mean run length within 20 % of the real ones; humidity and power fail together.
    const real = measureMissingness([table.series]);
    const copy = measureMissingness(paths.map((s) => ({ columns: s.columns.filter((c) => !c.levels) })));
    for (const name of ['RH (%)', 'aux']) {
      const r = real.find((m) => m.column === name)!;
      const c = copy.find((m) => m.column === name)!;
      expect(Math.abs(c.rate - r.rate) / r.rate, name).toBeLessThan(0.2);
      expect(Math.abs(c.meanRun - r.meanRun) / r.meanRun, name).toBeLessThan(0.2);
    }
    expect(copy.find((m) => m.column === 'RH (%)')!.together.power_kw).toBeGreaterThan(0.95);
    // The mode follows the clock: "run" by day, never in the real night hours.
    const runByHour = new Array<number>(24).fill(0);
    for (const s of paths) {
      const mode = column(s, 'mode');
      s.timestamps.forEach((t, i) => {
        if (mode.levels![mode.values[i]!] === 'run') runByHour[new Date(t).getUTCHours()]!++;
      });
    }
    expect(runByHour[12]!).toBeGreaterThan(runByHour[2]! * 5);

    // "fill": the same values without gaps.
    const filled = await registry.sample(rec.id, { length: 720, count: 1, context: 'none', seed: 5, missing: 'fill' });
    expect(column(filled.series[0]!, 'RH (%)').values.some(Number.isNaN)).toBe(false);

    // A new registry on the same store (a restart) samples the same bytes.
    const again = await new ModelRegistry(t.store, createBuiltinFactory()).sample(rec.id, {
      length: 720,
      count: 20,
      context: 'none',
      seed: 5,
    });
    expect(again.series.map((s) => s.columns.map((c) => Array.from(c.values)))).toEqual(
      paths.map((s) => s.columns.map((c) => Array.from(c.values))),
    );
    // The constant site attribute can be fixed, an unknown one is refused by name.
    await expect(
      registry.sample(rec.id, { length: 10, seed: 1, attributes: { site: 'plant-9' } }),
    ).resolves.toBeDefined();
    await expect(registry.sample(rec.id, { length: 10, seed: 1, attributes: { line: 'A' } })).rejects.toThrow(/"line"/);
  }, 120_000);

  it('the report notices a copy that erases gaps, invents categories or leaves the range', async () => {
    const table = await messy();
    const validation = new ValidationEngine();
    const coded = (s: TimeSeries): TimeSeries => ({
      ...s,
      columns: [
        ...s.columns
          .filter((c) => ['RH (%)', 'power_kw'].includes(c.name))
          .map((c) => ({ ...c, values: Float64Array.from(c.values) })),
        {
          name: 'mode',
          levels: table.categorical.find((c) => c.name === 'mode')!.levels,
          values: Float64Array.from(table.categorical.find((c) => c.name === 'mode')!.codes),
        },
      ],
    });
    const reference = coded(table.series);
    const failed = async (synthetic: TimeSeries) => {
      const report = await validation.validate({ synthetic, reference, rules: { validators: ['quality'], seed: '1' } });
      return new Set(report.checks.filter((c) => c.passed === false).map((c) => `${c.name}:${c.column}`));
    };
    // The real data against itself: none of these checks fail.
    const self = await failed(reference);
    for (const name of [
      'missing_rate:RH (%)',
      'missing_rate_difference:RH (%)',
      'unknown_category_rate:mode',
      'category_share_distance:mode',
      'out_of_range_rate:power_kw',
    ])
      expect(self.has(name), name).toBe(false);

    const broken = coded(table.series);
    const rh = broken.columns[0]!;
    rh.values = rh.values.map((v, i) => (Number.isNaN(v) ? 60 + (i % 10) : v));
    const power = broken.columns[1]!;
    power.values = power.values.map((v, i) => (i % 5 === 0 ? -10 : v));
    const mode = broken.columns[2]!;
    mode.levels = [...mode.levels!, 'exploded'];
    mode.values = mode.values.map((v, i) => (i % 2 === 0 ? mode.levels!.length - 1 : v));
    const bad = await failed(broken);
    expect(bad.has('missing_rate_difference:RH (%)')).toBe(true);
    expect(bad.has('unknown_category_rate:mode')).toBe(true);
    expect(bad.has('category_share_distance:mode')).toBe(true);
    expect(bad.has('out_of_range_rate:power_kw')).toBe(true);
  }, 60_000);
});
