import { z } from 'zod';
import { TsiotError } from './errors.js';
import { MAX_EPOCH_MS } from './limits.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;

/** Parse "500ms", "10s", "1m", "2h", "1d", "1w" or a number of milliseconds. */
export function parseDuration(value: number | string, field = 'duration'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw badDuration(field, value);
    return value;
  }
  const m = DURATION_RE.exec(value.trim());
  if (!m) throw badDuration(field, value);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

function badDuration(field: string, value: unknown): TsiotError {
  return new TsiotError(
    'invalid_input',
    `${field}: expected a duration such as "1m", "15s", "1h", "7d" or a number of milliseconds, got ${JSON.stringify(value)}`,
    {
      details: { field, expected: 'duration', example: '1m' },
    },
  );
}

/**
 * Parse an ISO 8601 date-time, or epoch milliseconds, into epoch ms. A stamp
 * without a zone ("2025-01-01T06:00:00", "2025-01-01") is wall-clock time in
 * `timeZone` (an IANA name; default UTC) — never the server's local zone, so
 * the same input gives the same instant on every machine.
 */
export function parseTime(value: number | string, field = 'time', timeZone = 'UTC'): number {
  const t = typeof value === 'number' ? value : parseTimeString(value, timeZone);
  if (t === undefined || !isInstant(t)) throw badTime(field, value);
  return t;
}

/** Whether epoch ms lies inside the range of Date (±8.64e15 ms, about ±273,790 years). */
export function isInstant(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_EPOCH_MS;
}

/**
 * Refuse a regular grid whose last row would fall outside the range of Date,
 * before anything is generated: such a series has no timestamps to give.
 */
