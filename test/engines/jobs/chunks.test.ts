import { describe, expect, it } from 'vitest';
import { nextCronRun } from '../../../src/engines/jobs/cron.js';
import { backoffDelay } from '../../../src/engines/jobs/backoff.js';
import { planChunks, planDeviceChunks, windowRows } from '../../../src/engines/jobs/handlers/chunks.js';

describe('planDeviceChunks', () => {
  it('groups whole small devices, and cuts a large one into windows that cover its rows once', () => {
    const grouped = planDeviceChunks(13, 1200, 2500);
    expect(grouped.count).toBe(7);
    expect(grouped.values).toBe(13 * 1200);
    expect([0, 1, 6].map((k) => grouped.sliceFor(k))).toEqual([
      { first: 0, last: 2, window: 0, windows: 1 },
      { first: 2, last: 4, window: 0, windows: 1 },
      { first: 12, last: 13, window: 0, windows: 1 },
    ]);
    const cut = planDeviceChunks(2, 14_000, 2000);
    expect(cut.count).toBe(14);
    expect(cut.sliceFor(9)).toEqual({ first: 1, last: 2, window: 2, windows: 7 });
    let next = 0;
    for (let w = 0; w < 7; w++) {
      const { lo, hi } = windowRows(6999, w, 7);
      expect(lo).toBe(next);
      next = hi;
    }
    expect(next).toBe(6999);
  });
});

describe('planChunks', () => {
  const rowsOf = (p: Record<string, unknown>) => Math.ceil(((p.end as number) - (p.start as number)) / 1000);

  it('cuts a span into contiguous, interval-aligned windows whose sizes add up', () => {
    const plan = planChunks(
      { start: 0, points: 10_500, interval: 1000, devices: 2 },
      (p) => 2 * (typeof p.points === 'number' ? p.points : rowsOf(p)),
      1000,
    );
    expect(plan.values).toBe(21_000);
    expect(plan.count).toBe(21); // 500 rows (1000 values) per chunk
    let at = 0;
    let rows = 0;
    for (let k = 0; k < plan.count; k++) {
      const p = plan.paramsFor(k);
      expect(p.start).toBe(at);
      expect(p).not.toHaveProperty('points');
      expect(((p.end as number) - (p.start as number)) % 1000).toBe(0);
      rows += rowsOf(p);
      at = p.end as number;
    }
    expect(at).toBe(10_500_000);
    expect(rows).toBe(10_500);
  });

  it('understands ISO starts, durations and end', () => {
    const a = planChunks({ start: '2025-01-01T00:00:00Z', duration: '1h', interval: '1m' }, () => 60, 25);
    expect(a.count).toBe(3);
    expect(a.paramsFor(2)).toMatchObject({
      start: Date.parse('2025-01-01T00:50:00Z'),
      end: Date.parse('2025-01-01T01:00:00Z'),
    });
    expect(a.paramsFor(0)).not.toHaveProperty('duration');
    const b = planChunks({ start: 0, end: 10_000, interval: 1000 }, () => 10, 4);
    expect(b.count).toBe(3);
  });

  it('runs a generator without a time span as one chunk', () => {
    const p = { points: 10, step: 2 };
    const plan = planChunks(p, () => 10, 3);
    expect(plan.count).toBe(1);
    expect(plan.paramsFor(0)).toBe(p);
  });
});

describe('cron and backoff', () => {
  it('computes the next run, and explains a malformed expression with examples', () => {
    expect(nextCronRun('0 * * * *', 'UTC', new Date('2025-01-01T10:15:00Z')).toISOString()).toBe(
      '2025-01-01T11:00:00.000Z',
    );
    expect(nextCronRun('*/10 * * * * *', 'UTC', new Date('2025-01-01T10:15:01Z')).toISOString()).toBe(
      '2025-01-01T10:15:10.000Z',
    );
    for (const bad of ['', 'hourly', '* * *', '61 * * * *', '* * * * * * *']) {
      expect(() => nextCronRun(bad)).toThrow(
        expect.objectContaining({ code: 'invalid_input', message: expect.stringContaining('"0 * * * *"') }),
      );
    }
  });

  it('doubles the retry delay', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 100))).toEqual([100, 200, 400, 800]);
    expect(backoffDelay(40, 1000)).toBe(3_600_000);
  });
});
