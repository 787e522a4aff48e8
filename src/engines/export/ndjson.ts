import type { TimeSeries } from '../../core/types.js';
import { formatTimestamp, type ResolvedOptions } from './options.js';

/**
 * NDJSON, one object per row:
 *   {"timestamp":"2024-01-01T00:00:00.000Z","series":"<name>","<column>":1.5,"<other>":null}
 * with the series' own columns in order; a missing value (NaN) and the
 * non-finite values JSON cannot carry are null. With timestamps 'ms' the
 * timestamp is a number.
 */
export function* ndjsonPieces(series: readonly TimeSeries[], options: ResolvedOptions): Generator<string> {
  const iso = options.timestamps === 'iso';
  for (const s of series) {
    const head = `,"series":${JSON.stringify(s.name)}`;
    const keys = s.columns.map((c) => `,${JSON.stringify(c.name)}:`);
    for (let i = 0; i < s.timestamps.length; i++) {
      const t = formatTimestamp(s.timestamps[i]!, options.timestamps);
      let line = `{"timestamp":${iso ? `"${t}"` : t}${head}`;
      for (let k = 0; k < keys.length; k++) {
        const v = s.columns[k]!.values[i]!;
        line += keys[k]! + (Number.isFinite(v) ? String(v) : 'null');
      }
      yield `${line}}\n`;
    }
  }
}
