import { createRng } from '../../../src/core/rng.js';
import type { TimeSeries } from '../../../src/core/types.js';

/** A one-column series of n evenly spaced points whose values are f(x) for x in [0, 1). */
export function shapeSeries(id: string, f: (x: number, i: number) => number, n = 500, column = 'value'): TimeSeries {
  const t0 = 1_700_000_000_000;
  return {
    id,
    name: `${id} name`,
    metadata: { tags: {} },
    labels: [],
    timestamps: Float64Array.from({ length: n }, (_, i) => t0 + i * 60_000),
    columns: [{ name: column, values: Float64Array.from({ length: n }, (_, i) => f(i / n, i)) }],
  };
}

/** Sine-like, noise and ramp series: the fleet the similarity tests search. */
export function shapeFleet(): TimeSeries[] {
  const rng = createRng('similarity-fleet');
  const noise = (label: string) => {
    const r = rng.fork(label);
    return () => r.normal();
  };
  const jitter = noise('jitter');
  const n1 = noise('noise-1');
  const n2 = noise('noise-2');
  return [
    shapeSeries('sine-a', (x) => 20 + 5 * Math.sin(2 * Math.PI * 4 * x) + 0.2 * jitter()),
    shapeSeries('sine-b', (x) => -3 + 0.5 * Math.sin(2 * Math.PI * 4 * x + 0.3), 720),
    shapeSeries('noise-1', () => n1()),
    shapeSeries('noise-2', () => 10 + 3 * n2(), 640),
    shapeSeries('ramp-up', (x) => 100 * x),
    shapeSeries('ramp-b', (x) => 5 + 2 * x + 0.01 * Math.sin(40 * x), 300),
    shapeSeries('flat', () => 7),
  ];
}