export function checkGrid(startMs: number, stepMs: number, rows: number, field = 'start'): void {
  const last = startMs + Math.max(0, rows - 1) * stepMs;
  if (isInstant(startMs) && isInstant(last)) return;
  throw new TsiotError(
    'invalid_input',
    `${field}: ${rows.toLocaleString('en-US')} rows every ${stepMs} ms from ${isInstant(startMs) ? new Date(startMs).toISOString() : startMs} would end outside the range of dates (±${MAX_EPOCH_MS} epoch ms)`,
    {
      details: { field, expected: `an instant within ±${MAX_EPOCH_MS} epoch ms`, example: '2025-01-01T00:00:00Z' },
      hint: 'Start earlier, use a shorter interval, or ask for fewer rows.',
    },
  );
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
/** A trailing zone that Date.parse reads the same everywhere (RFC 2822 stamps and the like). */
const EXPLICIT_ZONE_RE = /(?:\bZ|\bGMT|\bUTC|\bUT|[+-]\d{2}:?\d{2})$/i;

/** Epoch ms of an ISO 8601 string or epoch-ms digits, or undefined when it is neither. */
export function parseTimeString(value: string, timeZone = 'UTC'): number | undefined {
  const s = value.trim();
  if (/^-?\d+$/.test(s)) return Number(s);
  const m = ISO_RE.exec(s);
  if (m) {
    const [, y, mo, d, h, mi, sec, frac, zone] = m;
    const fields = {
      year: Number(y),
      month: Number(mo),
      day: Number(d),
      hour: Number(h ?? 0),
      minute: Number(mi ?? 0),
      second: Number(sec ?? 0),
      millisecond: frac ? Math.round(Number(`0.${frac}`) * 1000) : 0,
    };
    if (!validFields(fields)) return undefined;
    const local = utcOfFields(fields);
    if (zone === undefined) return wallClockToEpoch(local, timeZone);
    return local - zoneSuffixOffsetMs(zone);
  }
  if (!EXPLICIT_ZONE_RE.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

export interface DateFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** Whether the fields name a real calendar date and a time of day (24:00 excluded). */
export function validFields(f: DateFields): boolean {
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.hour > 23 || f.minute > 59 || f.second > 60) return false;
  return f.day <= daysInMonth(f.year, f.month);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1]!;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** The wall-clock fields as if they were UTC, in epoch ms (years 0–99 stay years 0–99). */
export function utcOfFields(f: DateFields): number {
  const d = new Date(0);
  d.setUTCFullYear(f.year, f.month - 1, f.day);
  d.setUTCHours(f.hour, f.minute, f.second, f.millisecond);
  return d.getTime();
}

function zoneSuffixOffsetMs(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0)) * 60_000;
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = zoneFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    zoneFormatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA zone name this runtime knows (or "UTC"). */
export function isTimeZone(timeZone: string): boolean {
  try {
    zoneFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Refuse an unknown zone name with a message naming the field. */
export function checkTimeZone(timeZone: string, field = 'timeZone'): void {
  if (isTimeZone(timeZone)) return;
  throw new TsiotError('invalid_input', `${field}: expected an IANA time zone name, got ${JSON.stringify(timeZone)}`, {
    details: { field, expected: 'IANA time zone', example: 'Europe/Berlin' },
  });
}

/** Offset of `timeZone` from UTC at the instant `epochMs`, in ms (east positive). */
export function zoneOffsetMs(timeZone: string, epochMs: number): number {
  const parts = zoneFormatter(timeZone).formatToParts(new Date(epochMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const bc = parts.find((p) => p.type === 'era')?.value === 'BC';
  const year = bc ? 1 - get('year') : get('year');
  const wall = utcOfFields({
    year,
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
    millisecond: 0,
  });
  return wall - (epochMs - (((epochMs % 1000) + 1000) % 1000));
}

const DAY_MS = 86_400_000;

/**
 * The instant at which clocks in `timeZone` show the wall-clock time `local`
 * (given as epoch ms of the same fields in UTC). Across a daylight-saving
 * change it resolves as JavaScript's Temporal "compatible" does: a time that
 * occurs twice is the earlier instant; a time skipped over moves forward by
 * the size of the gap.
 */
export function wallClockToEpoch(local: number, timeZone = 'UTC', offsetAt = zoneOffsetMs): number {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return local;
  const before = offsetAt(timeZone, local - DAY_MS);
  const after = offsetAt(timeZone, local + DAY_MS);
  const candidates = [local - before, local - after].filter((t, i) => offsetAt(timeZone, t) === (i ? after : before));
  if (candidates.length) return Math.min(...candidates);
  return local - before;
}

/** A cached `zoneOffsetMs` for converting many stamps: offsets are looked up once per quarter hour. */
export function cachedZoneOffset(): (timeZone: string, epochMs: number) => number {
  const cache = new Map<number, number>();
  let zone = '';
  return (timeZone, epochMs) => {
    if (timeZone !== zone) {
      cache.clear();
      zone = timeZone;
    }
    const key = Math.floor(epochMs / 900_000);
    let o = cache.get(key);
    if (o === undefined) {
      o = zoneOffsetMs(timeZone, key * 900_000);
      if (cache.size > 100_000) cache.clear();
      cache.set(key, o);
    }
    return o;
  };
}

function badTime(field: string, value: unknown): TsiotError {
  return new TsiotError(
    'invalid_input',
    `${field}: expected an ISO 8601 date-time or epoch milliseconds within ±${MAX_EPOCH_MS} (the range of dates), got ${JSON.stringify(value)}`,
    {
      details: { field, expected: 'ISO 8601 or epoch ms', example: '2025-01-01T00:00:00Z' },
    },
  );
}

export const DurationSchema = z
  .union([z.number().nonnegative(), z.string().regex(DURATION_RE, 'expected a duration like "1m", "15s", "1h", "7d"')])
  .describe('A duration: a number of milliseconds, or a string with a unit ms|s|m|h|d|w, e.g. "1m", "15s", "7d".');

export const TimeSchema = z
  .union([
    z
      .number()
      .min(-MAX_EPOCH_MS, `expected epoch ms within ±${MAX_EPOCH_MS} (the range of dates)`)
      .max(MAX_EPOCH_MS, `expected epoch ms within ±${MAX_EPOCH_MS} (the range of dates)`),
    z.string().refine((s) => {
      const t = parseTimeString(s);
      return t !== undefined && isInstant(t);
    }, 'expected an ISO 8601 date-time within the range of dates'),
  ])
  .describe(
    'A point in time: an ISO 8601 date-time ("2025-01-01T00:00:00Z"; without a zone it is UTC) or epoch milliseconds.',
  );

export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}
