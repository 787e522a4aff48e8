import { createRng } from '../../../src/core/rng.js';
import type { TimeSeries } from '../../../src/core/types.js';

export interface SeriesOptions {
  start?: number;
  intervalMs?: number;
  timestamps?: number[];
  ranges?: Record<string, { min: number; max: number }>;
  deviceId?: string;
}

/** A series from plain column arrays, one row per minute by default. */
export function series(
  name: string,
  columns: Record<string, ArrayLike<number>>,
  options: SeriesOptions = {},
): TimeSeries {
  const n = Object.values(columns)[0]?.length ?? 0;
  const start = options.start ?? Date.UTC(2025, 0, 1);
  const interval = options.intervalMs ?? 60_000;
  return {
    id: `ser_${name}`,
    name,
    metadata: { tags: {}, ...(options.deviceId ? { deviceId: options.deviceId } : {}) },
    timestamps: options.timestamps
      ? Float64Array.from(options.timestamps)
      : Float64Array.from({ length: n }, (_, i) => start + i * interval),
    columns: Object.entries(columns).map(([c, v]) => ({
      name: c,
      values: Float64Array.from(v),
      ...(options.ranges?.[c] ? { range: options.ranges[c] } : {}),
    })),
    labels: [],
  };
}

/**
 * A realistic sensor pair: a daily cycle (period 24 samples), AR(1) noise and
 * a humidity that moves against temperature. Different seeds give
 * independent draws of the same process.
 */
export function sensorData(n: number, seed: string | number): { temperature: Float64Array; humidity: Float64Array } {
  const rng = createRng(seed);
  const temperature = new Float64Array(n);
  const humidity = new Float64Array(n);
  let ar = 0;
  for (let t = 0; t < n; t++) {
    ar = 0.6 * ar + rng.normal() * 0.5;
    temperature[t] = 20 + 3 * Math.sin((2 * Math.PI * t) / 24) + ar;
    humidity[t] = 50 - 2 * (temperature[t]! - 20) + rng.normal();
  }
  return { temperature, humidity };
}
