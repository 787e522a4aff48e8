import { TsiotError } from '../../../core/errors.js';
import type { Rng } from '../../../core/rng.js';
import type { AnomalyLabel } from '../../../core/types.js';
import { FastRandom } from './fast-random.js';
import { IntervalSet } from './interval-set.js';
import type { Timing } from './timing.js';

/**
 * Sensor and transport artefacts: irregular sampling, timestamp jitter, gaps
 * (rows removed), quantisation, clipping at the sensor range and lost values.
 * Everything that changes data returns labels of kind "imperfection".
 */

const CHUNK = 8192;

/** Timestamps of the regular grid. */
export function gridTimes(timing: Timing): Float64Array {
  const { start, intervalMs, rows } = timing;
  const t = new Float64Array(rows);
  for (let r = 0; r < rows; r++) t[r] = start + r * intervalMs;
  return t;
}

/**
 * Irregular sampling: each interval is interval × (1 + irregular × U(-1, 1)),
 * so the mean rate is kept; times are whole milliseconds for intervals of 1 ms or more.
 */
export function irregularTimes(timing: Timing, irregular: number, rng: Rng): Float64Array {
  const t = new Float64Array(timing.rows);
  const u = new Float64Array(CHUNK);
  const fr = new FastRandom(rng);
  const whole = timing.intervalMs >= 1;
  let exact = timing.start;
  for (let from = 0; from < timing.rows; from += CHUNK) {
    const n = Math.min(CHUNK, timing.rows - from);
    fr.fillUniform(u, n);
    for (let i = 0; i < n; i++) {
      const r = from + i;
      if (r > 0) exact += timing.intervalMs * (1 + irregular * (2 * u[i]! - 1));
      t[r] = whole ? Math.round(exact) : exact;
    }
  }
  return t;
}

/** Timestamp jitter of up to ±jitterMs, rounded to whole ms when the interval allows; order is kept (never earlier than the previous stamp). */
export function jitterTimes(times: Float64Array, jitterMs: number, intervalMs: number, rng: Rng): Float64Array {
  const out = new Float64Array(times.length);
  const u = new Float64Array(CHUNK);
  const fr = new FastRandom(rng);
  const whole = intervalMs >= 1;
  let prev = Number.NEGATIVE_INFINITY;
  for (let from = 0; from < times.length; from += CHUNK) {
    const n = Math.min(CHUNK, times.length - from);
    fr.fillUniform(u, n);
    for (let i = 0; i < n; i++) {
      let t = times[from + i]! + jitterMs * (2 * u[i]! - 1);
      if (whole) t = Math.round(t);
      if (t < prev) t = prev;
      out[from + i] = t;
      prev = t;
    }
  }
  return out;
}

/**
 * Device outages: `count` runs of 1..maxRows rows, never at the first or last
 * row (a gap is always between two real samples), apart from each other and
 * from anything in `blocked` (the device's anomalies).
 */
export function placeGaps(
  count: number,
  maxRows: number,
  rows: number,
  blocked: IntervalSet,
  rng: Rng,
): Array<[number, number]> {
  const taken = new IntervalSet();
  taken.addAll(blocked);
  const gaps = new IntervalSet();
  for (let k = 0; k < count; k++) {
    let len = 1 + Math.floor(rng.next() * maxRows);
    let start = taken.place(1, rows - 2, len, 1, rng.next());
    // when crowded, settle for shorter outages before giving up
    while (start < 0 && len > 1) {
      len = Math.floor(len / 2);
      start = taken.place(1, rows - 2, len, 1, rng.next());
    }
    if (start < 0) {
      throw new TsiotError(
        'invalid_input',
        `imperfections.gaps.count: no room for ${count} separate gaps in ${rows} samples per device (placed ${k}); lower the count or generate a longer span`,
        {
          details: { field: 'imperfections.gaps.count', placed: k, rows },
        },
      );
    }
    taken.add(start, start + len - 1);
    gaps.add(start, start + len - 1);
  }
  return gaps.entries();
}

/** Map from full-grid row to kept row (-1 where a gap removed it), and the kept count. */
export function keptRows(rows: number, gaps: ReadonlyArray<[number, number]>): { index: Int32Array; kept: number } {
  const index = new Int32Array(rows);
  let g = 0;
  let kept = 0;
  for (let r = 0; r < rows; r++) {
    while (g < gaps.length && gaps[g]![1] < r) g++;
    const removed = g < gaps.length && gaps[g]![0] <= r;
    index[r] = removed ? -1 : kept++;
  }
  return { index, kept };
}

/** Copy of `a` without the removed rows. */
export function compact(a: Float64Array, index: Int32Array, kept: number): Float64Array {
  const out = new Float64Array(kept);
  for (let r = 0; r < a.length; r++) {
    const k = index[r]!;
    if (k >= 0) out[k] = a[r]!;
  }
  return out;
}

/** Round to the resolution `step` (an ADC step); NaN stays NaN. */
export function quantize(values: Float64Array, step: number): void {
  const inv = 1 / step;
  const exact = Math.abs(inv - Math.round(inv)) < 1e-9;
  if (exact) {
    // 0.1 → round(v·10)/10 keeps values like 21.4 free of binary residue
    const k = Math.round(inv);
    for (let i = 0; i < values.length; i++) values[i] = Math.round(values[i]! * k) / k;
  } else {
    for (let i = 0; i < values.length; i++) values[i] = Math.round(values[i]! / step) * step;
  }
}

/** Clip to the range, labelling each run of clipped samples (consecutive, same bound). */
export function clip(
  values: Float64Array,
  range: { min: number; max: number },
  timestamps: Float64Array,
  column: string,
): AnomalyLabel[] {
  const { min, max } = range;
  const n = values.length;
  const labels: AnomalyLabel[] = [];
  let i = 0;
  while (i < n) {
    // NaN compares false both ways, so a lost value is never clipped
    while (i < n && !(values[i]! > max || values[i]! < min)) i++;
    if (i === n) break;
    const start = i;
    const upper = values[i]! > max;
    if (upper) for (; i < n && values[i]! > max; i++) values[i] = max;
    else for (; i < n && values[i]! < min; i++) values[i] = min;
    labels.push({
      type: 'clipping',
      kind: 'imperfection',
      column,
      start: timestamps[start]!,
      end: timestamps[i - 1]!,
      details: { bound: upper ? 'max' : 'min', limit: upper ? max : min, samples: i - start },
    });
  }
  return labels;
}

/** Lose each value with probability `rate` (it becomes NaN), labelling each run of lost values. */
export function dropValues(
  values: Float64Array,
  rate: number,
  rng: Rng,
  timestamps: Float64Array,
  column: string,
): AnomalyLabel[] {
  const fr = new FastRandom(rng);
  const u = new Float64Array(CHUNK);
  for (let from = 0; from < values.length; from += CHUNK) {
    const n = Math.min(CHUNK, values.length - from);
    fr.fillUniform(u, n);
    for (let i = 0; i < n; i++) if (u[i]! < rate) values[from + i] = NaN;
  }
  const labels: AnomalyLabel[] = [];
  let runStart = -1;
  for (let i = 0; i <= values.length; i++) {
    const missing = i < values.length && Number.isNaN(values[i]!);
    if (missing && runStart < 0) runStart = i;
    if (!missing && runStart >= 0) {
      labels.push({
        type: 'missing',
        kind: 'imperfection',
        column,
        start: timestamps[runStart]!,
        end: timestamps[i - 1]!,
        details: { samples: i - runStart },
      });
      runStart = -1;
    }
  }
  return labels;
}
