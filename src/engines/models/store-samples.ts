/** Store sampled series all-or-nothing and shape a short preview. */
import { isoOf } from '../../core/time.js';
import type { TimeSeries } from '../../core/types.js';
import { newSeriesId } from '../generation/service.js';
import type { Storage, StoreResult } from '../storage/storage.js';

/** Store every series under a fresh id; on any failure remove what was stored and rethrow. */
export async function storeAll(storage: Storage, series: TimeSeries[], signal?: AbortSignal): Promise<StoreResult[]> {
  const stored: StoreResult[] = [];
  try {
    for (const s of series) {
      signal?.throwIfAborted();
      s.id = newSeriesId();
      stored.push(await storage.store(s));
    }
  } catch (e) {
    await Promise.allSettled(stored.map((r) => storage.delete(r.id)));
    throw e;
  }
  return stored;
}

/** The first rows of a series as [ISO time, value…]. */
export function previewRows(s: TimeSeries | undefined, rows: number): (string | number | null)[][] {
  if (!s) return [];
  const n = Math.min(rows, s.timestamps.length);
  const out: (string | number | null)[][] = [];
  for (let i = 0; i < n; i++)
    out.push([isoOf(s.timestamps[i]!), ...s.columns.map((c) => (Number.isNaN(c.values[i]!) ? null : c.values[i]!))]);
  return out;
}
