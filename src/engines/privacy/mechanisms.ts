/**
 * The noise mechanisms. Each one runs on integers: a real value is rounded to
 * a power-of-two grid fine enough not to matter (2^-40 of the noise scale),
 * exact integer noise is added (discrete Laplace or discrete Gaussian, drawn
 * from exact rational coins), and the result is mapped back to a double. The
 * released double is a fixed function of a discrete DP output, so its low
 * bits carry nothing about the input — the floating-point attack on textbook
 * Laplace (Mironov 2012) has nothing to read. The rounding moves a value by at
 * most half a grid step, which is added to the sensitivity, so the guarantee
 * holds for the rounded query exactly as stated.
 *
 * Sensitivities always come from the caller's declared or clipped bounds;
 * this module never looks at the data to choose a scale.
 */
import { fromDouble, type Rational } from './rational.js';
import { SecureRandom } from './random.js';
import { bernoulliExp, discreteGaussian, discreteLaplace } from './samplers.js';
import { pureToRho, rhoFor, zcdpEpsilon } from './calibration.js';

/** Bits of resolution below the noise scale: the grid step is 2^⌈log2(scale)⌉ · 2^-GRID_BITS. */
export const GRID_BITS = 40;

/** What one mechanism run guarantees. */
export interface Guarantee {
  mechanism: 'laplace' | 'gaussian' | 'geometric' | 'exponential';
  /** Pure or approximate DP parameters of this release. */
  epsilon: number;
  delta: number;
  /** zCDP parameter of this release (pure ε-DP counts as ε²/2). */
  rho: number;
  /** Noise scale: b for Laplace/geometric, σ for Gaussian. */
  scale: number;
  /** The sensitivity the scale was set for (L1 for Laplace/geometric, L2 for Gaussian), after grid rounding. */
  sensitivity: number;
  /** The grid the output lies on (0 for the integer mechanisms). */
  granularity: number;
}

/** The power-of-two grid step for a noise scale. */
export function granularityFor(scale: number): number {
  return 2 ** (Math.ceil(Math.log2(scale)) - GRID_BITS);
}

function checkPositive(value: number, field: string): void {
  if (!(Number.isFinite(value) && value > 0))
    throw new RangeError(`${field} must be a finite number > 0, got ${value}`);
}

/** Round each value to the grid (exact in binary: the step is a power of two). */
function toGrid(values: ArrayLike<number>, step: number): bigint[] {
  const out: bigint[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v))
      throw new RangeError(`value ${i} is not finite (${v}); clip or drop it before adding noise`);
    out[i] = BigInt(Math.round(v / step));
  }
  return out;
}

function fromGrid(units: bigint[], step: number): Float64Array {
  const out = new Float64Array(units.length);
  for (let i = 0; i < units.length; i++) out[i] = Number(units[i]!) * step;
  return out;
}

/** ε as an exact fraction, so the scale t/s of the discrete Laplace is exact. */
function epsilonFraction(epsilon: number): Rational {
  return fromDouble(epsilon);
}

export interface LaplaceOptions {
  /** L1 sensitivity of the whole vector of values (from declared or clipped bounds). */
  sensitivity: number;
  epsilon: number;
}

/**
 * The Laplace mechanism on a power-of-two grid: each value rounded to the
 * grid, plus discrete Laplace noise of scale (Δ′/ε) in grid units, where Δ′
 * is the sensitivity rounded up to the grid plus one step per value (the
 * rounding's worst case). ε-DP for neighbours whose values differ by at most
 * Δ in L1.
 */
export function laplaceMechanism(
  values: ArrayLike<number>,
  options: LaplaceOptions,
  rnd: SecureRandom = new SecureRandom(),
): { values: Float64Array; guarantee: Guarantee } {
  checkPositive(options.sensitivity, 'sensitivity');
  checkPositive(options.epsilon, 'epsilon');
  const step = granularityFor(options.sensitivity / options.epsilon);
  const units = BigInt(Math.ceil(options.sensitivity / step)) + BigInt(values.length);
  const eps = epsilonFraction(options.epsilon);
  // scale in grid units: units / ε = units·den / num
  const t = units * eps.den;
  const s = eps.num;
  const grid = toGrid(values, step);
  for (let i = 0; i < grid.length; i++) grid[i] = grid[i]! + discreteLaplace(rnd, t, s);
  const sensitivity = Number(units) * step;
  return {
    values: fromGrid(grid, step),
    guarantee: {
      mechanism: 'laplace',
      epsilon: options.epsilon,
      delta: 0,
      rho: pureToRho(options.epsilon),
      scale: sensitivity / options.epsilon,
      sensitivity,
      granularity: step,
    },
  };
}

export interface GeometricOptions {
  /** L1 sensitivity in counts (a positive integer). */
  sensitivity: number;
  epsilon: number;
}

