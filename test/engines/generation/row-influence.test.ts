import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.js';
import type { TimeSeries } from '../../../src/core/types.js';
import { fillInfluence, maxRowSpan } from '../../../src/engines/generation/row-influence.js';
import { prepareTrainingData } from '../../../src/engines/models/training-data.js';
import { prepareTrainingSequences } from '../../../src/engines/models/training-sequences.js';

const series = (timestamps: number[], values: Record<string, number[]>): TimeSeries => ({
  id: 's',
  name: 's',
  metadata: { tags: {} },
  timestamps: Float64Array.from(timestamps),
  columns: Object.entries(values).map(([name, v]) => ({ name, values: Float64Array.from(v) })),
  labels: [],
});

describe('row influence of gap filling', () => {
  it('spans on known gaps: inside, at both edges, a row between two gaps', () => {
    const N = Number.NaN;
    //            0  1  2  3  4  5  6  7  8  9
    const v = [N, 1, 2, N, N, 5, N, 7, 8, N];
    const inf = fillInfluence([Float64Array.from(v)], v.length);
    // row 1 fills the leading edge (row 0); row 2 and row 5 set rows 3–4; row 5 and row 7 set row 6;
    // row 8 fills the trailing edge (row 9); rows 0, 3, 4, 6, 9 are missing and move only their own row
    expect(Array.from(inf.lo)).toEqual([0, 0, 2, 3, 4, 3, 6, 6, 8, 9]);
    expect(Array.from(inf.hi)).toEqual([0, 1, 4, 3, 4, 6, 6, 7, 9, 9]);
    expect(maxRowSpan(inf, 1)).toBe(4); // row 5: rows 3–6
    expect(maxRowSpan(inf, 2)).toBe(5); // rows 4–5 or 5–6: rows 2–6 / 3–7
    expect(maxRowSpan(inf, 10)).toBe(10);
    expect(maxRowSpan(undefined, 7)).toBe(7);
  });

  it('a column observed where another is missing widens the row by the other column only', () => {
    const N = Number.NaN;
    const a = Float64Array.from([1, N, N, 4, 5]);
    const b = Float64Array.from([1, 2, 3, 4, N]);
    const inf = fillInfluence([a, b], 5);
    expect(Array.from(inf.lo)).toEqual([0, 1, 2, 1, 4]);
    expect(Array.from(inf.hi)).toEqual([2, 1, 2, 4, 4]);
  });

  it('gap-free regular data carries no spans: every row moves only itself', () => {
    const d = prepareTrainingData(series([0, 1000, 2000, 3000], { x: [1, 2, 3, 5] }));
    expect(d.influence).toBeUndefined();
  });

  /**
   * The claim the private learners rely on: changing one input row (or w consecutive
   * ones) by at most Δ per value changes at most maxRowSpan(·, w) training rows, each
   * value by at most Δ. Checked on random gappy and irregular series.
   */
  it('bounds what changing consecutive rows does to the prepared data (random gaps and irregular sampling)', () => {
    const rng = createRng(5);
    for (let trial = 0; trial < 300; trial++) {
      const n = 20 + rng.int(0, 60);
      const irregular = trial % 3 === 0;
      let t = 0;
      const timestamps = Array.from({ length: n }, () => {
        const at = t;
        t += irregular ? 1000 * (1 + rng.int(0, 3)) + rng.int(0, 700) : 1000;
        return at;
      });
      const cols = ['a', 'b'].map(() =>
        Array.from({ length: n }, () => (rng.next() < 0.3 ? Number.NaN : 2 * rng.next() - 1)),
      );
      for (const c of cols) c[rng.int(0, n - 1)] = 0.5; // at least one value
      const w = 1 + rng.int(0, 4);
      const from = rng.int(0, n - w);
      const delta = 2;
      const changed = cols.map((c) =>
        c.map((v, i) => (i >= from && i < from + w && Number.isFinite(v) ? v + delta : v)),
      );
      const before = prepareTrainingData(series(timestamps, { a: cols[0]!, b: cols[1]! }), { allowConstant: true });
      const after = prepareTrainingData(series(timestamps, { a: changed[0]!, b: changed[1]! }), {
        allowConstant: true,
      });
      // the changed rows' own spans, and the widest span of any w rows
      const inf = before.influence ?? fillInfluence([], n);
      const lo = Math.min(...inf.lo.slice(from, from + w));
      const hi = Math.max(...inf.hi.slice(from, from + w));
      let rowsMoved = 0;
      for (let r = 0; r < before.series.timestamps.length; r++) {
        let moved = false;
        for (let c = 0; c < 2; c++) {
          const d = Math.abs(after.series.columns[c]!.values[r]! - before.series.columns[c]!.values[r]!);
          expect(d).toBeLessThanOrEqual(delta + 1e-9);
          if (d > 1e-12) moved = true;
        }
        if (moved) {
          rowsMoved++;
          expect(r).toBeGreaterThanOrEqual(lo);
          expect(r).toBeLessThanOrEqual(hi);
        }
      }
      expect(rowsMoved).toBeLessThanOrEqual(maxRowSpan(before.influence, w));
    }
  });

  it('independent sequences lay their spans end to end', () => {
    const N = Number.NaN;
    const d = prepareTrainingSequences([
      series([0, 1000, 2000], { x: [1, 2, 3] }),
      series([0, 1000, 2000, 3000], { x: [1, N, N, 4] }),
    ]);
    expect(d.influence!.rows).toBe(7);
    expect(Array.from(d.influence!.lo)).toEqual([0, 1, 2, 3, 4, 5, 4]);
    expect(Array.from(d.influence!.hi)).toEqual([0, 1, 2, 5, 4, 5, 6]);
    expect(maxRowSpan(d.influence, 1)).toBe(3);
  });
});
