/** The shape embedding: size, normalisation, invariances, and that nearest neighbours are the similar shapes. */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.js';
import {
  cosineDistance,
  embeddingLayout,
  seriesEmbedding,
  shapeEmbedding,
} from '../../../src/engines/storage/embedding.js';

const wave = (n: number, f: (x: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i / n));
const sine = (n: number, cycles = 3) => wave(n, (x) => Math.sin(2 * Math.PI * cycles * x));
const norm = (v: Float32Array) => Math.hypot(...v);

describe('shapeEmbedding', () => {
  it('has the requested length and unit norm, and splits 64 as 40 + 12 + 12', () => {
    expect(embeddingLayout(64)).toEqual({ shape: 40, spectrum: 12, stats: 12 });
    for (const dims of [8, 32, 64, 256]) {
      const e = shapeEmbedding(sine(500), dims);
      expect(e.length).toBe(dims);
      expect(norm(e)).toBeCloseTo(1, 5);
    }
  });

  it('ignores offset, scale and sampling rate', () => {
    const base = shapeEmbedding(sine(400));
    expect(cosineDistance(base, shapeEmbedding(sine(400).map((v) => 20 + 5 * v)))).toBeLessThan(1e-5);
    expect(cosineDistance(base, shapeEmbedding(sine(1_000)))).toBeLessThan(0.01);
  });

  it('puts similar shapes close and different shapes far', () => {
    const rng = createRng(7);
    const noisy = sine(600).map((v) => v + 0.15 * rng.normal());
    const query = shapeEmbedding(noisy);
    const candidates = {
      sine: shapeEmbedding(sine(300)),
      fastSine: shapeEmbedding(sine(300, 11)),
      trend: shapeEmbedding(wave(300, (x) => x)),
      square: shapeEmbedding(wave(300, (x) => (Math.floor(x * 6) % 2 ? 1 : -1))),
      spike: shapeEmbedding(wave(300, (x) => (Math.abs(x - 0.5) < 0.01 ? 10 : 0))),
      noise: shapeEmbedding(Float64Array.from({ length: 300 }, () => rng.normal())),
    };
    const ranked = Object.entries(candidates).sort(
      ([, a], [, b]) => cosineDistance(query, a) - cosineDistance(query, b),
    );
    expect(ranked[0]![0]).toBe('sine');
    expect(cosineDistance(query, candidates.sine)).toBeLessThan(0.1);
    expect(cosineDistance(query, candidates.trend)).toBeGreaterThan(0.3);
  });

  it('interpolates missing values, and gives the zero vector when there is no value or no shape', () => {
    const withGaps = sine(400);
    for (let i = 50; i < 60; i++) withGaps[i] = NaN;
    expect(cosineDistance(shapeEmbedding(withGaps), shapeEmbedding(sine(400)))).toBeLessThan(0.02);
    expect(Array.from(shapeEmbedding([NaN, NaN], 16))).toEqual(new Array(16).fill(0));
    expect(Array.from(shapeEmbedding([], 16))).toEqual(new Array(16).fill(0));
    expect(Array.from(shapeEmbedding([5, 5, 5], 16))).toEqual(new Array(16).fill(0));
  });

  it('refuses dims outside 8…4096 with invalid_input', () => {
    expect(() => shapeEmbedding([1, 2, 3], 4)).toThrow(/dims/);
    expect(() => shapeEmbedding([1, 2, 3], 64.5)).toThrow(/dims/);
  });

  it('embeds a whole series by one column or all columns', () => {
    const s = {
      id: 's',
      name: 's',
      metadata: { tags: {} },
      timestamps: new Float64Array(200),
      labels: [],
      columns: [
        { name: 'a', values: sine(200) },
        { name: 'b', values: wave(200, (x) => x) },
      ],
    };
    expect(cosineDistance(seriesEmbedding(s, { column: 'a' }), shapeEmbedding(sine(200)))).toBeLessThan(1e-5);
    expect(norm(seriesEmbedding(s))).toBeCloseTo(1, 5);
    expect(() => seriesEmbedding(s, { column: 'zz' })).toThrow(/no column/);
  });
});
