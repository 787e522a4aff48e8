import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { formatCount } from '../../src/core/numbers.js';

describe('formatCount', () => {
  it("writes every count as toLocaleString('en-US') does", () => {
    const edges = [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 9999, 10_000, 99_999, 100_000, 999_999, 1_000_000, 5_000_000];
    const rng = createRng(7);
    const random = Array.from({ length: 2000 }, (_, i) => Math.floor(rng.next() * 10 ** (i % 16)));
    const others = [
      -1,
      -1234,
      1.5,
      1234.5678,
      Number.MAX_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER + 2,
      1e21,
      Number.NaN,
      Infinity,
    ];
    for (const n of [...edges, ...random, ...others]) expect(formatCount(n), String(n)).toBe(n.toLocaleString('en-US'));
  });
});
