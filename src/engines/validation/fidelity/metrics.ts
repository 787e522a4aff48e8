import { correlationMatrix, correlationalScore } from '../stats/correlation.js';
import { ksTwoSample } from '../stats/ks.js';
import type { Windows } from './data.js';

/** The values of feature f over all windows and steps. */
export function featureValues(w: Windows, f: number): Float64Array {
  const out = new Float64Array(w.count * w.length);
  for (let i = 0; i < out.length; i++) out[i] = w.data[i * w.dim + f]!;
  return out;
}

/** Correlational score of BENCHMARKS.md over windows: Σ_{i<j} |r_real - r_syn| / 10 of the lag-0 correlations pooled over all steps. */
export function windowCorrelationalScore(real: Windows, synthetic: Windows): number {
  const blocks = (w: Windows) => [Array.from({ length: w.dim }, (_, f) => featureValues(w, f))];
  return correlationalScore(
    correlationMatrix(blocks(real), real.dim),
    correlationMatrix(blocks(synthetic), synthetic.dim),
  ).score;
}

/** Two-sample KS statistic of each feature's marginal (all steps pooled). */
export function windowKsStatistics(real: Windows, synthetic: Windows): number[] {
  return Array.from(
    { length: real.dim },
    (_, f) => ksTwoSample(featureValues(real, f), featureValues(synthetic, f)).statistic,
  );
}

/**
 * Autocorrelation of each feature at lags 1..maxLag pooled over windows:
 * deviations from the feature's overall mean, lagged products summed within
 * windows (never across), divided by the summed squares.
 */
export function windowAcf(w: Windows, maxLag: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (let f = 0; f < w.dim; f++) {
    let mean = 0;
    const n = w.count * w.length;
    for (let i = 0; i < n; i++) mean += w.data[i * w.dim + f]!;
    mean /= n;
    const lag = new Float64Array(maxLag + 1);
    for (let k = 0; k < w.count; k++) {
      const base = k * w.length;
      for (let t = 0; t < w.length; t++) {
        const x = w.data[(base + t) * w.dim + f]! - mean;
        for (let l = 0; l <= maxLag && t + l < w.length; l++)
          lag[l]! += x * (w.data[(base + t + l) * w.dim + f]! - mean);
      }
    }
    const r = new Float64Array(maxLag + 1);
    for (let l = 0; l <= maxLag; l++) r[l] = lag[0]! > 0 ? lag[l]! / lag[0]! : NaN;
    out.push(r);
  }
  return out;
}

/** Mean |ACF difference| over features and lags 1..maxLag (features without variance on either side are skipped). */
export function windowAcfDistance(real: Windows, synthetic: Windows, maxLag = Math.min(10, real.length - 1)): number {
  const a = windowAcf(real, maxLag);
  const b = windowAcf(synthetic, maxLag);
  let s = 0;
  let n = 0;
  for (let f = 0; f < a.length; f++) {
    for (let l = 1; l <= maxLag; l++) {
      const d = Math.abs(a[f]![l]! - b[f]![l]!);
      if (Number.isFinite(d)) {
        s += d;
        n++;
      }
    }
  }
  return n ? s / n : NaN;
}

/**
 * Share of synthetic values outside the range of the real windows, feature by
 * feature: 0 when the synthetic data keep the real data's bounds (a
 * humidity never past 100 %, a power never below 0 on the scaled data).
 */
export function windowOutOfRange(real: Windows, synthetic: Windows): number {
  const lo = new Float64Array(real.dim).fill(Infinity);
  const hi = new Float64Array(real.dim).fill(-Infinity);
  for (let i = 0; i < real.data.length; i++) {
    const f = i % real.dim;
    if (real.data[i]! < lo[f]!) lo[f] = real.data[i]!;
    if (real.data[i]! > hi[f]!) hi[f] = real.data[i]!;
  }
  let out = 0;
  for (let i = 0; i < synthetic.data.length; i++) {
    const f = i % synthetic.dim;
    const v = synthetic.data[i]!;
    if (!(v >= lo[f]! && v <= hi[f]!)) out++;
  }
  return out / Math.max(1, synthetic.data.length);
}
