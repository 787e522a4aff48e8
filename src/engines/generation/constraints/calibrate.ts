/**
 * Point masses on a bound (humidity saturating at 100 %, power 0 at night,
 * a counter standing still) survive a transform only as a narrow spike that
 * learners smooth away. After the fit, a sample of the learner's own output
 * fixes, per such bound, the level beyond which a value reads as the bound,
 * so that the bound's share in copies is its share in the data.
 */
import type { Rng } from '../../../core/rng.js';
import type { LoadedModel } from '../learner.js';
import type { ConstraintPlan } from './plan.js';

/** Values per column drawn for the calibration. */
const CALIBRATION_VALUES = 20_000;
const CALIBRATION_LENGTH = 100;

function quantileSorted(sorted: Float64Array, q: number): number {
  const pos = Math.min(sorted.length - 1, Math.max(0, q * (sorted.length - 1)));
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < sorted.length ? sorted[i]! * (1 - f) + sorted[i + 1]! * f : sorted[i]!;
}

/** The plan with cut levels for its bound masses, from the fitted learner's samples (in the learner's space). */
export async function calibrateAtoms(
  plan: ConstraintPlan,
  model: LoadedModel,
  rng: Rng,
  signal?: AbortSignal,
): Promise<ConstraintPlan> {
  const targets = plan.columns.filter((c) => c.atLo !== undefined || c.atHi !== undefined);
  if (targets.length === 0) return plan;
  const paths = await model.sample(
    { length: CALIBRATION_LENGTH, count: Math.ceil(CALIBRATION_VALUES / CALIBRATION_LENGTH), context: 'random' },
    rng,
    signal,
  );
  const columns = plan.columns.map((c) => {
    if (c.atLo === undefined && c.atHi === undefined) return c;
    const name = c.kind === 'counter' ? `${c.name}.increment` : c.name;
    const d = plan.learnerColumns.indexOf(name);
    const all = new Float64Array(paths.length * CALIBRATION_LENGTH);
    let n = 0;
    for (const p of paths) for (const y of p[d]!) if (!Number.isNaN(y)) all[n++] = y;
    if (n === 0) return c;
    const sorted = all.subarray(0, n).sort();
    return {
      ...c,
      ...(c.atLo !== undefined ? { cutLo: quantileSorted(sorted, c.atLo) } : {}),
      ...(c.atHi !== undefined ? { cutHi: quantileSorted(sorted, 1 - c.atHi) } : {}),
    };
  });
  return { ...plan, columns };
}
