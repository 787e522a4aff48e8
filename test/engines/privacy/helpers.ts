import { createRng } from '../../../src/core/rng.js';
import { type BitSource, SecureRandom } from '../../../src/engines/privacy/random.js';

/** A seeded bit source, so the statistical tests are repeatable (the engine itself only uses node:crypto). */
export function seededBits(seed: number | string): BitSource {
  const rng = createRng(seed);
  return {
    fill(bytes) {
      for (let i = 0; i < bytes.length; i += 4) {
        const u = rng.nextUint32();
        bytes[i] = u & 0xff;
        if (i + 1 < bytes.length) bytes[i + 1] = (u >>> 8) & 0xff;
        if (i + 2 < bytes.length) bytes[i + 2] = (u >>> 16) & 0xff;
        if (i + 3 < bytes.length) bytes[i + 3] = u >>> 24;
      }
    },
  };
}

export const seeded = (seed: number | string) => new SecureRandom(seededBits(seed));

/** One-sample KS statistic of samples against a continuous CDF. */
export function ksStatistic(samples: ArrayLike<number>, cdf: (x: number) => number): number {
  const s = Float64Array.from(samples).sort();
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(s[i]!);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

/** The asymptotic KS critical value at significance α for n samples: √(−ln(α/2)/2)/√n. */
export const ksCritical = (n: number, alpha: number) => Math.sqrt(-Math.log(alpha / 2) / 2) / Math.sqrt(n);

/**
 * Pearson's χ² of integer samples against a pmf, pooling the tails so every
 * cell expects at least 5; returns the statistic and the degrees of freedom.
 */
export function chiSquare(samples: ArrayLike<number>, pmf: (k: number) => number): { stat: number; df: number } {
  const n = samples.length;
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) counts.set(samples[i]!, (counts.get(samples[i]!) ?? 0) + 1);
  // cells: k from −K..K where n·pmf(k) ≥ 5, plus the two tails
  let k = 0;
  while (n * pmf(k + 1) >= 5) k++;
  let stat = 0;
  let inside = 0;
  let insideP = 0;
  for (let j = -k; j <= k; j++) {
    const e = n * pmf(j);
    const o = counts.get(j) ?? 0;
    stat += (o - e) ** 2 / e;
    inside += o;
    insideP += pmf(j);
  }
  const eTail = n * (1 - insideP);
  if (eTail >= 5) stat += (n - inside - eTail) ** 2 / eTail;
  return { stat, df: 2 * k + (eTail >= 5 ? 1 : 0) };
}

/** Upper critical value of χ² with df degrees of freedom at significance α (Wilson–Hilferty). */
export function chiCritical(df: number, z: number): number {
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}
