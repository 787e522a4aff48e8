import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../src/core/rng.js';
import { estimateArima } from '../../../../src/engines/generation/arima/estimate.js';
import type { ArimaOrder } from '../../../../src/engines/generation/arima/model.js';
import { ArimaStepper, forecast } from '../../../../src/engines/generation/arima/simulate.js';

interface CtsaArima {
  train(y: number[]): CtsaArima;
  predict(n: number): [number[], number[]];
}
const ARIMA = createRequire(import.meta.url)('arima') as new (o: Record<string, unknown>) => CtsaArima;

/** ARMA(1,1) around 10 with σ = 2, optionally with a linear trend added. */
function series(seed: number, trend = 0): number[] {
  const rng = createRng(seed);
  const order: ArimaOrder = { p: 1, d: 0, q: 1, P: 0, D: 0, Q: 0, period: 0 };
  const s = new ArimaStepper(
    { order, phi: [0.7], theta: [-0.4], seasonalPhi: [], seasonalTheta: [], mean: 10, sigma2: 4 },
    [],
    [],
  );
  s.burnIn(500, 2, rng);
  return Array.from({ length: 1000 }, (_, i) => s.step(2 * rng.normal()) + trend * i);
}

describe('ARIMA estimates and forecasts agree with the ctsa library (npm "arima", exact ML)', () => {
  it.each([
    { d: 0, trend: 0 },
    { d: 1, trend: 0.05 },
  ])('ARIMA(1,$d,1): point forecasts and forecast variances', ({ d, trend }) => {
    const y = series(3, trend);
    const order: ArimaOrder = { p: 1, d, q: 1, P: 0, D: 0, Q: 0, period: 0 };
    // ctsa fits no drift, so neither do we here.
    const fit = estimateArima(y, { order, includeMean: d === 0 });
    const ours = forecast(fit, y, fit.residuals, 5);
    const [pred, variances] = new ARIMA({ p: 1, d, q: 1, verbose: false }).train(y).predict(5);
    for (let h = 0; h < 5; h++) {
      expect(Math.abs(ours.mean[h]! - pred[h]!)).toBeLessThan(0.002);
      const v = ((ours.upper[h]! - ours.mean[h]!) / 1.959964) ** 2;
      expect(Math.abs(v - variances[h]!) / variances[h]!).toBeLessThan(0.001);
    }
  });
});
