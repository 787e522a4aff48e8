import type { TimeSeries } from '../../core/types.js';
import { ByteChunks, NUMBER_BYTES, TIMESTAMP_BYTES, utf8 } from './bytes.js';
import type { ResolvedOptions } from './options.js';

const OPEN = utf8('{"timestamp":');
const NULL = utf8('null');
const QUOTE = 34;
const CLOSE = 125;
const LF = 10;

/**
 * NDJSON, one object per row:
 *   {"timestamp":"2024-01-01T00:00:00.000Z","series":"<name>","<column>":1.5,"<other>":null}
 * with the series' own columns in order; a missing value (NaN) and the
 * non-finite values JSON cannot carry are null. With timestamps 'ms' the
 * timestamp is a number. Yields chunks of about options.chunkBytes; with
 * `into`, rows go on into that buffer and the last, partial chunk stays there.
 */
export function* ndjsonChunks(
  series: readonly TimeSeries[],
  options: ResolvedOptions,
  into?: ByteChunks,
): Generator<Uint8Array> {
  const out = into ?? new ByteChunks(options.chunkBytes);
  const iso = options.timestamps === 'iso';
  for (const s of series) {
    const head = utf8(`,"series":${JSON.stringify(s.name)}`);
    const keys = s.columns.map((c) => utf8(`,${JSON.stringify(c.name)}:`));
    const values = s.columns.map((c) => c.values);
    let rowBytes = OPEN.length + TIMESTAMP_BYTES + 2 + head.length + 2;
    for (const k of keys) rowBytes += k.length + NUMBER_BYTES;
    const ts = s.timestamps;
    for (let i = 0; i < ts.length; i++) {
      const cut = out.reserve(rowBytes);
      if (cut) yield cut;
      out.bytes(OPEN);
      if (iso) out.byte(QUOTE);
      out.timestamp(ts[i]!, options.timestamps);
      if (iso) out.byte(QUOTE);
      out.bytes(head);
      for (let k = 0; k < keys.length; k++) {
        out.bytes(keys[k]!);
        const v = values[k]![i]!;
        if (Number.isFinite(v)) out.number(v);
        else out.bytes(NULL);
      }
      out.byte(CLOSE);
      out.byte(LF);
    }
  }
  if (into) return;
  const last = out.take();
  if (last) yield last;
}
