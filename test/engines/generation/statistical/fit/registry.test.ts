import { afterEach, describe, expect, it } from 'vitest';
import { createBuiltinFactory } from '../../../../../src/engines/generation/builtin.js';
import { ModelRegistry } from '../../../../../src/engines/models/registry.js';
import { runTool } from '../../../../../src/registry/run-tool.js';
import { fitModel } from '../../../../../tools/fit-model.js';
import { generateFromModel } from '../../../../../tools/generate-from-model.js';
import { makeEngines } from '../../../../helpers/engines.js';
import { tempStore } from '../../../models/helpers.js';
import { dailyProfile, HOUR, hourlySeries, phaseProfile } from './helpers.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('statistical learner through the model registry', () => {
  it('fits generator "statistical", then samples and forecasts by model id', async () => {
    const t = await tempStore();
    cleanup = t.cleanup;
    const registry = new ModelRegistry(t.store, createBuiltinFactory());
    expect(registry.generators()).toContain('statistical');
    const { series } = hourlySeries({ rows: 24 * 40, slope: 0.01, seed: 4 });
    // The learner's own fit (its periods, phase and forecasts), without the constraint layer's transforms.
    const rec = await registry.fit({
      generator: 'statistical',
      data: series,
      seed: 1,
      options: { arOrderMax: 3 },
      constraints: false,
    });
    expect(rec.id).toMatch(/^mdl_/);
    expect(rec.training.points).toBe(24 * 40);
    const cols = rec.details.columns as { periods: number[] }[];
    expect(cols[0]!.periods).toEqual([24]);
    expect(rec.hyperParameters).toMatchObject({
      arOrderMax: 3,
      residual: 'empirical',
      periodsUsed: { temperature: [24] },
    });

    const a = await registry.sample(rec.id, { length: 24 * 10, count: 2, seed: 11 });
    const b = await registry.sample(rec.id, { length: 24 * 10, count: 2, seed: 11 });
    expect(a.series).toHaveLength(2);
    expect(a.series[0]!.timestamps[0]).toBe(rec.training.end + HOUR);
    expect(a.series.map((s) => Array.from(s.columns[0]!.values))).toEqual(
      b.series.map((s) => Array.from(s.columns[0]!.values)),
    );
    // the continuation keeps the daily shape at the right clock hours
    const prof = phaseProfile(a.series[0]!.columns[0]!.values, 24, (24 * 40) % 24);
    const truth = dailyProfile();
    for (let h = 0; h < 24; h++) expect(Math.abs(prof[h]! - truth[h]!)).toBeLessThan(0.6);

    const f = await registry.forecast(rec.id, 24);
    expect(f.forecast).toHaveLength(1);
    expect(f.forecast[0]!.mean).toHaveLength(24);
    expect(f.forecast[0]!.lower[12]!).toBeLessThan(f.forecast[0]!.mean[12]!);

    // a period that does not fit twice is refused before anything is saved
    await expect(
      registry.fit({ generator: 'statistical', data: series, options: { periods: [600] } }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    expect((await registry.list()).map((m) => m.id)).toEqual([rec.id]);
    registry.close();
  });

  it('fit_model and generate_from_model tools accept generator "statistical"', async () => {
    const engines = await makeEngines();
    cleanup = () => engines.close();
    const ctx = { engines, logger: engines.logger, signal: new AbortController().signal, progress: () => {} };
    const { series } = hourlySeries({ rows: 24 * 30, seed: 5 });
    const data = {
      timestamps: Array.from(series.timestamps, (x) => new Date(x).toISOString()),
      values: { temperature: Array.from(series.columns[0]!.values) },
    };
    const fit = await runTool(fitModel, { generator: 'statistical', data, seed: 1, options: { periods: [24] } }, ctx);
    const s = fit.structured as { id: string; status: string };
    expect(s.status).toBe('ready');
    const g = await runTool(generateFromModel, { id: s.id, length: 48, count: 1, seed: 3, store: false }, ctx);
    expect(generateFromModel.outputSchema.safeParse(g.structured).success).toBe(true);
    const out = g.structured as { preview: { rows: unknown[][] } };
    expect(out.preview.rows.length).toBeGreaterThan(0);
  });
});
