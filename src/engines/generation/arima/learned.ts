/**
 * ARIMA / SARIMA as a learned generator: one model per column chosen by
 * AIC/BIC, innovations correlated across columns through the Cholesky factor
 * of their empirical correlation, and sample paths simulated from the fitted
 * recursions.
 */
import { z } from 'zod';
import { TsiotError } from '../../../core/errors.js';
import type { Rng } from '../../../core/rng.js';
import type {
  ColumnForecast,
  FitContext,
  FitResult,
  LearnedGenerator,
  LoadedModel,
  SampledPath,
  SampleRequest,
  TrainingData,
} from '../learner.js';
import { correlationCholesky, correlationFromCholesky } from './linalg.js';
import type { ArimaCoefficients, ArimaFit } from './model.js';
import { estimateArima } from './estimate.js';
import { selectArima } from './select.js';
import { ArimaStepper, forecast } from './simulate.js';

const Int = (min: number, max: number) => z.number().int().min(min).max(max);

export const ArimaFitOptionsSchema = z
  .object({
    period: Int(2, 10_000)
      .optional()
      .describe('Season length in steps (e.g. 24 for hourly data with a daily cycle); omit for no seasonal part'),
    order: z
      .object({
        p: Int(0, 10),
        d: Int(0, 2),
        q: Int(0, 10),
        P: Int(0, 3).default(0),
        D: Int(0, 1).default(0),
        Q: Int(0, 3).default(0),
      })
      .optional()
      .describe('Fixed orders; skips the AIC/BIC search'),
    d: Int(0, 2).optional().describe('Fixed non-seasonal differencing; chosen by a unit-root test when absent'),
    D: Int(0, 1)
      .optional()
      .describe('Fixed seasonal differencing; chosen from the seasonal autocorrelation when absent'),
    maxP: Int(0, 6).default(3).describe('Largest AR order searched'),
    maxQ: Int(0, 6).default(2).describe('Largest MA order searched'),
    maxSeasonalP: Int(0, 2).default(1),
    maxSeasonalQ: Int(0, 2).default(1),
    criterion: z.enum(['aic', 'bic']).default('aic').describe('Order selection criterion'),
    historyRows: Int(100, 200_000)
      .default(20_000)
      .describe('Rows of training history kept in the model for conditional sampling'),
  })
  .strict();
export type ArimaFitOptions = z.output<typeof ArimaFitOptionsSchema>;

/** What is stored for one column. */
interface ArimaColumnState {
  name: string;
  model: ArimaCoefficients;
  includeMean: boolean;
  aic: number;
  bic: number;
  /** Most recent training values and their innovations. */
  history: number[];
  residuals: number[];
}

export interface ArimaState {
  columns: ArimaColumnState[];
  /** Row-major lower Cholesky factor of the innovation correlation across columns. */
  innovationCholesky: number[];
}

async function fitColumn(
  values: Float64Array,
  options: ArimaFitOptions,
  signal?: AbortSignal,
): Promise<{ fit: ArimaFit; candidates: number }> {
  if (options.order) {
    const o = options.order;
    const period = o.P + o.D + o.Q > 0 ? (options.period ?? 0) : 0;
    if (o.P + o.D + o.Q > 0 && !options.period) {
      throw new TsiotError('invalid_input', 'options.period: a seasonal order needs the season length', {
        details: { field: 'options.period', example: 24 },
      });
    }
    return { fit: estimateArima(values, { order: { ...o, period } }), candidates: 1 };
  }
  const s = await selectArima(values, {
    ...(options.period ? { period: options.period } : {}),
    ...(options.d !== undefined ? { d: options.d } : {}),
    ...(options.D !== undefined ? { D: options.D } : {}),
    maxP: options.maxP,
    maxQ: options.maxQ,
    maxSeasonalP: options.maxSeasonalP,
    maxSeasonalQ: options.maxSeasonalQ,
    criterion: options.criterion,
    ...(signal ? { signal } : {}),
  });
  return { fit: s.best, candidates: s.candidates.length };
}

/** Correlation of the innovations over the rows where every column has one. */
function innovationCorrelation(fits: ArimaFit[], rows: number): Float64Array {
  const k = fits.length;
  const from = Math.min(rows - 1, Math.max(...fits.map((f) => f.residualsFrom)));
  const cov = new Float64Array(k * k);
  for (let t = from; t < rows; t++)
    for (let a = 0; a < k; a++)
      for (let b = 0; b <= a; b++) cov[a * k + b]! += fits[a]!.residuals[t]! * fits[b]!.residuals[t]!;
  return correlationCholesky(cov, k);
}

class LoadedArima implements LoadedModel {
  readonly bytes: number;
  constructor(private readonly state: ArimaState) {
    this.bytes =
      state.columns.reduce((s, c) => s + 16 * c.history.length, 0) + 8 * state.innovationCholesky.length + 1024;
  }

