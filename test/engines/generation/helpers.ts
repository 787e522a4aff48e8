import { expect } from 'vitest';
import { TsiotError } from '../../../src/core/errors.js';
import { parseInput } from '../../../src/core/input-errors.js';
import { createRng, type Seed } from '../../../src/core/rng.js';
import type { ProgressFn, TimeSeries } from '../../../src/core/types.js';
import { statisticalGenerator } from '../../../src/engines/generation/statistical/index.js';
import {
  StatisticalParamsSchema,
  type StatisticalParams,
  type StatisticalParamsInput,
} from '../../../src/engines/generation/statistical/schema.js';

export function params(input: StatisticalParamsInput): StatisticalParams {
  return parseInput(StatisticalParamsSchema, input, 'parameters for generator "statistical"');
}

/** Generate with the statistical generator as the service would (schema-parsed parameters, seeded Rng). */
export async function generate(
  input: StatisticalParamsInput,
  seed: Seed = 1,
  ctx: { signal?: AbortSignal; onProgress?: ProgressFn } = {},
): Promise<TimeSeries[]> {
  const out = await statisticalGenerator.create().generate(params(input), { rng: createRng(seed), ...ctx });
  return out.series;
}

export async function one(input: StatisticalParamsInput, seed: Seed = 1): Promise<TimeSeries> {
  const [s] = await generate(input, seed);
  return s!;
}

export function column(s: TimeSeries, name: string): Float64Array {
  const c = s.columns.find((c) => c.name === name);
  if (!c) throw new Error(`no column ${name} in ${s.columns.map((c) => c.name).join(', ')}`);
  return c.values;
}

export function bytes(a: Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

export function mean(a: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isNaN(a[i]!)) {
      s += a[i]!;
      n++;
    }
  }
  return s / n;
}

export function std(a: ArrayLike<number>): number {
  const m = mean(a);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - m) ** 2;
  return Math.sqrt(s / a.length);
}

export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! - ma;
    const y = b[i]! - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb);
}

export function autocorrelation(a: ArrayLike<number>, lag: number): number {
  return correlation(
    Array.prototype.slice.call(a, 0, a.length - lag) as number[],
    Array.prototype.slice.call(a, lag) as number[],
  );
}

/** Assert that fn rejects with invalid_input whose message names `field`. */
export async function expectInvalid(fn: () => unknown, field: string | RegExp): Promise<TsiotError> {
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected an invalid_input error').toBeInstanceOf(TsiotError);
  const e = error as TsiotError;
  expect(e.code).toBe('invalid_input');
  if (typeof field === 'string') expect(e.message).toContain(field);
  else expect(e.message).toMatch(field);
  return e;
}

/** Row indices whose timestamps lie inside [start, end]. */
export function rowsIn(s: TimeSeries, start: number, end: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.timestamps.length; i++) if (s.timestamps[i]! >= start && s.timestamps[i]! <= end) out.push(i);
  return out;
}
