/**
 * DP perturbation of a series: every value of the chosen columns clipped to
 * its declared bounds and released with noise. Neighbouring series differ in
 * the values of one privacy unit (the timestamps and row count are public):
 * - event: one row — L1 sensitivity Σ_c (upper_c − lower_c), L2 the root of Σ squares;
 * - window: `windowRows` consecutive rows — that many times the row's;
 * - device: the whole series is one device — every row (weak unless ε is large;
 *   stated, not hidden).
 */
import { TsiotError } from '../../core/errors.js';
import { pureToRho, rhoFor } from './calibration.js';
import { type Guarantee, gaussianMechanism, laplaceMechanism } from './mechanisms.js';
import { SecureRandom } from './random.js';
import { describeUnit, type PrivacyUnit } from './units.js';

export interface PerturbColumn {
  name: string;
  values: Float64Array;
  lower: number;
  upper: number;
}

export interface PerturbRequest {
  columns: PerturbColumn[];
  epsilon: number;
  delta?: number;
  mechanism: 'laplace' | 'gaussian';
  unit: PrivacyUnit;
}

export interface PerturbPlan {
  epsilon: number;
  delta: number;
  rho: number;
  rowsPerUnit: number;
  l1: number;
  l2: number;
  unit: string;
}

export function planPerturbation(req: PerturbRequest): PerturbPlan {
  if (!(req.epsilon > 0 && Number.isFinite(req.epsilon)))
    throw new TsiotError('invalid_input', `epsilon: expected a finite number > 0, got ${req.epsilon}`, {
      details: { field: 'epsilon', example: 1 },
    });
  for (const c of req.columns)
    if (!Number.isFinite(c.lower) || !Number.isFinite(c.upper) || !(c.lower < c.upper))
      throw new TsiotError(
        'invalid_input',
        `bounds.${c.name}: expected finite lower < upper, got lower = ${c.lower}, upper = ${c.upper}`,
        { details: { field: `bounds.${c.name}`, example: { lower: 0, upper: 100 } } },
      );
  const rows = req.columns[0]?.values.length ?? 0;
  let rowsPerUnit = 1;
  if (req.unit.kind === 'window') {
    if (!req.unit.windowRows)
      throw new TsiotError('invalid_input', 'unit.windowRows: unit "window" needs the rows per protected window', {
        details: { field: 'unit.windowRows', example: { kind: 'window', windowRows: 24 } },
      });
    rowsPerUnit = Math.min(req.unit.windowRows, rows);
  } else if (req.unit.kind === 'device') rowsPerUnit = rows;
  const l1Row = req.columns.reduce((s, c) => s + (c.upper - c.lower), 0);
  const l2Row = Math.sqrt(req.columns.reduce((s, c) => s + (c.upper - c.lower) ** 2, 0));
  if (req.mechanism === 'gaussian') {
    if (!(req.delta !== undefined && req.delta > 0 && req.delta < 1))
      throw new TsiotError('invalid_input', 'delta: the Gaussian mechanism needs delta in (0, 1)', {
        details: { field: 'delta', example: 1e-6 },
      });
  }
  const delta = req.mechanism === 'gaussian' ? req.delta! : 0;
  return {
    epsilon: req.epsilon,
    delta,
    rho: req.mechanism === 'gaussian' ? rhoFor(req.epsilon, delta) : pureToRho(req.epsilon),
    rowsPerUnit,
    l1: l1Row * rowsPerUnit,
    l2: l2Row * Math.sqrt(rowsPerUnit),
    unit: describeUnit(req.unit),
  };
}

export interface PerturbResult {
  columns: { name: string; values: Float64Array; clipped: number; missing: number }[];
  guarantee: Guarantee;
}

/** Add the planned noise (after the ledger accepted the charge). Missing values stay missing (their positions are public). */
export function runPerturbation(
  req: PerturbRequest,
  plan: PerturbPlan,
  rnd: SecureRandom = new SecureRandom(),
): PerturbResult {
  const flat: number[] = [];
  const info = req.columns.map((c) => {
    let clipped = 0;
    let missing = 0;
    for (const raw of c.values) {
      if (Number.isNaN(raw)) {
        missing++;
        flat.push(0);
        continue;
      }
      const v = Math.min(c.upper, Math.max(c.lower, raw));
      if (v !== raw) clipped++;
      flat.push(v);
    }
    return { clipped, missing };
  });
  const noisy =
    req.mechanism === 'gaussian'
      ? gaussianMechanism(flat, { sensitivity: plan.l2, rho: plan.rho, delta: plan.delta }, rnd)
      : laplaceMechanism(flat, { sensitivity: plan.l1, epsilon: plan.epsilon }, rnd);
  let at = 0;
  const columns = req.columns.map((c, i) => {
    const values = new Float64Array(c.values.length);
    for (let j = 0; j < values.length; j++, at++)
      values[j] = Number.isNaN(c.values[j]!) ? Number.NaN : noisy.values[at]!;
    return { name: c.name, values, ...info[i]! };
  });
  return { columns, guarantee: noisy.guarantee };
}
