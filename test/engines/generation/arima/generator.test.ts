import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../src/core/rng.js';
import { GeneratorFactory } from '../../../../src/engines/generation/factory.js';
import { arimaGenerator } from '../../../../src/engines/generation/arima/index.js';
import { estimateArima } from '../../../../src/engines/generation/arima/estimate.js';

describe('arima generator definition', () => {
  const factory = new GeneratorFactory();
  factory.register(arimaGenerator);

  it('is registered with its alias and a valid example', () => {
    expect(factory.canonical('sarima')).toBe('arima');
    expect(arimaGenerator.paramsSchema.safeParse(arimaGenerator.example).success).toBe(true);
    expect(factory.describe('arima').capabilities.fit).toBe(true);
  });

  it('generates seeded, reproducible series whose coefficients can be estimated back', async () => {
    const params = arimaGenerator.paramsSchema.parse({
      length: 4000,
      devices: 2,
      interval: '10s',
      columns: [
        { name: 'x', phi: [0.5, 0.2], sigma: 2, mean: 7 },
        { name: 'level', d: 1, initial: 100, sigma: 0.1 },
      ],
    });
    const gen = factory.create('arima');
    expect(gen.estimatePoints(params)).toBe(16_000);
    const a = await gen.generate(params, { rng: createRng(5) });
    const b = await gen.generate(params, { rng: createRng(5) });
    expect(a.series).toHaveLength(2);
    expect(Array.from(a.series[1]!.columns[0]!.values)).toEqual(Array.from(b.series[1]!.columns[0]!.values));
    expect(a.series[0]!.timestamps[1]! - a.series[0]!.timestamps[0]!).toBe(10_000);
    const fit = estimateArima(a.series[0]!.columns[0]!.values, {
      order: { p: 2, d: 0, q: 0, P: 0, D: 0, Q: 0, period: 0 },
    });
    expect(Math.abs(fit.phi[0]! - 0.5)).toBeLessThan(0.05);
    expect(Math.abs(fit.mean - 7)).toBeLessThan(0.3);
    expect(Math.abs(fit.sigma2 - 4)).toBeLessThan(0.3);
    expect(Math.abs(a.series[0]!.columns[1]!.values[0]! - 100)).toBeLessThan(1);
  });
});
