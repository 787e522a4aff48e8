import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.js';
import { analyzeSeries, formatDuration } from '../../../src/engines/validation/analyze.js';
import { series } from './helpers.js';

describe('analyzeSeries', () => {
  it('calls a random walk non-stationary and measures a linear trend', () => {
    const rng = createRng('walk');
    let x = 0;
    const walk = Array.from({ length: 2000 }, () => (x += rng.normal()));
    const line = Array.from({ length: 2000 }, (_, i) => 0.2 * i + rng.normal());
    const a = analyzeSeries(series('walk', { walk, line }, { intervalMs: 3_600_000 }));
    expect(a.columns[0]!.stationarity.verdict).toMatch(/^non-stationary/);
    const c = a.columns[1]!;
    expect(c.trend.direction).toBe('up');
    expect(c.trend.slopePerDay!).toBeCloseTo(0.2 * 24, 1); // 0.2 per hourly sample
    expect(c.trend.strength!).toBeGreaterThan(0.9);
    expect(a.sampling.medianIntervalMs).toBe(3_600_000);
  });

  it('lists flat lines and spikes against the season, and counts gaps', () => {
    const rng = createRng('flat');
    const v = Array.from({ length: 1440 }, (_, i) => 10 * Math.sin((2 * Math.PI * i) / 144) + rng.normal() * 0.3);
    for (let i = 700; i < 720; i++) v[i] = 3;
    v[300] = v[300]! - 6; // a dip within the normal range of the cycle: only visible against the season
    const t = Array.from({ length: 1440 }, (_, i) => i * 600_000 + (i >= 1000 ? 3_600_000 : 0));
    const a = analyzeSeries(series('s', { x: v }, { timestamps: t }));
    const c = a.columns[0]!;
    expect(c.seasonality.periods[0]).toMatchObject({ samples: 144, duration: '1d' });
    const kinds = c.anomalies.items.map((i) => i.kind);
    expect(kinds).toContain('flat_line');
    const dip = c.anomalies.items.find((i) => i.kind === 'dip' && i.start === t[300]);
    expect(dip).toBeDefined();
    expect(c.anomalies.items.find((i) => i.kind === 'flat_line')).toMatchObject({
      start: t[700],
      end: t[719],
      score: 20,
    });
    expect(a.sampling.gaps).toBe(1);
  });

  it('explains what it cannot compute instead of returning NaN', () => {
    const a = analyzeSeries(series('tiny', { x: [1, NaN, 2], y: [NaN, NaN, NaN] }));
    expect(a.columns[0]!.notes.join(' ')).toMatch(/at least 20 values/);
    expect(a.columns[1]!.notes).toContain('no finite values');
    expect(JSON.stringify(a)).not.toMatch(/NaN/);
  });

  it('formats durations with the largest whole unit', () => {
    expect(formatDuration(86_400_000)).toBe('1d');
    expect(formatDuration(5_400_000)).toBe('90m');
    expect(formatDuration(604_800_000)).toBe('1w');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(5_432_100)).toBe('1.509h');
  });
});
