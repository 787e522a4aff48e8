import type { TimeSeries } from '../../core/types.js';
import { ByteChunks, NUMBER_BYTES, utf8 } from './bytes.js';
import type { ResolvedOptions } from './options.js';

const SPACE = 32;
const LF = 10;

/*
 * InfluxDB line protocol with millisecond timestamps: write it with
 * precision=ms (e.g. POST /api/v2/write?precision=ms).
 *
 *   <measurement>,<tag>=<value>,… <field>=<value>,… <epoch ms>
 *
 * - measurement: options.measurement, else metadata.sensorType, else "tsiot".
 * - tags: device_id (metadata.deviceId), series (the series name) and every
 *   metadata tag, sorted by key in byte order as InfluxDB recommends; device_id
 *   and series win over metadata tags of the same key; empty keys or values
 *   are left out (InfluxDB rejects them).
 * - fields: one float field per value column; NaN and ±Infinity are left out,
 *   and a row with no field left is skipped.
 * - timestamps are rounded to whole milliseconds.
 * - escaping: backslash, comma and space in the measurement; backslash,
 *   comma, equals sign and space in tag keys, tag values and field keys. Line
 *   breaks cannot be escaped in line protocol and become spaces.
 */

const flat = (text: string) => text.replace(/[\r\n]+/g, ' ');

export function escapeMeasurement(text: string): string {
  return flat(text).replace(/[\\, ]/g, (c) => `\\${c}`);
}

export function escapeKey(text: string): string {
  return flat(text).replace(/[\\,= ]/g, (c) => `\\${c}`);
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

function tagSet(s: TimeSeries): string {
  const tags = new Map<string, string>();
  for (const [k, v] of Object.entries(s.metadata?.tags ?? {})) tags.set(k, String(v));
  if (s.metadata?.deviceId !== undefined) tags.set('device_id', String(s.metadata.deviceId));
  tags.set('series', s.name);
  return [...tags]
    .filter(([k, v]) => k !== '' && v !== '')
    .sort(([a], [b]) => byteOrder(a, b))
    .map(([k, v]) => `,${escapeKey(k)}=${escapeKey(v)}`)
    .join('');
}

/** Yields chunks of about options.chunkBytes; with
 * `into`, rows go on into that buffer and the last, partial chunk stays there. */
export function* lineChunks(
  series: readonly TimeSeries[],
  options: ResolvedOptions,
  into?: ByteChunks,
): Generator<Uint8Array> {
  const out = into ?? new ByteChunks(options.chunkBytes);
  for (const s of series) {
    const measurement = options.measurement ?? (s.metadata?.sensorType || 'tsiot');
    const prefix = utf8(`${escapeMeasurement(measurement)}${tagSet(s)} `);
    const keys = s.columns.map((c) => [utf8(`${escapeKey(c.name)}=`), utf8(`,${escapeKey(c.name)}=`)] as const);
    const values = s.columns.map((c) => c.values);
    let rowBytes = prefix.length + NUMBER_BYTES + 2;
    for (const [, k] of keys) rowBytes += k.length + NUMBER_BYTES;
    const ts = s.timestamps;
    for (let i = 0; i < ts.length; i++) {
      const cut = out.reserve(rowBytes);
      if (cut) yield cut;
      const mark = out.length;
      out.bytes(prefix);
      let fields = 0;
      for (let k = 0; k < keys.length; k++) {
        const v = values[k]![i]!;
        if (!Number.isFinite(v)) continue;
        out.bytes(keys[k]![fields === 0 ? 0 : 1]);
        out.number(v);
        fields++;
      }
      if (fields === 0) {
        out.rewind(mark);
        continue;
      }
      out.byte(SPACE);
      out.number(Math.round(ts[i]!));
      out.byte(LF);
    }
  }
  if (into) return;
  const last = out.take();
  if (last) yield last;
}
