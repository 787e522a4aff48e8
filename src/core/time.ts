import { z } from 'zod';
import { TsiotError } from './errors.js';

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

/** Parse an ISO 8601 date-time, or epoch milliseconds as a number, into epoch ms. */
export function parseTime(value: number | string, field = 'time'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw badTime(field, value);
    return value;
  }
  const s = value.trim();
  if (/^-?\d+$/.test(s)) return Number(s);
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw badTime(field, value);
  return t;
}

function badTime(field: string, value: unknown): TsiotError {
  return new TsiotError(
    'invalid_input',
    `${field}: expected an ISO 8601 date-time or epoch milliseconds, got ${JSON.stringify(value)}`,
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
    z.number(),
    z
      .string()
      .refine((s) => /^-?\d+$/.test(s.trim()) || !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 date-time'),
  ])
  .describe('A point in time: an ISO 8601 date-time ("2025-01-01T00:00:00Z") or epoch milliseconds.');

export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}
