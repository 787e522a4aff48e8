/**
 * InfluxDB line protocol encoding for series points.
 *
 * One line per row: `<measurement>,tsiot_id=<id>,tsiot_gen=<gen>[,<user tags>] <col>=<v>,… <time>`.
 * Missing values (NaN) are left out of the line; a row where every value is
 * missing carries the marker field `_empty=1` so its timestamp survives.
 * Times are integer milliseconds (precision=ms) when every timestamp is whole,
 * else integer microseconds (precision=u).
 */
import { TsiotError } from '../../../core/errors.js';
import type { TimeSeries } from '../../../core/types.js';

export const ID_TAG = 'tsiot_id';
export const GEN_TAG = 'tsiot_gen';
export const EMPTY_FIELD = '_empty';
/** Tag and field keys the backend reserves for itself or InfluxDB forbids. */
const RESERVED = new Set([ID_TAG, GEN_TAG, EMPTY_FIELD, 'time', '_field', '_measurement']);

/** InfluxDB's representable range: int64 nanoseconds around the epoch, in ms. */
export const MIN_TIME_MS = -9_223_372_036_854;
export const MAX_TIME_MS = 9_223_372_036_854;

export type Precision = 'ms' | 'u';

/** Escape a measurement name (commas and spaces). */
export function escapeMeasurement(s: string): string {
  return s.replace(/[, \\]/g, (c) => `\\${c}`);
}

/** Escape a tag key, tag value or field key (commas, equals signs, spaces). */
export function escapeKey(s: string): string {
  return s.replace(/[,= \\]/g, (c) => `\\${c}`);
}

/** A string field value in double quotes. */
export function stringField(s: string): string {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** The precision that represents every timestamp of the series exactly. */
export function precisionFor(timestamps: Float64Array): Precision {
  for (let i = 0; i < timestamps.length; i++) if (!Number.isInteger(timestamps[i]!)) return 'u';
  return 'ms';
}

/**
 * Refuse what InfluxDB cannot hold faithfully: timestamps outside its int64-ns
 * range, two rows at one timestamp (a later point replaces an earlier one),
 * infinite values, reserved or invalid keys.
 */
export function checkForInflux(s: TimeSeries, backend: string, minTimeMs = MIN_TIME_MS): void {
  const unsupported = (message: string, details: Record<string, unknown>) =>
    new TsiotError('unsupported', `${backend}: series "${s.id}": ${message}`, { details: { id: s.id, ...details } });
  const n = s.timestamps.length;
  if (n && (s.timestamps[0]! < minTimeMs || s.timestamps[n - 1]! > MAX_TIME_MS)) {
    throw unsupported(
      `timestamps must lie between ${new Date(Math.max(minTimeMs, -8.64e15)).toISOString()} and ${new Date(MAX_TIME_MS).toISOString()}`,
      {
        first: s.timestamps[0],
        last: s.timestamps[n - 1],
        min: minTimeMs,
        max: MAX_TIME_MS,
      },
    );
  }
  for (let i = 1; i < n; i++) {
    if (s.timestamps[i] === s.timestamps[i - 1]) {
      throw unsupported(
        `rows #${i - 1} and #${i} share timestamp ${s.timestamps[i]}; InfluxDB keeps one point per timestamp`,
        { row: i },
      );
    }
  }
  for (const c of s.columns) {
    if (RESERVED.has(c.name) || c.name.includes('\n'))
      throw unsupported(`column name "${c.name}" is reserved or invalid in InfluxDB`, { column: c.name });
    for (let i = 0; i < c.values.length; i++) {
      if (c.values[i] === Infinity || c.values[i] === -Infinity)
        throw unsupported(`column "${c.name}" row #${i} is infinite; InfluxDB stores finite floats only`, {
          column: c.name,
          row: i,
        });
    }
  }
  for (const [k, v] of Object.entries(s.metadata.tags ?? {})) {
    if (RESERVED.has(k) || k === '' || k.includes('\n') || v.includes('\n'))
      throw unsupported(`tag "${k}" is reserved or invalid in InfluxDB`, { tag: k });
  }
}

/**
 * The data lines of a series as request bodies of `batchLines` lines each
 * (newline-terminated). Built by appending to one string per batch: about
 * three times faster than joining per-line strings.
 */
export function* dataLines(
  s: TimeSeries,
  measurement: string,
  gen: string,
  precision: Precision,
  batchLines: number,
): Generator<string> {
  let head = `${escapeMeasurement(measurement)},${ID_TAG}=${escapeKey(s.id)},${GEN_TAG}=${escapeKey(gen)}`;
  const tags = Object.entries(s.metadata.tags ?? {})
    .filter(([, v]) => v !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [k, v] of tags) head += `,${escapeKey(k)}=${escapeKey(v)}`;
  head += ' ';
  const keys = s.columns.map((c) => `${escapeKey(c.name)}=`);
  const commaKeys = keys.map((k) => `,${k}`);
  const cols = s.columns.map((c) => c.values);
  const width = cols.length;
  const n = s.timestamps.length;
  const micros = precision === 'u';
  let text = '';
  let count = 0;
  for (let i = 0; i < n; i++) {
    let fields = '';
    for (let j = 0; j < width; j++) {
      const v = cols[j]![i]!;
      // NaN (missing) is left out; -0 keeps its sign.
      if (!Number.isNaN(v)) fields += (fields === '' ? keys[j]! : commaKeys[j]!) + (v === 0 && 1 / v < 0 ? '-0' : v);
    }
    const t = s.timestamps[i]!;
    text += `${head}${fields === '' ? `${EMPTY_FIELD}=1` : fields} ${micros ? Math.round(t * 1000) : t}\n`;
    if (++count === batchLines) {
      yield text;
      text = '';
      count = 0;
    }
  }
  if (count) yield text;
}
