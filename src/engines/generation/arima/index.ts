/**
 * The `arima` generator: simulates (seasonal) ARIMA processes from given
 * coefficients through generate_timeseries, and learns them from real data
 * through the model registry (see learned.ts).
 */
import { z } from 'zod';
import { MAX_PARAMETER_MAGNITUDE } from '../../../core/limits.js';
import { checkGrid, DurationSchema, parseDuration, parseTime, TimeSchema } from '../../../core/time.js';
import type { TimeSeries } from '../../../core/types.js';
import type {
  DirectGeneration,
  GenerateContext,
  GenerationOutput,
  Generator,
  GeneratorDefinition,
} from '../generator.js';
import { arimaLearner } from './learned.js';
import type { ArimaCoefficients } from './model.js';
import { ArimaStepper } from './simulate.js';

const Coeffs = z.array(z.number().min(-100).max(100)).max(10);

const ArimaColumnSchema = z
  .object({
    name: z.string().min(1).describe('Column (sensor) name'),
    phi: Coeffs.default([]).describe('AR coefficients φ1..φp (x_t = Σ φ_i x_{t-i} + …)'),
    theta: Coeffs.default([]).describe('MA coefficients θ1..θq (… + e_t + Σ θ_j e_{t-j})'),
    d: z.number().int().min(0).max(2).default(0).describe('Differencing order'),
    seasonal: z
      .object({
        period: z.number().int().min(2).max(10_000).describe('Season length in steps'),
        phi: Coeffs.default([]),
        theta: Coeffs.default([]),
        D: z.number().int().min(0).max(1).default(0),
      })
      .optional(),
    mean: z
      .number()
      .min(-MAX_PARAMETER_MAGNITUDE)
      .max(MAX_PARAMETER_MAGNITUDE)
      .default(0)
      .describe('Mean of the (differenced) process'),
    sigma: z.number().min(0).max(MAX_PARAMETER_MAGNITUDE).default(1).describe('Innovation standard deviation'),
    initial: z
      .number()
      .min(-MAX_PARAMETER_MAGNITUDE)
      .max(MAX_PARAMETER_MAGNITUDE)
      .default(0)
      .describe('Starting level for integrated models (d or D > 0)'),
    unit: z.string().optional(),
  })
  .strict();

export const ArimaParamsSchema = z
  .object({
    length: z.number().int().min(1).max(10_000_000).describe('Rows per device'),
    start: TimeSchema.optional().describe('First timestamp (ISO 8601 or epoch ms); default 2025-01-01T00:00:00Z'),
    interval: DurationSchema.default('1m').describe('Sampling interval, e.g. "1m"'),
    devices: z.number().int().min(1).max(10_000).default(1).describe('Independent realisations (one series each)'),
    columns: z.array(ArimaColumnSchema).min(1).max(100).describe('One independent ARIMA process per column'),
  })
  .strict();
export type ArimaParams = z.output<typeof ArimaParamsSchema>;

const EXAMPLE: z.input<typeof ArimaParamsSchema> = {
  length: 1440,
  interval: '1m',
  columns: [{ name: 'temperature', phi: [0.8], theta: [0.3], mean: 21, sigma: 0.2, unit: 'C' }],
};

function coefficientsOf(c: ArimaParams['columns'][number]): ArimaCoefficients {
  const s = c.seasonal;
  return {
    order: {
      p: c.phi.length,
      d: c.d,
      q: c.theta.length,
      P: s?.phi.length ?? 0,
      D: s?.D ?? 0,
      Q: s?.theta.length ?? 0,
      period: s?.period ?? 0,
    },
    phi: c.phi,
    theta: c.theta,
    seasonalPhi: s?.phi ?? [],
    seasonalTheta: s?.theta ?? [],
    mean: c.mean,
    sigma2: c.sigma * c.sigma,
  };
}

class ArimaGenerator implements Generator<ArimaParams> {
  readonly name = 'arima';
  readonly paramsSchema = ArimaParamsSchema;

  estimatePoints(p: ArimaParams): number {
    return p.length * p.columns.length * p.devices;
  }

  async generate(p: ArimaParams, ctx: GenerateContext): Promise<GenerationOutput> {
    const start = p.start !== undefined ? parseTime(p.start, 'start') : Date.UTC(2025, 0, 1);
    const step = parseDuration(p.interval, 'interval');
    checkGrid(start, step, p.length);
    const timestamps = Float64Array.from({ length: p.length }, (_, i) => start + i * step);
    const series: TimeSeries[] = [];
    for (let dev = 0; dev < p.devices; dev++) {
      ctx.signal?.throwIfAborted();
      const deviceId = `arima-${String(dev + 1).padStart(3, '0')}`;
      const columns = p.columns.map((c) => {
        const rng = ctx.rng.fork(`${deviceId}/${c.name}`);
        const model = coefficientsOf(c);
        const k = model.order.d + model.order.D * Math.max(1, model.order.period);
        const s = new ArimaStepper(model, new Array<number>(k).fill(c.initial), []);
        s.burnIn(
          200 + 10 * (model.phi.length + model.theta.length + (model.order.P + model.order.Q) * model.order.period),
          c.sigma,
          rng,
        );
        const values = new Float64Array(p.length);
        for (let t = 0; t < p.length; t++) values[t] = s.step(c.sigma * rng.normal());
        return { name: c.name, ...(c.unit ? { unit: c.unit } : {}), values };
      });
      series.push({ id: deviceId, name: deviceId, metadata: { deviceId, tags: {} }, timestamps, columns, labels: [] });
    }
    return { series };
  }
}

export const arimaGenerator: GeneratorDefinition<ArimaParams> & DirectGeneration<ArimaParams> = {
  name: 'arima',
  aliases: ['sarima'],
  title: 'ARIMA / SARIMA processes',
  description:
    'Simulates (seasonal) ARIMA processes from given coefficients: AR φ, MA θ, differencing d, optional seasonal part (period, Φ, Θ, D), mean and noise σ, one process per column. Good for autocorrelated sensor noise with known dynamics. To copy a real series, fit an "arima" model with fit_model (order chosen by AIC/BIC) and sample it with generate_timeseries {"model": "mdl_…"} instead.',
  capabilities: { forecast: true, multivariate: true, fleets: true },
  paramsSchema: ArimaParamsSchema,
  example: ArimaParamsSchema.parse(EXAMPLE),
  create: () => new ArimaGenerator(),
  learner: arimaLearner,
  fitGuide:
    'one series with linear dynamics and seasonality; seconds to fit; exposes coefficients and forecasts (options: period, order, maxP, maxQ, criterion).',
  fitExample: { period: 24 },
};
