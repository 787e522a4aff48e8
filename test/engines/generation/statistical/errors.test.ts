import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../../src/core/errors.js';
import { parseInput } from '../../../../src/core/input-errors.js';
import type { Progress } from '../../../../src/core/types.js';
import { StatisticalParamsSchema } from '../../../../src/engines/generation/statistical/schema.js';
import { makeEngines, type TestEngines } from '../../../helpers/engines.js';
import { expectInvalid, generate } from '../helpers.js';

describe('statistical generator: bad parameters are refused naming the field', () => {
  it('rejects non-stationary AR coefficients', async () => {
    for (const ar of [[1.2], [1], [0.6, 0.5], [-1.5, -0.4]]) {
      const e = await expectInvalid(
        () => generate({ sensors: [{ type: 'temperature' }, { type: 'pressure', noise: { ar } }] }),
        'sensors[1].noise.ar',
      );
      expect(e.details).toMatchObject({ field: 'sensors.1.noise.ar' });
      expect(e.message).toMatch(/stationary/);
    }
    // stationary ones pass, including complex roots (-1.5, -0.7) and AR(3)
    for (const ar of [
      [-1.5, -0.7],
      [0.5, -0.3, 0.1],
    ]) {
      await expect(
        generate({ duration: '1h', sensors: [{ type: 'custom', noise: { ar, arStd: 1 } }] }),
      ).resolves.toHaveLength(1);
    }
  });

  it('rejects malformed correlation matrices', async () => {
    const sensors = [{ type: 'temperature' as const }, { type: 'humidity' as const }];
    await expectInvalid(
      () =>
        generate({
          sensors,
          correlation: [
            [1, 0.5, 0],
            [0.5, 1, 0],
            [0, 0, 1],
          ],
        }),
      /correlation: expected a 2×2 matrix/,
    );
    await expectInvalid(
      () => generate({ sensors, correlation: [[1, 0.5], [0.5]] }),
      /correlation: expected a 2×2 matrix/,
    );
    await expectInvalid(
      () =>
        generate({
          sensors,
          correlation: [
            [1, 0.5],
            [0.4, 1],
          ],
        }),
      /correlation\[1\]\[0\]: the matrix must be symmetric/,
    );
    await expectInvalid(
      () =>
        generate({
          sensors,
          correlation: [
            [0.9, 0.5],
            [0.5, 1],
          ],
        }),
      /correlation\[0\]\[0\]: the diagonal must be 1/,
    );
    const three = [{ type: 'temperature' as const }, { type: 'humidity' as const }, { type: 'pressure' as const }];
    await expectInvalid(
      () =>
        generate({
          sensors: three,
          correlation: [
            [1, 0.9, -0.9],
            [0.9, 1, 0.9],
            [-0.9, 0.9, 1],
          ],
        }),
      /correlation: the matrix is not positive definite/,
    );
    await expectInvalid(
      () =>
        generate({
          sensors: [{ type: 'temperature' }, { type: 'occupancy' }],
          correlation: [
            [1, 0.5],
            [0.5, 1],
          ],
        }),
      /correlation\[1\]\[0\]: sensor "occupancy" has no continuous noise/,
    );
    // the identity (or zeros for a 0/1 sensor) is fine
    await expect(
      generate({
        duration: '1h',
        sensors: [{ type: 'temperature' }, { type: 'occupancy' }],
        correlation: [
          [1, 0],
          [0, 1],
        ],
      }),
    ).resolves.toHaveLength(1);
  });

  it('rejects anomalies that name no sensor, devices that do not exist, types that do not apply, or that cannot fit', async () => {
    const sensors = [{ type: 'temperature' as const }, { type: 'occupancy' as const }];
    const e = await expectInvalid(
      () => generate({ sensors, anomalies: [{ type: 'spike' }, { type: 'dip', sensor: 'flow' }] }),
      'anomalies[1].sensor',
    );
    expect(e.message).toContain('"temperature", "occupancy"');
    await expectInvalid(
      () => generate({ devices: 2, anomalies: [{ type: 'spike', devices: [2] }] }),
      'anomalies[0].devices',
    );
    await expectInvalid(
      () => generate({ sensors, anomalies: [{ type: 'drift', sensor: 'occupancy' }] }),
      /anomalies\[0\]\.type: drift does not apply to sensor "occupancy"/,
    );
    await expectInvalid(
      () => generate({ duration: '1h', anomalies: [{ type: 'stuck', count: 5, duration: '20m' }] }),
      'anomalies[0].count',
    );
    // a sensor type names every sensor of that type; drift picks only the sensors it applies to
    const series = await generate({
      duration: '1d',
      sensors: [{ type: 'temperature', name: 'inlet' }, ...sensors],
      anomalies: [
        { type: 'drift', count: 4 },
        { type: 'spike', count: 4, sensor: 'temperature' },
      ],
    });
    const labels = series[0]!.labels;
    expect(labels.filter((l) => l.type === 'drift').every((l) => l.column !== 'occupancy')).toBe(true);
    expect(new Set(labels.filter((l) => l.type === 'spike').map((l) => l.column)).size).toBeLessThanOrEqual(2);
    expect(
      labels.filter((l) => l.type === 'spike').every((l) => l.column === 'inlet' || l.column === 'temperature'),
    ).toBe(true);
  });

  it('rejects impossible time spans, duplicate names, empty ranges and misplaced options', async () => {
    await expectInvalid(() => generate({ interval: 0 }), 'interval');
    await expectInvalid(
      () => generate({ start: '2025-02-01T00:00:00Z', end: '2025-01-01T00:00:00Z' }),
      /^end: must be after start/,
    );
    await expectInvalid(() => generate({ duration: 0 }), 'duration');
    await expectInvalid(
      () =>
        generate({
          sensors: [
            { type: 'temperature', name: 't' },
            { type: 'humidity', name: 't' },
          ],
        }),
      'sensors[1].name',
    );
    await expectInvalid(
      () => generate({ sensors: [{ type: 'custom', range: { min: 5, max: 5 } }] }),
      'sensors[0].range',
    );
    await expectInvalid(
      () => generate({ sensors: [{ type: 'temperature', dischargeDays: 3 }] }),
      'sensors[0].dischargeDays',
    );
    await expectInvalid(
      () => generate({ duration: '30m', imperfections: { gaps: { count: 20 } } }),
      'imperfections.gaps.count',
    );
  });

  it('names fields the schema rejects (through the shared input parser)', () => {
    try {
      parseInput(StatisticalParamsSchema, { sensors: [{ type: 'thermometer' }], variation: 2 }, 'parameters');
      expect.unreachable();
    } catch (e) {
      expect((e as TsiotError).code).toBe('invalid_input');
      expect((e as TsiotError).message).toContain('sensors.0.type');
      expect((e as TsiotError).message).toContain('variation');
    }
  });
});

