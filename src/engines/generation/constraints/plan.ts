/**
 * Learning what the data cannot do: per column, its bounds (declared, the
 * sensor's range, or learned), whether it is constant, whole or quantised, a
 * counter that never goes down, an angle, or a member of a group that adds
 * up to a whole. The plan is JSON and is stored with the model.
 */
import { TsiotError } from '../../../core/errors.js';
import { parseInput } from '../../../core/input-errors.js';
import type { TimeSeries } from '../../../core/types.js';
import { type TrainingData, trainingSequences } from '../learner.js';
import { type Constraints, type ConstraintsInput, ConstraintsSchema, DEFAULT_BLEND } from './schema.js';

export type BoundSource = 'declared' | 'sensor range' | 'non-negative' | 'percentage' | 'learned';

/** How a column's values (a counter's increments) are mapped to the learner's unbounded space. */
export type Transform = 'logit' | 'log' | 'log-upper' | 'identity';

export interface ColumnPlan {
  name: string;
  kind: 'constant' | 'value' | 'circular' | 'counter' | 'composition';
  /** constant: its value. */
  value?: number;
  /** value: bounds of the value; counter: bounds of one increment. */
  lo?: number;
  hi?: number;
  loSource?: BoundSource;
  hiSource?: BoundSource;
  transform?: Transform;
  /** How far inside a bound training values on it are moved, so the log or logit stays finite. */
  inset?: number;
  /** Weight λ of the logit (log) term against the identity (see transform.ts). */
  blend?: number;
  /** log / log-upper: the distances to the bound are divided by this (the data's span). */
  scale?: number;
  /** Values (a counter's increments) lie on origin + k·step. */
  step?: number;
  origin?: number;
  /** circular: the period (360 for degrees). */
  period?: number;
  /** counter: the first and the last level of the training data (where paths restart). */
  first?: number;
  last?: number;
  /** composition: index into `groups`. */
  group?: number;
  /** Why the kind was chosen, for the description. */
  reason?: string;
  /** Training values outside declared bounds (moved inside before fitting). */
  outside?: number;
  /** Share of training values on the lower / upper bound (a point mass such as power 0 at night). */
  atLo?: number;
  atHi?: number;
  /** Learner values at or beyond these (set after the fit so the shares above come back) read as the bound. */
  cutLo?: number;
  cutHi?: number;
}

export interface ConstraintPlan {
  version: 1;
  columns: ColumnPlan[];
  groups: { columns: string[]; total: number }[];
  /** The columns the learner sees, in order. */
  learnerColumns: string[];
}

const DIRECTION_RE = /(^|[^a-z])(dir|direction|heading|bearing|azimuth|angle|wd|course|yaw)([^a-z]|$)/i;
const PERCENT_RE = /(humid|^rh$|^rh[^a-z]|percent|pct|share|%|occupancy|soc$|state_of_charge)/i;
/** Most distinct values examined for a quantisation grid. */
const GRID_SCAN = 20_000;
/** Share of values on a bound from which it is kept as a point mass. */
const MIN_ATOM = 0.005;

function atoms(values: Float64Array, lo: number | undefined, hi: number | undefined): { atLo?: number; atHi?: number } {
  let nLo = 0;
  let nHi = 0;
  let n = 0;
  for (const x of values) {
    if (!Number.isFinite(x)) continue;
    n++;
    if (lo !== undefined && x <= lo) nLo++;
    if (hi !== undefined && x >= hi) nHi++;
  }
  return {
    ...(n && nLo / n >= MIN_ATOM ? { atLo: nLo / n } : {}),
    ...(n && nHi / n >= MIN_ATOM ? { atHi: nHi / n } : {}),
  };
}

