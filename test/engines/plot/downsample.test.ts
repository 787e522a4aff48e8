import { describe, expect, it } from 'vitest';
import { downsampleMinMax } from '../../../src/engines/plot/downsample.js';

describe('downsampleMinMax', () => {
  it('keeps every row of a short line', () => {
    expect(downsampleMinMax(Float64Array.from([3, 1, 2]), 10)).toEqual({ index: [0, 1, 2], reduced: false });
  });

  it('keeps each bucket’s first, last, smallest and largest row, and a gap, in order', () => {
    const v = Float64Array.from({ length: 10_000 }, (_, i) => Math.sin(i / 300));
    v[4_321] = 50;
    v[7_000] = -50;
    v[9_000] = Number.NaN;
    const { index, reduced } = downsampleMinMax(v, 400);
    expect(reduced).toBe(true);
    expect(index.length).toBeLessThanOrEqual(400);
    expect(index).toContain(4_321);
    expect(index).toContain(7_000);
    expect(index).toContain(9_000);
    expect(index[0]).toBe(0);
    expect(index.at(-1)).toBe(9_999);
    for (let i = 1; i < index.length; i++) expect(index[i]!).toBeGreaterThan(index[i - 1]!);
  });
});
