/**
 * The invertible maps of a constraint plan. Forward (before fitting): a
 * bounded value to logit or log space, an angle to (sin, cos), a counter to
 * its increments (themselves bounded), a composition to additive log-ratios,
 * a constant away. Inverse (after sampling): back, then onto the column's
 * grid. Every inverse lands inside the bounds whatever the learner samples,
 * so nothing is clipped afterwards.
 */
import type { Column, TimeSeries } from '../../../core/types.js';
import type { SampleContext, SampledPath, TrainingData } from '../learner.js';
import { moments } from '../moments.js';
import type { ColumnPlan, ConstraintPlan } from './plan.js';
import { DEFAULT_BLEND } from './schema.js';

function blendLogit(u: number, lambda: number): number {
  return u - 0.5 + lambda * Math.log(u / (1 - u));
}

function blendLog(v: number, lambda: number): number {
  return v + lambda * Math.log(v);
}

/** The u in (0, 1) with blendLogit(u) = y (increasing in u, so bisection is safe). */
function solveLogit(y: number, lambda: number): number {
  if (y === Infinity) return 1;
  if (y === -Infinity) return 0;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 64; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (blendLogit(mid, lambda) < y) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** The v > 0 with blendLog(v) = y. */
function solveLog(y: number, lambda: number): number {
  if (y === Infinity) return Infinity;
  if (y === -Infinity) return 0;
  // v ≤ max(y, 1) + 1 bounds the root from above; below, v = exp((y - 1) / λ) or 0.
  let lo = 0;
  let hi = Math.max(y, 1) + 1;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (blendLog(mid, lambda) < y) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** A value in the learner's space. */
export function toLearner(c: ColumnPlan, x: number): number {
  if (!Number.isFinite(x)) return x;
  const lo = c.lo;
  const hi = c.hi;
  const inset = c.inset ?? 0;
  const lambda = c.blend ?? DEFAULT_BLEND;
  switch (c.transform) {
    case 'logit': {
      const width = hi! - lo!;
      const e = inset / width;
      return blendLogit(Math.min(1 - e, Math.max(e, (x - lo!) / width)), lambda);
    }
    case 'log':
      return blendLog(Math.max(x - lo!, inset) / c.scale!, lambda);
    case 'log-upper':
      return blendLog(Math.max(hi! - x, inset) / c.scale!, lambda);
    default:
      return x;
  }
}

/** A learner's value back in the column's units, inside its bounds (closed). */
export function fromLearner(c: ColumnPlan, y: number): number {
  if (Number.isNaN(y)) return y;
  if (c.cutLo !== undefined && y <= c.cutLo) return c.lo!;
  if (c.cutHi !== undefined && y >= c.cutHi) return c.hi!;
  const lambda = c.blend ?? DEFAULT_BLEND;
  switch (c.transform) {
    case 'logit':
      // u is in [0, 1]; the min/max only absorbs the last bit of rounding in lo + width·u.
      return Math.min(c.hi!, Math.max(c.lo!, c.lo! + (c.hi! - c.lo!) * solveLogit(y, lambda)));
    case 'log':
      return c.lo! + c.scale! * solveLog(y, lambda);
    case 'log-upper':
      return c.hi! - c.scale! * solveLog(y, lambda);
    default:
      return y;
  }
}

function decimalsOf(step: number): number {
  return Math.min(12, Math.max(0, Math.ceil(-Math.log10(step)) + 2));
}

/** Onto the grid origin + k·step, choosing the nearest grid point inside [lo, hi]. */
export function quantise(x: number, step: number, origin: number, lo?: number, hi?: number): number {
  if (!Number.isFinite(x)) return x;
  const scale = 10 ** decimalsOf(step);
  const at = (k: number) => Math.round((origin + k * step) * scale) / scale;
  let k = Math.round((x - origin) / step);
  if (hi !== undefined && at(k) > hi) k = Math.floor((hi - origin) / step + 1e-9);
  if (lo !== undefined && at(k) < lo) k = Math.ceil((lo - origin) / step - 1e-9);
  return at(k);
}

function column(s: TimeSeries, name: string): Float64Array {
  return s.columns.find((c) => c.name === name)!.values;
}

/** One sequence mapped to the learner's columns. */
export function forwardSeries(plan: ConstraintPlan, s: TimeSeries): TimeSeries {
  const out: Column[] = [];
  const n = s.timestamps.length;
  for (const c of plan.columns) {
    const v = column(s, c.name);
    if (c.kind === 'value') out.push({ name: c.name, values: Float64Array.from(v, (x) => toLearner(c, x)) });
    else if (c.kind === 'circular') {
      const w = (2 * Math.PI) / c.period!;
      out.push({ name: `${c.name}.sin`, values: Float64Array.from(v, (x) => Math.sin(w * x)) });
      out.push({ name: `${c.name}.cos`, values: Float64Array.from(v, (x) => Math.cos(w * x)) });
    } else if (c.kind === 'counter') {
      const d = new Float64Array(n);
      for (let i = 1; i < n; i++) d[i] = v[i]! - v[i - 1]!;
      // The first row has no increment of its own: it repeats the next one.
      d[0] = n > 1 ? d[1]! : 0;
      out.push({ name: `${c.name}.increment`, values: Float64Array.from(d, (x) => toLearner(c, x)) });
    } else if (c.kind === 'composition') {
      const g = plan.groups[c.group!]!;
      const lastName = g.columns[g.columns.length - 1]!;
      if (c.name === lastName) continue;
      const last = column(s, lastName);
      // Zero shares have no log-ratio: they are taken as a hair above zero.
      const floor = g.total * 1e-6;
      out.push({
        name: `${c.name}.alr`,
        values: Float64Array.from(v, (x, i) => Math.log(Math.max(x, floor) / Math.max(last[i]!, floor))),
      });
    }
  }
  return { ...s, columns: out };
}

/** Training data in the learner's space: every sequence mapped, the concatenation and summary rebuilt. */
export function forwardTraining(plan: ConstraintPlan, data: TrainingData): TrainingData {
  const sequences = data.sequences?.map((s) => forwardSeries(plan, s));
  let series: TimeSeries;
  if (sequences && sequences.length > 0) {
    const rows = sequences.reduce((k, s) => k + s.timestamps.length, 0);
    const columns = plan.learnerColumns.map((name, d): Column => {
      const values = new Float64Array(rows);
      let at = 0;
      for (const s of sequences) {
        values.set(s.columns[d]!.values, at);
        at += s.timestamps.length;
      }
      return { name, values };
    });
    series = { ...data.series, columns };
  } else series = forwardSeries(plan, data.series);
  const summaryColumns = series.columns.map((c) => ({ name: c.name, ...moments(c.values) }));
  return {
    ...data,
    series,
    ...(sequences ? { sequences } : {}),
    summary: { ...data.summary, columns: summaryColumns, notes: [...data.summary.notes] },
  };
}

/**
 * A sampled path (the learner's columns) back in the data's columns.
 * Counters restart from the last training level when the path continues the
 * data (`end`), else from the first.
 */
export function inversePath(plan: ConstraintPlan, path: SampledPath, context: SampleContext): SampledPath {
  const at = new Map(plan.learnerColumns.map((name, d) => [name, path[d]!]));
  const n = path[0]?.length ?? 0;
  const groupValues = plan.groups.map((g) => inverseGroup(g, at, n));
  return plan.columns.map((c) => {
    if (c.kind === 'constant') return new Float64Array(n).fill(c.value!);
    if (c.kind === 'value') {
      const y = at.get(c.name)!;
      return Float64Array.from(y, (v) => {
        const x = fromLearner(c, v);
        return c.step !== undefined ? quantise(x, c.step, c.origin ?? 0, c.lo, c.hi) : x;
      });
    }
    if (c.kind === 'circular') {
      const s = at.get(`${c.name}.sin`)!;
      const co = at.get(`${c.name}.cos`)!;
      const period = c.period!;
      return Float64Array.from(s, (sv, i) => {
        let deg = (Math.atan2(sv, co[i]!) * period) / (2 * Math.PI);
        if (deg < 0) deg += period;
        if (c.step !== undefined) deg = quantise(deg, c.step, c.origin ?? 0);
        return deg >= period ? deg - period : deg;
      });
    }
    if (c.kind === 'counter') {
      const y = at.get(`${c.name}.increment`)!;
      let level = context === 'end' ? c.last! : c.first!;
      return Float64Array.from(y, (v) => {
        let d = fromLearner(c, v);
        if (c.step !== undefined) d = quantise(d, c.step, 0, c.lo, c.hi);
        if (Number.isFinite(d)) level += d;
        return Number.isFinite(d) ? level : NaN;
      });
    }
    const g = plan.groups[c.group!]!;
    return groupValues[c.group!]![g.columns.indexOf(c.name)]!;
  });
}

function inverseGroup(
  g: { columns: string[]; total: number },
  at: Map<string, Float64Array>,
  n: number,
): Float64Array[] {
  const k = g.columns.length;
  const out = g.columns.map(() => new Float64Array(n));
  const ratios = g.columns.slice(0, k - 1).map((name) => at.get(`${name}.alr`)!);
  for (let i = 0; i < n; i++) {
    // Shift by the largest log-ratio so exp never overflows.
    let top = 0;
    for (const r of ratios) top = Math.max(top, r[i]!);
    let sum = Math.exp(-top);
    for (const r of ratios) sum += Math.exp(r[i]! - top);
    for (let j = 0; j < k - 1; j++) out[j]![i] = (g.total * Math.exp(ratios[j]![i]! - top)) / sum;
    out[k - 1]![i] = (g.total * Math.exp(-top)) / sum;
  }
  return out;
}