function pooled(seqs: TimeSeries[], name: string): Float64Array {
  const parts = seqs.map((s) => s.columns.find((c) => c.name === name)?.values ?? new Float64Array(0));
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function range(v: Float64Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    if (!Number.isFinite(x)) continue;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { min, max };
}

/** The grid the finite values lie on: whole numbers, or steps such as 0.1; undefined when they lie on none. */
export function detectGrid(values: Float64Array): { step: number; origin: number } | undefined {
  const finite = values.filter(Number.isFinite);
  if (finite.length < 3) return undefined;
  if (finite.every(Number.isInteger)) {
    const distinct = new Set(finite).size;
    return distinct >= 2 ? { step: 1, origin: 0 } : undefined;
  }
  const sorted = finite.slice().sort();
  const unique: number[] = [];
  for (const x of sorted) if (unique.length === 0 || x !== unique[unique.length - 1]) unique.push(x);
  if (unique.length < 3) return undefined;
  const scan = unique.slice(0, GRID_SCAN);
  let step = Infinity;
  for (let i = 1; i < scan.length; i++) step = Math.min(step, scan[i]! - scan[i - 1]!);
  // A grid finer than a millionth of the span is float noise, not a reporting step.
  if (!(step >= (unique[unique.length - 1]! - unique[0]!) * 1e-6)) return undefined;
  // Decimal steps come back from text with float error (12.3 - 12.2 = 0.0999…): snap to a power-of-ten fraction.
  const decimal = 10 ** Math.round(Math.log10(step));
  for (const candidate of [decimal, decimal * 2, decimal * 5, step]) {
    const origin = candidate === step ? unique[0]! : 0;
    const fits = scan.every((x) => {
      const k = (x - origin) / candidate;
      return Math.abs(k - Math.round(k)) < 1e-4;
    });
    if (fits && candidate >= step * (1 - 1e-6)) return { step: candidate, origin };
  }
  return undefined;
}

function nonDecreasing(seqs: TimeSeries[], name: string): boolean {
  let rows = 0;
  for (const s of seqs) {
    const v = s.columns.find((c) => c.name === name)!.values;
    rows += v.length;
    for (let i = 1; i < v.length; i++) if (v[i]! < v[i - 1]!) return false;
  }
  return rows >= 20;
}

function increments(seqs: TimeSeries[], name: string): Float64Array {
  const parts: number[] = [];
  for (const s of seqs) {
    const v = s.columns.find((c) => c.name === name)!.values;
    for (let i = 1; i < v.length; i++) parts.push(v[i]! - v[i - 1]!);
  }
  return Float64Array.from(parts);
}

function unknown(names: string[], available: string[], field: string): void {
  const missing = names.filter((n) => !available.includes(n));
  if (missing.length) {
    throw new TsiotError(
      'invalid_input',
      `constraints.${field}: ${missing.map((m) => `"${m}"`).join(', ')} not among the columns learned (${available.map((a) => `"${a}"`).join(', ')})`,
      { details: { field: `constraints.${field}`, missing, available } },
    );
  }
}

function transformOf(lo: number | undefined, hi: number | undefined): Transform {
  if (lo !== undefined && hi !== undefined) return 'logit';
  if (lo !== undefined) return 'log';
  if (hi !== undefined) return 'log-upper';
  return 'identity';
}

/** The inset keeps boundary values finite after log/logit and, on a grid, rounds back onto the bound. */
function insetOf(lo: number | undefined, hi: number | undefined, span: number, step: number | undefined): number {
  const width = lo !== undefined && hi !== undefined ? hi - lo : span > 0 ? span : 1;
  return step !== undefined ? Math.min(step / 4, width / 8) : width * 1e-3;
}

/** Learn the constraints of prepared training data (declared ones taking precedence). */
export function learnConstraints(data: TrainingData, input: ConstraintsInput = {}): ConstraintPlan {
  const spec: Constraints = parseInput(ConstraintsSchema, input, 'constraints');
  const seqs = trainingSequences(data);
  const names = data.series.columns.map((c) => c.name);
  for (const [field, list] of [
    ['nonNegative', spec.nonNegative],
    ['integer', spec.integer],
    ['counters', spec.counters],
    ['circular', spec.circular],
    ['free', spec.free],
    ['bounds', spec.bounds ? Object.keys(spec.bounds) : undefined],
    ['quantum', spec.quantum ? Object.keys(spec.quantum) : undefined],
  ] as const) {
    if (list) unknown([...list], names, field);
  }
  const groups = (spec.compositions ?? []).map((g, i) => {
    unknown(g.columns, names, `compositions[${i}].columns`);
    return { columns: [...g.columns], total: g.total };
  });
  const member = new Map<string, number>();
  groups.forEach((g, gi) => {
    for (const c of g.columns) {
      if (member.has(c)) {
        throw new TsiotError('invalid_input', `constraints.compositions: "${c}" is in two groups`, {
          details: { field: 'constraints.compositions', column: c },
        });
      }
      member.set(c, gi);
    }
  });

  const columns = names.map((name): ColumnPlan => {
    const values = pooled(seqs, name);
    const { min, max } = range(values);
    const span = max - min;
    const declaredGrid =
      spec.quantum?.[name] !== undefined
        ? { step: spec.quantum[name]!, origin: 0 }
        : spec.integer?.includes(name)
          ? { step: 1, origin: 0 }
          : undefined;
    if (member.has(name)) return { name, kind: 'composition', group: member.get(name)!, reason: 'declared' };
    if (spec.free?.includes(name)) return { name, kind: 'value', transform: 'identity', reason: 'declared free' };
    if (!(span > 0)) return { name, kind: 'constant', value: min, reason: 'every training value is the same' };
    const circularDeclared = spec.circular?.includes(name) ?? false;
    if (circularDeclared || (spec.learn && DIRECTION_RE.test(name) && min >= 0 && max <= 360 && span > 180)) {
      const grid = declaredGrid ?? (spec.learn ? detectGrid(values) : undefined);
      return {
        name,
        kind: 'circular',
        period: 360,
        ...(grid ? grid : {}),
        reason: circularDeclared ? 'declared' : `named like a direction, with values spanning ${min}–${max}`,
      };
    }
    const counterDeclared = spec.counters?.includes(name) ?? false;
    if (counterDeclared || (spec.learn && nonDecreasing(seqs, name))) {
      const inc = increments(seqs, name);
      const r = range(inc);
      if (counterDeclared && r.min < 0) {
        throw new TsiotError(
          'invalid_input',
          `constraints.counters: "${name}" goes down in the data, so it is no counter`,
          {
            details: { field: 'constraints.counters', column: name },
          },
        );
      }
      const incGrid = declaredGrid ?? (spec.learn ? detectGrid(inc) : undefined);
      const grid = incGrid ? { step: incGrid.step, origin: 0 } : undefined;
      const incSpan = Math.max(r.max - r.min, r.max, Number.EPSILON);
      const hi = r.max + spec.margin * incSpan;
      return {
        name,
        kind: 'counter',
        lo: 0,
        hi,
        loSource: 'non-negative',
        hiSource: 'learned',
        transform: 'logit',
        inset: insetOf(0, hi, incSpan, grid?.step),
        blend: DEFAULT_BLEND,
        ...(grid ?? {}),
        ...atoms(inc, 0, hi),
        first: seqs[0]!.columns.find((c) => c.name === name)!.values[0]!,
        last: values[values.length - 1]!,
        reason: counterDeclared ? 'declared' : 'never goes down in the training data',
      };
    }
    let lo: number | undefined;
    let hi: number | undefined;
    let loSource: BoundSource | undefined;
    let hiSource: BoundSource | undefined;
    if (spec.learn) {
      lo = min - spec.margin * span;
      loSource = 'learned';
      if (min >= 0 && lo <= 0) {
        lo = 0;
        loSource = 'non-negative';
      }
      hi = max + spec.margin * span;
      hiSource = 'learned';
      if (PERCENT_RE.test(name) && min >= 0 && max <= 100 && hi >= 100) {
        hi = 100;
        hiSource = 'percentage';
      }
    }
    const sensor = data.series.columns.find((c) => c.name === name)?.range;
    if (sensor) {
      lo = sensor.min;
      hi = sensor.max;
      loSource = 'sensor range';
      hiSource = 'sensor range';
    }
    if (spec.nonNegative?.includes(name) && (lo === undefined || lo < 0)) {
      lo = 0;
      loSource = 'declared';
    }
    const declared = spec.bounds?.[name];
    if (declared?.min !== undefined) {
      lo = declared.min;
      loSource = 'declared';
    }
    if (declared?.max !== undefined) {
      hi = declared.max;
      hiSource = 'declared';
    }
    if (lo !== undefined && hi !== undefined && !(hi > lo)) {
      throw new TsiotError('invalid_input', `constraints.bounds.${name}: max (${hi}) must be above min (${lo})`, {
        details: { field: `constraints.bounds.${name}`, example: { min: 0, max: 100 } },
      });
    }
    let outside = 0;
    for (const x of values) if ((lo !== undefined && x < lo) || (hi !== undefined && x > hi)) outside++;
    const grid = declaredGrid ?? (spec.learn ? detectGrid(values) : undefined);
    const transform = transformOf(lo, hi);
    return {
      name,
      kind: 'value',
      ...(lo !== undefined ? { lo, loSource } : {}),
      ...(hi !== undefined ? { hi, hiSource } : {}),
      transform,
      inset: insetOf(lo, hi, span, grid?.step),
      ...(transform !== 'identity' ? { blend: DEFAULT_BLEND } : {}),
      ...(transform === 'log' || transform === 'log-upper' ? { scale: span } : {}),
      ...(grid ?? {}),
      ...(outside ? { outside } : {}),
      ...(transform !== 'identity' ? atoms(values, lo, hi) : {}),
    };
  });
  if (columns.every((c) => c.kind === 'constant')) {
    throw new TsiotError('invalid_input', 'data: every column is constant, so there is nothing to learn', {
      details: { field: 'columns' },
    });
  }
  const learnerColumns: string[] = [];
  for (const c of columns) {
    if (c.kind === 'value') learnerColumns.push(c.name);
    else if (c.kind === 'circular') learnerColumns.push(`${c.name}.sin`, `${c.name}.cos`);
    else if (c.kind === 'counter') learnerColumns.push(`${c.name}.increment`);
    else if (c.kind === 'composition') {
      const g = groups[c.group!]!;
      if (g.columns[g.columns.length - 1] !== c.name) learnerColumns.push(`${c.name}.alr`);
    }
  }
  return { version: 1, columns, groups, learnerColumns };
}
