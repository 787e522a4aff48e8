import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../../src/core/rng.js';
import type { TimeSeries } from '../../../src/core/types.js';
import { DuckDbStorage } from '../../../src/engines/storage/duckdb/index.js';

/** A DuckDB file in a fresh temporary folder. */
export async function tempStore(): Promise<{ store: DuckDbStorage; path: string; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'tsiot-models-'));
  const path = join(dir, 'models.duckdb');
  const store = new DuckDbStorage({ path });
  await store.init();
  return {
    store,
    path,
    async cleanup() {
      await store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Two correlated AR(1) columns at one-minute steps. */
export function twoColumnSeries(n: number, seed = 1): TimeSeries {
  const rng = createRng(seed);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  let x = 0;
  let y = 0;
  for (let t = 0; t < n; t++) {
    const z1 = rng.normal();
    const z2 = 0.8 * z1 + 0.6 * rng.normal();
    x = 0.7 * x + z1;
    y = 0.4 * y + z2;
    a[t] = 20 + x;
    b[t] = 50 + 2 * y;
  }
  const start = Date.UTC(2025, 0, 1);
  return {
    id: 'real',
    name: 'real',
    metadata: { tags: {} },
    timestamps: Float64Array.from({ length: n }, (_, i) => start + i * 60_000),
    columns: [
      { name: 'temperature', unit: 'C', values: a },
      { name: 'humidity', unit: '%', values: b },
    ],
    labels: [],
  };
}