/** The geometric mechanism for integer counts: two-sided geometric noise of scale Δ/ε, exactly. ε-DP. */
export function geometricMechanism(
  counts: ArrayLike<number>,
  options: GeometricOptions,
  rnd: SecureRandom = new SecureRandom(),
): { values: Float64Array; guarantee: Guarantee } {
  if (!(Number.isInteger(options.sensitivity) && options.sensitivity > 0))
    throw new RangeError(`sensitivity must be a positive integer for counts, got ${options.sensitivity}`);
  checkPositive(options.epsilon, 'epsilon');
  const eps = epsilonFraction(options.epsilon);
  const t = BigInt(options.sensitivity) * eps.den;
  const out = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (!Number.isInteger(c)) throw new RangeError(`count ${i} is not an integer (${c})`);
    out[i] = Number(BigInt(c) + discreteLaplace(rnd, t, eps.num));
  }
  return {
    values: out,
    guarantee: {
      mechanism: 'geometric',
      epsilon: options.epsilon,
      delta: 0,
      rho: pureToRho(options.epsilon),
      scale: options.sensitivity / options.epsilon,
      sensitivity: options.sensitivity,
      granularity: 0,
    },
  };
}

export type GaussianOptions =
  | { /** L2 sensitivity of the vector. */ sensitivity: number; rho: number; delta?: number }
  | { sensitivity: number; epsilon: number; delta: number };

/**
 * The discrete Gaussian on a power-of-two grid (Canonne, Kamath & Steinke
 * 2020): ρ-zCDP with ρ = Δ′²/(2σ²) in grid units, Δ′ the L2 sensitivity plus
 * √d grid steps for the rounding. Given (ε, δ), ρ is the largest whose zCDP
 * guarantee implies (ε, δ)-DP; given ρ (and a δ to report at), ε is derived.
 */
export function gaussianMechanism(
  values: ArrayLike<number>,
  options: GaussianOptions,
  rnd: SecureRandom = new SecureRandom(),
): { values: Float64Array; guarantee: Guarantee } {
  checkPositive(options.sensitivity, 'sensitivity');
  const rho = 'rho' in options ? options.rho : rhoFor(options.epsilon, options.delta);
  checkPositive(rho, 'rho');
  const delta = options.delta ?? 1e-9;
  const roughSigma = options.sensitivity / Math.sqrt(2 * rho);
  const step = granularityFor(roughSigma);
  const units = options.sensitivity / step + Math.sqrt(values.length);
  // σ² in grid units, rounded up so the guarantee is never weaker than stated
  const sigma2 = ((units * units) / (2 * rho)) * (1 + 2 ** -40);
  const grid = toGrid(values, step);
  const s2 = fromDouble(sigma2);
  for (let i = 0; i < grid.length; i++) grid[i] = grid[i]! + discreteGaussian(rnd, s2);
  return {
    values: fromGrid(grid, step),
    guarantee: {
      mechanism: 'gaussian',
      epsilon: 'epsilon' in options ? options.epsilon : zcdpEpsilon(rho, delta),
      delta,
      rho,
      scale: Math.sqrt(sigma2) * step,
      sensitivity: units * step,
      granularity: step,
    },
  };
}

export interface ExponentialOptions {
  /** How much one unit can change any candidate's score. */
  sensitivity: number;
  epsilon: number;
}

/**
 * The exponential mechanism (McSherry & Talwar 2007): candidate i with
 * probability ∝ exp(ε·score_i / (2Δ)), sampled exactly by rejection — a
 * uniform candidate accepted with probability exp(−ε(max − score_i)/(2Δ)),
 * a Bernoulli(exp(−γ)) trial on exact rationals. ε-DP.
 */
export function exponentialMechanism(
  scores: ArrayLike<number>,
  options: ExponentialOptions,
  rnd: SecureRandom = new SecureRandom(),
): { index: number; guarantee: Guarantee } {
  checkPositive(options.sensitivity, 'sensitivity');
  checkPositive(options.epsilon, 'epsilon');
  if (scores.length === 0) throw new RangeError('exponential mechanism: no candidates');
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i]!)) throw new RangeError(`score ${i} is not finite (${scores[i]})`);
    if (scores[i]! > max) max = scores[i]!;
  }
  const eps = epsilonFraction(options.epsilon);
  const twoDelta = fromDouble(2 * options.sensitivity);
  const gaps = Array.from(scores, (v) => fromDouble(max - v));
  for (;;) {
    const i = rnd.smallInt(scores.length);
    const g = gaps[i]!;
    // γ = ε·gap/(2Δ) as one fraction
    if (bernoulliExp(rnd, eps.num * g.num * twoDelta.den, eps.den * g.den * twoDelta.num)) {
      return {
        index: i,
        guarantee: {
          mechanism: 'exponential',
          epsilon: options.epsilon,
          delta: 0,
          rho: pureToRho(options.epsilon),
          scale: (2 * options.sensitivity) / options.epsilon,
          sensitivity: options.sensitivity,
          granularity: 0,
        },
      };
    }
  }
}
