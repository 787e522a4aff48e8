import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.js';
import { formatTimestamp } from '../../../src/engines/export/options.js';

describe('formatTimestamp', () => {
  it('writes what toISOString writes, for runs of rows, random times, edges and odd values', () => {
    const rng = createRng('iso');
    const times: number[] = [0, 999, 59_999, 60_000, -1, -60_001, 253_402_300_799_999, 253_402_300_800_000, 1.5, -0.5];
    for (let t = Date.UTC(2024, 1, 28, 23, 59); t < Date.UTC(2024, 2, 1, 0, 2); t += 7_777) times.push(t);
    for (let k = 0; k < 5000; k++) times.push(Math.floor(rng.next() * 4_102_444_800_000));
    for (const t of times) expect(formatTimestamp(t, 'iso')).toBe(new Date(t).toISOString());
    expect(formatTimestamp(1_700_000_000_123, 'ms')).toBe('1700000000123');
  });
});
