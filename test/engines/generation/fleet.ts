import { createRng } from '../../../src/core/rng.js';
import type { TimeSeries } from '../../../src/core/types.js';

export const SITES = ['plant-1', 'plant-2', 'plant-3'] as const;
const LEVEL: Record<string, number> = { 'plant-1': 20, 'plant-2': 40, 'plant-3': 60 };

/** A fleet of devices with static attributes: temperature level set by the site, a daily cycle, humidity tied to it. */
export function fleet(entities: number, rows: number, seed = 1): TimeSeries[] {
  const rng = createRng(seed);
  const start = Date.UTC(2025, 0, 1);
  return Array.from({ length: entities }, (_, e) => {
    const site = SITES[e % SITES.length]!;
    const model = e % 2 ? 'TH-200' : 'TH-100';
    const firmware = 1 + (e % 4);
    const phase = rng.nextDouble() * 2 * Math.PI;
    const temperature = new Float64Array(rows);
    const humidity = new Float64Array(rows);
    for (let t = 0; t < rows; t++) {
      temperature[t] = LEVEL[site]! + 3 * Math.sin((2 * Math.PI * t) / 24 + phase) + 0.3 * rng.normal();
      humidity[t] = 80 - 0.5 * temperature[t]! + rng.normal();
    }
    return {
      id: `dev-${e}`,
      name: `dev-${e}`,
      metadata: { tags: {}, attributes: { site, model, firmware } },
      timestamps: Float64Array.from({ length: rows }, (_, t) => start + t * 3_600_000),
      columns: [
        { name: 'temperature', unit: '°C', values: temperature },
        { name: 'humidity', unit: '%', values: humidity },
      ],
      labels: [],
    };
  });
}