  async sample(req: SampleRequest, rng: Rng, signal?: AbortSignal): Promise<SampledPath[]> {
    const { columns, innovationCholesky: L } = this.state;
    const k = columns.length;
    const rows = columns[0]!.history.length;
    const warm = Math.max(...columns.map((c) => expandedLength(c.model)));
    const paths: SampledPath[] = [];
    const z = new Float64Array(k);
    for (let p = 0; p < req.count; p++) {
      signal?.throwIfAborted();
      const first = Math.min(warm, rows);
      const end =
        req.context === 'end'
          ? rows
          : req.context === 'random'
            ? first + Math.floor(rng.nextDouble() * (rows - first + 1))
            : 0;
      const steppers = columns.map((c) => {
        if (req.context === 'none') {
          const s = new ArimaStepper(c.model, c.history.slice(0, differencingLength(c.model)), []);
          s.burnIn(200 + 10 * expandedLength(c.model), Math.sqrt(c.model.sigma2), rng);
          return s;
        }
        // The recursion needs only the most recent values, so pass just that tail.
        const from = Math.max(0, end - expandedLength(c.model) - 1);
        return new ArimaStepper(c.model, c.history.slice(from, end), c.residuals.slice(from, end));
      });
      const sig = columns.map((c) => Math.sqrt(c.model.sigma2));
      const out = columns.map(() => new Float64Array(req.length));
      for (let t = 0; t < req.length; t++) {
        for (let a = 0; a < k; a++) z[a] = rng.normal();
        for (let a = 0; a < k; a++) {
          let u = 0;
          for (let b = 0; b <= a; b++) u += L[a * k + b]! * z[b]!;
          out[a]![t] = steppers[a]!.step(sig[a]! * u);
        }
      }
      paths.push(out);
    }
    return paths;
  }

  forecast(horizon: number, level: number): ColumnForecast[] {
    return this.state.columns.map((c) => {
      const f = forecast(c.model, c.history, c.residuals, horizon, level);
      return { column: c.name, mean: Array.from(f.mean), lower: Array.from(f.lower), upper: Array.from(f.upper) };
    });
  }

  dispose(): void {}
}

function expandedLength(m: ArimaCoefficients): number {
  const s = Math.max(1, m.order.period);
  return m.order.p + m.order.P * s + m.order.q + m.order.Q * s + differencingLength(m);
}

function differencingLength(m: ArimaCoefficients): number {
  return m.order.d + m.order.D * Math.max(1, m.order.period);
}

/** The `arima` learned generator. */
export const arimaLearner: LearnedGenerator<ArimaFitOptions, ArimaState> = {
  name: 'arima',
  fitOptionsSchema: ArimaFitOptionsSchema,
  minimumRows(options) {
    const s = options.period ?? 1;
    return Math.max(
      30,
      (options.order ? options.order.p + options.order.P * s : options.maxP + options.maxSeasonalP * s) + 20,
      options.period ? 3 * options.period : 0,
    );
  },
  async fit(data: TrainingData, options: ArimaFitOptions, ctx: FitContext): Promise<FitResult<ArimaState>> {
    const cols = data.series.columns;
    const fits: ArimaFit[] = [];
    let tried = 0;
    for (const [i, c] of cols.entries()) {
      ctx.signal?.throwIfAborted();
      ctx.onProgress?.({ done: i, total: cols.length, message: `fitting column "${c.name}"` });
      const r = await fitColumn(c.values, options, ctx.signal);
      fits.push(r.fit);
      tried += r.candidates;
    }
    ctx.onProgress?.({ done: cols.length, total: cols.length, message: 'fitted' });
    const rows = data.series.timestamps.length;
    const chol = innovationCorrelation(fits, rows);
    const keep = Math.min(rows, options.historyRows);
    const state: ArimaState = {
      columns: fits.map((f, i) => ({
        name: cols[i]!.name,
        model: {
          order: f.order,
          phi: f.phi,
          theta: f.theta,
          seasonalPhi: f.seasonalPhi,
          seasonalTheta: f.seasonalTheta,
          mean: f.mean,
          sigma2: f.sigma2,
        },
        includeMean: f.includeMean,
        aic: f.aic,
        bic: f.bic,
        history: Array.from(cols[i]!.values.subarray(rows - keep)),
        residuals: Array.from(f.residuals.subarray(rows - keep)),
      })),
      innovationCholesky: Array.from(chol),
    };
    return {
      state,
      hyperParameters: { ...options, candidatesTried: tried },
      details: {
        method:
          'Hannan–Rissanen start, conditional sum of squares (Levenberg–Marquardt) to screen orders, exact maximum likelihood (Kalman filter, Nelder–Mead) for the chosen one',
        columns: state.columns.map((c) => ({
          column: c.name,
          order: c.model.order,
          phi: c.model.phi,
          theta: c.model.theta,
          seasonalPhi: c.model.seasonalPhi,
          seasonalTheta: c.model.seasonalTheta,
          mean: c.includeMean ? c.model.mean : null,
          noiseVariance: c.model.sigma2,
          aic: c.aic,
          bic: c.bic,
        })),
        innovationCorrelation: fits.length > 1 ? correlationFromCholesky(chol, fits.length) : undefined,
      },
    };
  },
  async load(state: ArimaState): Promise<LoadedModel> {
    return new LoadedArima(state);
  },
};
