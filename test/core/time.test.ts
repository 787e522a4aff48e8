import { describe, expect, it } from 'vitest';
import { parseTime, TimeSchema, utcOfFields, wallClockToEpoch } from '../../src/core/time.js';

const iso = (t: number) => new Date(t).toISOString();
const wall = (y: number, mo: number, d: number, h: number, mi = 0) =>
  utcOfFields({ year: y, month: mo, day: d, hour: h, minute: mi, second: 0, millisecond: 0 });

describe('parseTime', () => {
  it('reads zone-less ISO stamps as UTC (or the zone given), never the server zone', () => {
    expect(iso(parseTime('2025-01-01T06:00:00'))).toBe('2025-01-01T06:00:00.000Z');
    expect(iso(parseTime('2025-01-01 06:00'))).toBe('2025-01-01T06:00:00.000Z');
    expect(iso(parseTime('2025-01-01'))).toBe('2025-01-01T00:00:00.000Z');
    expect(iso(parseTime('2025-07-01T06:00:00', 't', 'Europe/Berlin'))).toBe('2025-07-01T04:00:00.000Z');
    expect(iso(parseTime('2025-01-01T06:00:00.5+05:30'))).toBe('2025-01-01T00:30:00.500Z');
    expect(iso(parseTime('2025-01-01T06:00:00Z', 't', 'Asia/Tokyo'))).toBe('2025-01-01T06:00:00.000Z');
    expect(iso(parseTime('Wed, 01 Jan 2025 00:00:00 GMT'))).toBe('2025-01-01T00:00:00.000Z');
    expect(parseTime('1735689600000')).toBe(1_735_689_600_000);
  });

  it('refuses what is not a date-time, naming the field', () => {
    expect(() => parseTime('2025-02-30T00:00:00', 'start')).toThrow(/^start: expected an ISO 8601 date-time/);
    // Date.parse would read this in the server's zone
    expect(() => parseTime('Jan 1 2025 06:00', 'start')).toThrow(/^start: expected/);
    expect(TimeSchema.safeParse('2025-01-01T00:00:00').success).toBe(true);
    expect(TimeSchema.safeParse('January first').success).toBe(false);
  });
});

describe('wallClockToEpoch', () => {
  it('resolves daylight-saving gaps forward and repeated hours to the earlier instant', () => {
    expect(iso(wallClockToEpoch(wall(2024, 3, 10, 2, 30), 'America/New_York'))).toBe('2024-03-10T07:30:00.000Z');
    expect(iso(wallClockToEpoch(wall(2024, 11, 3, 1, 30), 'America/New_York'))).toBe('2024-11-03T05:30:00.000Z');
    expect(iso(wallClockToEpoch(wall(2024, 3, 31, 2, 30), 'Europe/Berlin'))).toBe('2024-03-31T01:30:00.000Z');
    expect(iso(wallClockToEpoch(wall(2024, 10, 27, 2, 30), 'Europe/Berlin'))).toBe('2024-10-27T00:30:00.000Z');
    expect(iso(wallClockToEpoch(wall(2024, 1, 1, 10), 'Asia/Kolkata'))).toBe('2024-01-01T04:30:00.000Z');
    expect(wallClockToEpoch(wall(2024, 1, 1, 10))).toBe(wall(2024, 1, 1, 10));
  });
});
