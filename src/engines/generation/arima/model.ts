/** The fitted form of a (seasonal) ARIMA model, as stored in the model registry and shown by describe. */

export interface ArimaOrder {
  p: number;
  d: number;
  q: number;
  /** Seasonal orders; all zero when the model is not seasonal. */
  P: number;
  D: number;
  Q: number;
  /** Season length in steps; 0 when not seasonal. */
  period: number;
}

/** Coefficients of one column's model, in the sign convention of polynomial.ts. */
export interface ArimaCoefficients {
  order: ArimaOrder;
  /** Non-seasonal AR φ_1..φ_p. */
  phi: number[];
  /** Non-seasonal MA θ_1..θ_q. */
  theta: number[];
  /** Seasonal AR Φ_1..Φ_P. */
  seasonalPhi: number[];
  /** Seasonal MA Θ_1..Θ_Q. */
  seasonalTheta: number[];
  /** Mean of the differenced series (0 when no mean is modelled). */
  mean: number;
  /** Innovation (noise) variance σ². */
  sigma2: number;
}

/** Estimation result for one column. */
export interface ArimaFit extends ArimaCoefficients {
  includeMean: boolean;
  /** Gaussian log-likelihood at the estimate: exact for "css-ml", conditional for "css". */
  loglik: number;
  aic: number;
  aicc: number;
  bic: number;
  /** Observations in the likelihood. */
  nobs: number;
  method: 'css' | 'css-ml';
  /** Innovations aligned with the input series (0 before residualsFrom). */
  residuals: Float64Array;
  /** Index of the first computed innovation in the input series. */
  residualsFrom: number;
}
