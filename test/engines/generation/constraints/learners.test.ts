/**
 * The constraint layer around four learners' fit and sample, on hourly
 * readings of bounded, non-negative, circular and whole-number quantities:
 * nothing sampled leaves the learned bounds (100,000 values per column), and
 * the marginals are no further from the data than without the layer.
 */
import { describe, expect, it } from 'vitest';
import { arimaLearner } from '../../../../src/engines/generation/arima/learned.js';
import { mixtureLearner } from '../../../../src/engines/generation/mixture/learned.js';
import { rnnLearner } from '../../../../src/engines/generation/rnn/learned.js';
import { statisticalLearner } from '../../../../src/engines/generation/statistical/fit/learned.js';
import type { LearnedGenerator } from '../../../../src/engines/generation/learner.js';
import { COUNT, LENGTH, measure, training } from './measure.js';

/** KS noise between two fits of one learner on this fixture is about ±0.01; one column may lose that much. */
const KS_NOISE = 0.02;

/**
 * perColumn: every column's KS within KS_NOISE of the unconstrained one. The small rnn (150 steps)
 * lands on rather different nets for its 5 and its 6 (sin, cos) input columns, so its slow
 * pressure column swings by more than that either way; for it only the mean over columns is held.
 */
const cases: [string, LearnedGenerator<any, any>, unknown, boolean][] = [
  ['statistical', statisticalLearner, { periods: [24] }, true],
  // Small order searches and a short rnn keep the file under a minute; the claims hold at these sizes too.
  ['arima', arimaLearner, { period: 24, maxP: 2, maxQ: 1 }, true],
  ['mixture', mixtureLearner, { window: 24 }, true],
  ['rnn', rnnLearner, { hidden: 8, window: 24, iterations: 150, batchSize: 32 }, false],
];

describe('constraints around each learner', () => {
  for (const [name, learner, options, perColumn] of cases) {
    it(`${name}: 0 of ${LENGTH * COUNT} values per column outside the constraints, marginal KS no worse`, async () => {
      const data = await training('test/fixtures/csv/sensors.csv');
      const { plan, columns } = await measure(learner, options, data);
      expect(plan.columns.map((c) => c.kind)).toEqual(['value', 'value', 'circular', 'value', 'value']);
      // Printed for the record (docs/benchmarks.md quotes these runs).
      console.log(
        `${name}: ${columns.map((c) => `${c.column} violations ${c.violationsWith}/${c.violationsWithout} KS ${c.ksWith.toFixed(3)}/${c.ksWithout.toFixed(3)}`).join('; ')}`,
      );
      for (const c of columns) {
        expect(c.violationsWith, c.column).toBe(0);
        if (perColumn) expect(c.ksWith, c.column).toBeLessThanOrEqual(c.ksWithout + KS_NOISE);
      }
      // Without the layer the copies do break the physics (so the check above can fail).
      expect(columns.reduce((n, c) => n + c.violationsWithout, 0)).toBeGreaterThan(0);
      const mean = (k: 'ksWith' | 'ksWithout') => columns.reduce((s, c) => s + c[k], 0) / columns.length;
      expect(mean('ksWith')).toBeLessThanOrEqual(mean('ksWithout'));
    }, 900_000);
  }
});
