import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../src/core/rng.js';
import { statisticalLearner } from '../../../../src/engines/generation/statistical/fit/learned.js';
import {
  applyMissingness,
  describeMissingness,
  learnMissingness,
  measureMissingness,
} from '../../../../src/engines/generation/missingness/index.js';
import { readCsv } from '../../../../src/engines/ingest/csv/index.js';
import { prepareTrainingData } from '../../../../src/engines/models/training-data.js';

describe('missingness', () => {
  it('copies the rate, run lengths and co-missingness of a fixture with ~10 % missing in runs onto sampled paths', async () => {
    const raw = (await readCsv({ path: 'test/fixtures/csv/gaps.csv' })).series;
    const real = measureMissingness([raw]);
    expect(real[1]!.rate).toBeGreaterThan(0.08);
    expect(real[1]!.rate).toBeLessThan(0.15);
    const model = learnMissingness(raw);
    expect(JSON.parse(JSON.stringify(model))).toEqual(model);
    expect(describeMissingness(model).map((d) => d.rate)).toEqual(real.map((r) => r.rate));

    // A learner samples gap-free paths; the layer puts the pattern back.
    const data = prepareTrainingData(raw);
    const options = statisticalLearner.fitOptionsSchema.parse({ periods: [144] });
    const fit = await statisticalLearner.fit(data, options, { rng: createRng(1) });
    const paths = await (await statisticalLearner.load(fit.state)).sample(
      { length: 3000, count: 10, context: 'none' },
      createRng(2),
    );
    for (const p of paths) for (const c of p) expect(c.some(Number.isNaN)).toBe(false);
    const copies = applyMissingness(model, paths, createRng(3));
    const copied = measureMissingness(
      copies.map((p) => ({ columns: p.map((values, d) => ({ name: model.columns[d]!, values })) })),
    );
    console.log(
      `missingness real vs copies: ${real.map((r, d) => `${r.column} rate ${r.rate.toFixed(4)}/${copied[d]!.rate.toFixed(4)} mean run ${r.meanRun.toFixed(2)}/${copied[d]!.meanRun.toFixed(2)} together ${JSON.stringify(r.together)}/${JSON.stringify(copied[d]!.together)}`).join('; ')}`,
    );
    for (let d = 0; d < real.length; d++) {
      expect(Math.abs(copied[d]!.rate - real[d]!.rate) / real[d]!.rate).toBeLessThan(0.2);
      expect(Math.abs(copied[d]!.meanRun - real[d]!.meanRun) / real[d]!.meanRun).toBeLessThan(0.2);
    }
    // humidity is missing only in shared outages: where it is missing, temperature is too
    expect(real[1]!.together.temperature).toBe(1);
    expect(copied[1]!.together.temperature).toBe(1);
    expect(copied[0]!.together.humidity).toBeCloseTo(real[0]!.together.humidity!, 1);
    // the values left are the learner's own; fill mode keeps the paths complete; the same seed, the same copies
    expect(copies[0]![0]!.filter(Number.isFinite)).toEqual(
      paths[0]![0]!.filter((_, i) => !Number.isNaN(copies[0]![0]![i]!)),
    );
    expect(applyMissingness(model, paths, createRng(3), { mode: 'fill' })).toEqual(paths);
    expect(applyMissingness(model, paths, createRng(3))).toEqual(copies);
  }, 120_000);
});
