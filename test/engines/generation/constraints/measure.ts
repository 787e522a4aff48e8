/**
 * Fits a learner on a CSV fixture with and without the constraint layer,
 * samples 100,000 values per column from each, and measures what leaves the
 * plan's bounds and the marginal KS distance to the training data.
 */
import { createRng } from '../../../../src/core/rng.js';
import {
  type ConstraintPlan,
  type ConstraintsInput,
  withConstraints,
} from '../../../../src/engines/generation/constraints/index.js';
import { readCsv } from '../../../../src/engines/ingest/csv/index.js';
import type { LearnedGenerator, SampledPath, TrainingData } from '../../../../src/engines/generation/learner.js';
import { prepareTrainingData } from '../../../../src/engines/models/training-data.js';
import { ksTwoSample } from '../../../../src/engines/validation/stats/ks.js';

export const LENGTH = 100;
export const COUNT = 1000;

export async function training(path: string): Promise<TrainingData> {
  const table = await readCsv({ path });
  return prepareTrainingData(table.series);
}

export interface ColumnFigures {
  column: string;
  /** Sampled values outside the plan's rule (bounds, [0, 360), whole numbers, never decreasing). */
  violationsWith: number;
  violationsWithout: number;
  ksWith: number;
  ksWithout: number;
}

function pooled(paths: SampledPath[], d: number): Float64Array {
  const out = new Float64Array(paths.length * LENGTH);
  paths.forEach((p, i) => {
    out.set(p[d]!, i * LENGTH);
  });
  return out;
}

/** Values breaking the column's rule in the plan (checked on any sample, constrained or not). */
export function violations(plan: ConstraintPlan, paths: SampledPath[], d: number): number {
  const c = plan.columns[d]!;
  let bad = 0;
  for (const p of paths) {
    const v = p[d]!;
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (!Number.isFinite(x)) {
        bad++;
        continue;
      }
      if (c.kind === 'circular' && (x < 0 || x >= c.period!)) bad++;
      else if (c.kind === 'counter' && i > 0 && x < v[i - 1]!) bad++;
      else if (c.kind === 'value' && ((c.lo !== undefined && x < c.lo) || (c.hi !== undefined && x > c.hi))) bad++;
      else if (c.step === 1 && !Number.isInteger(x)) bad++;
    }
  }
  return bad;
}

export async function measure<O>(
  learner: LearnedGenerator<O, any>,
  options: unknown,
  data: TrainingData,
  spec: ConstraintsInput = {},
): Promise<{ plan: ConstraintPlan; columns: ColumnFigures[] }> {
  const opts = learner.fitOptionsSchema.parse(options);
  const request = { length: LENGTH, count: COUNT, context: 'random' as const };
  const constrained = withConstraints(learner, spec);
  const fitted = await constrained.fit(data, opts, { rng: createRng(1) });
  const withPaths = await (await constrained.load(fitted.state)).sample(request, createRng(2));
  const plain = await learner.fit(data, opts, { rng: createRng(1) });
  const withoutPaths = await (await learner.load(plain.state)).sample(request, createRng(2));
  const plan = fitted.state.constraints;
  const columns = data.series.columns.map((c, d): ColumnFigures => {
    const real = c.values;
    return {
      column: c.name,
      violationsWith: violations(plan, withPaths, d),
      violationsWithout: violations(plan, withoutPaths, d),
      ksWith: ksTwoSample(real, pooled(withPaths, d)).statistic,
      ksWithout: ksTwoSample(real, pooled(withoutPaths, d)).statistic,
    };
  });
  return { plan, columns };
}
