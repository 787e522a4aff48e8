import { createRng } from '../../../../../src/core/rng.js';
import type { TimeSeries } from '../../../../../src/core/types.js';
import type { TrainingData } from '../../../../../src/engines/generation/learner.js';
import { prepareTrainingData } from '../../../../../src/engines/models/training-data.js';

export const HOUR = 3_600_000;

/** A daily profile with a sharp morning rise and a slow evening fall (not a sine). */
export function dailyProfile(): number[] {
  const p = Array.from({ length: 24 }, (_, h) =>
    h < 6 ? -2 : h < 9 ? -2 + (h - 5) * 1.5 : h < 18 ? 2.5 - 0.1 * (h - 9) : 1.6 - (h - 17) * 0.6,
  );
  const m = p.reduce((a, b) => a + b, 0) / 24;
  return p.map((v) => v - m);
}

/** Pure-function mean of a variable: level + slope·t + daily profile. */
export interface HourlyOptions {
  rows: number;
  seed?: number;
  level?: number;
  slope?: number;
  phi?: number;
  noiseStd?: number;
  /** Skewed noise: centred exponential innovations instead of normal ones. */
  skewed?: boolean;
  weekly?: number;
}

/** Hourly series: level + slope·t + daily profile (+ weekly sine) + AR(1) noise. */
export function hourlySeries(o: HourlyOptions): { series: TimeSeries; mean: Float64Array; noise: Float64Array } {
  const rng = createRng(o.seed ?? 1);
  const prof = dailyProfile();
  const values = new Float64Array(o.rows);
  const mean = new Float64Array(o.rows);
  const noise = new Float64Array(o.rows);
  const phi = o.phi ?? 0.6;
  const sd = o.noiseStd ?? 0.5;
  let x = 0;
  for (let t = 0; t < o.rows; t++) {
    const e = o.skewed ? rng.exponential() - 1 : rng.normal();
    x = phi * x + sd * Math.sqrt(1 - phi * phi) * e;
    mean[t] =
      (o.level ?? 20) +
      (o.slope ?? 0) * t +
      prof[t % 24]! +
      (o.weekly ? o.weekly * Math.sin((2 * Math.PI * t) / 168) : 0);
    noise[t] = x;
    values[t] = mean[t]! + x;
  }
  const start = Date.UTC(2025, 0, 6);
  return {
    series: {
      id: 'real',
      name: 'real',
      metadata: { tags: {} },
      timestamps: Float64Array.from({ length: o.rows }, (_, i) => start + i * HOUR),
      columns: [{ name: 'temperature', unit: 'C', values }],
      labels: [],
    },
    mean,
    noise,
  };
}

export function training(series: TimeSeries): TrainingData {
  return prepareTrainingData(series);
}

export function meanOf(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s / x.length;
}

export function stdOf(x: ArrayLike<number>): number {
  const m = meanOf(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - m) ** 2;
  return Math.sqrt(s / x.length);
}

export function lag1(x: ArrayLike<number>): number {
  const m = meanOf(x);
  let c0 = 0;
  let c1 = 0;
  for (let i = 0; i < x.length; i++) c0 += (x[i]! - m) ** 2;
  for (let i = 1; i < x.length; i++) c1 += (x[i]! - m) * (x[i - 1]! - m);
  return c1 / c0;
}

/** Mean per phase minus the overall mean. */
export function phaseProfile(x: ArrayLike<number>, period: number, offset = 0): number[] {
  const sum = new Float64Array(period);
  const count = new Float64Array(period);
  for (let i = 0; i < x.length; i++) {
    sum[(i + offset) % period]! += x[i]!;
    count[(i + offset) % period]!++;
  }
  const p = Array.from(sum, (s, j) => s / count[j]!);
  const m = meanOf(p);
  return p.map((v) => v - m);
}
