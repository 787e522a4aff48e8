/**
 * Which training rows each input row can move. Preparing a series for a fit
 * fills gaps and resamples irregular sampling by linear interpolation, so a
 * row next to a gap also sets the values filled from it: changing that one
 * row changes every one of them. A private fit must count those rows in its
 * unit's sensitivity. Where values are missing and when rows were taken are
 * public (the privacy rules say so), so these spans are too.
 *
 * Input row r (in time order) moves at most the training rows lo[r]…hi[r]
 * (inclusive). Every filled value is a convex combination of at most two
 * observed values (or a copy of one at an edge), so it moves by no more than
 * the observed value does: the spans count rows, each moved by at most the
 * row's own change.
 */
export interface RowInfluence {
  lo: Int32Array;
  hi: Int32Array;
  /** Training rows in all. */
  rows: number;
}

/**
 * Spans of a regular series whose missing values (non-finite) are filled by
 * linear interpolation inside and by the nearest value at the edges:
 * `values` are the input columns, one training row per input row.
 */
export function fillInfluence(values: readonly Float64Array[], rows: number): RowInfluence {
  const lo = Int32Array.from({ length: rows }, (_, r) => r);
  const hi = Int32Array.from({ length: rows }, (_, r) => r);
  for (const v of values) {
    let prev = -1;
    let r = next(v, 0);
    while (r < rows) {
      const after = next(v, r + 1);
      const a = prev < 0 ? 0 : prev + 1;
      const b = after >= rows ? rows - 1 : after - 1;
      if (a < lo[r]!) lo[r] = a;
      if (b > hi[r]!) hi[r] = b;
      prev = r;
      r = after;
    }
  }
  return { lo, hi, rows };
}

/**
 * Spans of an irregular series resampled by linear interpolation onto a
 * regular grid (`start + g·step`, `gridRows` points): an observed value at
 * time t sets the grid points between its observed neighbours in its column.
 * Rounded outwards, so the spans may count one grid point too many, never one
 * too few.
 */
export function resampleInfluence(
  timestamps: Float64Array,
  values: readonly Float64Array[],
  start: number,
  step: number,
  gridRows: number,
): RowInfluence {
  const rows = timestamps.length;
  const at = (t: number, round: (x: number) => number) =>
    Math.min(gridRows - 1, Math.max(0, round((t - start) / step)));
  const lo = new Int32Array(rows);
  const hi = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    lo[r] = at(timestamps[r]!, Math.floor);
    hi[r] = at(timestamps[r]!, Math.ceil);
  }
  for (const v of values) {
    let prev = -1;
    let r = next(v, 0);
    while (r < rows) {
      const after = next(v, r + 1);
      const a = prev < 0 ? 0 : at(timestamps[prev]!, Math.floor);
      const b = after >= rows ? gridRows - 1 : at(timestamps[after]!, Math.ceil);
      if (a < lo[r]!) lo[r] = a;
      if (b > hi[r]!) hi[r] = b;
      prev = r;
      r = after;
    }
  }
  return { lo, hi, rows: gridRows };
}

/** The spans after keeping only the training rows from `cut` on. */
export function dropLeadingRows(influence: RowInfluence, cut: number): RowInfluence {
  const rows = influence.rows - cut;
  const shift = (x: Int32Array) => Int32Array.from(x, (v) => Math.min(rows - 1, Math.max(0, v - cut)));
  return { lo: shift(influence.lo), hi: shift(influence.hi), rows };
}

/** The spans of independent sequences laid end to end (as `TrainingData.series` concatenates them). */
export function concatInfluence(parts: readonly RowInfluence[]): RowInfluence {
  const n = parts.reduce((k, p) => k + p.lo.length, 0);
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  let at = 0;
  let offset = 0;
  for (const p of parts) {
    for (let r = 0; r < p.lo.length; r++) {
      lo[at + r] = p.lo[r]! + offset;
      hi[at + r] = p.hi[r]! + offset;
    }
    at += p.lo.length;
    offset += p.rows;
  }
  return { lo, hi, rows: offset };
}

/**
 * The most training rows that `count` consecutive input rows can move
 * together: the widest union of their spans (each span holds its own row, so
 * the union of consecutive spans has no holes). Without spans (data that
 * needed no filling) it is `count`.
 */
export function maxRowSpan(influence: RowInfluence | undefined, count: number): number {
  if (!influence) return count;
  const n = influence.lo.length;
  if (n === 0) return count;
  if (count >= n) return Math.max(count, influence.rows);
  const { lo, hi } = influence;
  // sliding minimum of lo and maximum of hi over windows of `count` rows
  const mins = new Int32Array(n);
  const maxs = new Int32Array(n);
  let minHead = 0;
  let minTail = 0;
  let maxHead = 0;
  let maxTail = 0;
  let widest = 0;
  for (let r = 0; r < n; r++) {
    while (minTail > minHead && lo[mins[minTail - 1]!]! >= lo[r]!) minTail--;
    mins[minTail++] = r;
    while (maxTail > maxHead && hi[maxs[maxTail - 1]!]! <= hi[r]!) maxTail--;
    maxs[maxTail++] = r;
    if (mins[minHead]! <= r - count) minHead++;
    if (maxs[maxHead]! <= r - count) maxHead++;
    if (r >= count - 1) widest = Math.max(widest, hi[maxs[maxHead]!]! - lo[mins[minHead]!]! + 1);
  }
  return Math.max(count, widest);
}

/** The first index from `from` whose value is finite, or the length. */
function next(v: Float64Array, from: number): number {
  let i = from;
  while (i < v.length && !Number.isFinite(v[i]!)) i++;
  return i;
}