describe('statistical generator: cancellation and progress', () => {
  it('refuses to start when already cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(generate({ devices: 2 }, 1, { signal: ac.signal })).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('stops between chunks when cancelled during a long run', async () => {
    const ac = new AbortController();
    const seen: Progress[] = [];
    const run = generate({ points: 2_000_000, interval: '1s', devices: 4 }, 1, {
      signal: ac.signal,
      onProgress: (p) => {
        seen.push(p);
        if (seen.length === 2) ac.abort();
      },
    });
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TsiotError);
    expect((err as TsiotError).code).toBe('cancelled');
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen[seen.length - 1]!.done).toBeLessThan(seen[0]!.total);
  });

  it('reports progress up to the total', async () => {
    const seen: Progress[] = [];
    await generate({ devices: 5, duration: '1d', sensors: [{}, {}] }, 1, { onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.done).toBeGreaterThanOrEqual(seen[i - 1]!.done);
    expect(seen[seen.length - 1]).toMatchObject({ done: 5 * 1440 * 2, total: 5 * 1440 * 2 });
  });
});

describe('statistical generator through the generation service', () => {
  let engines: TestEngines;
  beforeAll(async () => {
    engines = await makeEngines({ maxPointsPerRequest: 100_000 });
  });
  afterAll(async () => {
    await engines?.close();
  });

  it('is registered as "statistical" and reproduces data from the seed it reports', async () => {
    expect(engines.generators.describe('statistical').capabilities).toEqual({
      generate: true,
      fit: true,
      sample: true,
      forecast: true,
      attributes: false,
      multivariate: true,
      fleets: true,
      anomalyLabels: true,
    });
    const req = {
      generator: 'statistical',
      params: { devices: 2, duration: '6h', sensors: [{ type: 'temperature' }] },
      store: false,
    };
    const a = await engines.generation.generate(req);
    const b = await engines.generation.generate({ ...req, seed: a.seed });
    expect(a.points).toBe(2 * 360);
    expect(Array.from(b.series[1]!.columns[0]!.values)).toEqual(Array.from(a.series[1]!.columns[0]!.values));
    expect(a.series[0]!.metadata).toMatchObject({ deviceId: 'device-001', generator: 'statistical', seed: a.seed });
  });

  it('refuses requests over the point cap before generating, from estimatePoints', () => {
    try {
      engines.generation.plan({
        generator: 'statistical',
        params: { devices: 100, duration: '1d', sensors: [{}, {}] },
      });
      expect.unreachable();
    } catch (e) {
      expect((e as TsiotError).code).toBe('too_large');
      expect((e as TsiotError).details).toMatchObject({ points: 100 * 1440 * 2 });
    }
  });
});
