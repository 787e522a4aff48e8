import type { TimeSeries } from '../../core/types.js';
import type { ResolvedOptions } from './options.js';

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

export function* linePieces(series: readonly TimeSeries[], options: ResolvedOptions): Generator<string> {
  for (const s of series) {
    const measurement = options.measurement ?? (s.metadata?.sensorType || 'tsiot');
    const prefix = `${escapeMeasurement(measurement)}${tagSet(s)} `;
    const keys = s.columns.map((c) => `${escapeKey(c.name)}=`);
    for (let i = 0; i < s.timestamps.length; i++) {
      let fields = '';
      for (let k = 0; k < keys.length; k++) {
        const v = s.columns[k]!.values[i]!;
        if (Number.isFinite(v)) fields += `${fields ? ',' : ''}${keys[k]}${v}`;
      }
      if (fields) yield `${prefix}${fields} ${Math.round(s.timestamps[i]!)}\n`;
    }
  }
}
