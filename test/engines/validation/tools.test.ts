import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/core/logger.js';
import { runTool } from '../../../src/registry/run-tool.js';
import type { ToolContext } from '../../../src/registry/tool.js';
import { ValidationEngine } from '../../../src/engines/validation/index.js';
import { analyzeSeriesTool } from '../../../tools/analyze-series.js';
import { compareSeries } from '../../../tools/compare-series.js';
import { validateTimeseries } from '../../../tools/validate-timeseries.js';
import { makeEngines, type TestEngines } from '../../helpers/engines.js';
import { sensorData, series } from './helpers.js';

let engines: TestEngines;
const ctx = (): ToolContext => ({
  engines,
  logger: createLogger('silent'),
  signal: new AbortController().signal,
  progress: () => {},
});
const N = 24 * 30;

beforeAll(async () => {
  engines = await makeEngines();
  const real = series('real', sensorData(N, 'tool-real'), { ranges: { temperature: { min: -40, max: 85 } } });
  const syn = series('syn', sensorData(N, 'tool-syn'));
  real.id = 'ser_real';
  syn.id = 'ser_syn';
  syn.columns[0]!.values[100] = 60; // a spike
  await engines.storage.store(real);
  await engines.storage.store(syn);
});

afterAll(async () => {
  await engines.close();
});

describe('validate_timeseries', () => {
  it('validates stored series against inline reference data and stores the report', async () => {
    const ref = sensorData(N, 'tool-ref');
    const t = Array.from({ length: N }, (_, i) => Date.UTC(2025, 0, 1) + i * 60_000);
    const res = await runTool(
      validateTimeseries,
      {
        synthetic: 'ser_syn',
        reference: {
          name: 'inline-ref',
          timestamps: t,
          values: { temperature: Array.from(ref.temperature), humidity: Array.from(ref.humidity) },
        },
      },
      ctx(),
    );
    const out = res.structured as {
      id: string;
      uri: string;
      score: number;
      checks: { passed: unknown }[];
      checksTotal: number;
      validators: { metrics?: unknown }[];
    };
    expect(out.id).toMatch(/^rep_/);
    expect(out.uri).toBe(`tsiot://reports/${out.id}`);
    expect(out.score).toBeGreaterThan(50);
    expect(out.checks.every((c) => c.passed !== true)).toBe(true);
    expect(out.checksTotal).toBeGreaterThan(out.checks.length);
    expect(out.validators.every((v) => v.metrics === undefined)).toBe(true);
    expect(validateTimeseries.outputSchema.safeParse(out).success).toBe(true);
    const stored = await new ValidationEngine({ documents: engines.documents }).get(out.id);
    expect(stored.score).toBe(out.score);
    expect(stored.subject.reference?.[0]?.name).toBe('inline-ref');
    expect(res.summary).toContain(out.id);
  });

  it('names the field of bad inline data and refuses unknown ids', async () => {
    await expect(
      runTool(validateTimeseries, { synthetic: { timestamps: [1, 2, 3], values: { x: [1, 2] } } }, ctx()),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/synthetic\[0\]\.values\.x: 2 values but 3 timestamps/),
    });
    await expect(runTool(validateTimeseries, { synthetic: 'ser_nope' }, ctx())).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(
      runTool(validateTimeseries, { synthetic: 'ser_syn', rules: { privacy: { windowLength: 1 } } }, ctx()),
    ).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/privacy\.windowLength/) });
  });

  it('returns everything in full detail without storing', async () => {
    const res = await runTool(
      validateTimeseries,
      { synthetic: ['ser_syn', 'ser_real'], store: false, detail: 'full', rules: { validators: ['quality'] } },
      ctx(),
    );
    const out = res.structured as {
      id: null;
      checks: unknown[];
      checksTotal: number;
      validators: { metrics?: unknown }[];
    };
    expect(out.id).toBeNull();
    expect(out.checks).toHaveLength(out.checksTotal);
    expect(out.validators[0]!.metrics).toBeDefined();
  });
});

describe('compare_series', () => {
  it('compares two stored series column by column', async () => {
    const res = await runTool(compareSeries, { a: 'ser_real', b: 'ser_syn' }, ctx());
    const out = res.structured as {
      columns: { column: string; a: { mean: number }; differences: Record<string, number | null>; ksPValue: number }[];
      correlation: { a: number[][] };
    };
    expect(out.columns.map((c) => c.column)).toEqual(['temperature', 'humidity']);
    expect(out.columns[0]!.a.mean).toBeCloseTo(20, 0);
    expect(out.columns[0]!.differences.ks_statistic).toBeLessThan(0.15);
    expect(out.columns[0]!.ksPValue).toBeGreaterThan(0);
    expect(out.correlation.a[0]![1]).toBeLessThan(-0.5);
    expect(compareSeries.outputSchema.safeParse(out).success).toBe(true);
  });
});

describe('analyze_series', () => {
  it('finds the daily period, stationarity and the injected spike', async () => {
    const res = await runTool(analyzeSeriesTool, { id: 'ser_syn', columns: ['temperature'] }, ctx());
    const out = res.structured as {
      columns: {
        seasonality: { periods: { samples: number; duration: string }[] };
        stationarity: { verdict: string };
        anomalies: { items: { kind: string; start: string; value: number }[] };
      }[];
    };
    const c = out.columns[0]!;
    expect(c.seasonality.periods[0]).toMatchObject({ samples: 24, duration: '24m' }); // 24 one-minute samples
    expect(c.stationarity.verdict).toMatch(/^stationary/);
    expect(c.anomalies.items[0]).toMatchObject({
      kind: 'spike',
      value: 60,
      start: new Date(Date.UTC(2025, 0, 1) + 100 * 60_000).toISOString(),
    });
    expect(analyzeSeriesTool.outputSchema.safeParse(out).success).toBe(true);
    expect(res.summary).toMatch(/season 24m/);
  });
});
