/**
 * Lag-0 Pearson correlation matrix of d columns pooled over several blocks of
 * aligned rows (several series, or several windows). blocks[b][c] holds column
 * c of block b. Each pair uses the rows where both values are finite; an entry
 * is null when a pair has fewer than 3 such rows or a column does not vary.
 */
export function correlationMatrix(blocks: readonly (readonly Float64Array[])[], d: number): (number | null)[][] {
  // column means first, to centre the sums and avoid cancellation
  const mean = new Float64Array(d);
  const cnt = new Float64Array(d);
  const lo = new Float64Array(d).fill(Infinity);
  const hi = new Float64Array(d).fill(-Infinity);
  for (const block of blocks) {
    for (let c = 0; c < d; c++) {
      const col = block[c]!;
      for (let t = 0; t < col.length; t++) {
        const v = col[t]!;
        if (Number.isFinite(v)) {
          mean[c]! += v;
          cnt[c]!++;
          if (v < lo[c]!) lo[c] = v;
          if (v > hi[c]!) hi[c] = v;
        }
      }
    }
  }
  const varies = (c: number) => cnt[c]! >= 3 && hi[c]! > lo[c]!;
  for (let c = 0; c < d; c++) mean[c] = cnt[c]! > 0 ? mean[c]! / cnt[c]! : 0;
  const out: (number | null)[][] = Array.from({ length: d }, () => new Array<number | null>(d).fill(null));
  for (let i = 0; i < d; i++) {
    out[i]![i] = varies(i) ? 1 : null;
    for (let j = i + 1; j < d; j++) {
      if (!varies(i) || !varies(j)) continue;
      let n = 0;
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let syy = 0;
      let sxy = 0;
      for (const block of blocks) {
        const a = block[i]!;
        const b = block[j]!;
        const len = Math.min(a.length, b.length);
        for (let t = 0; t < len; t++) {
          const x = a[t]! - mean[i]!;
          const y = b[t]! - mean[j]!;
          if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
          n++;
          sx += x;
          sy += y;
          sxx += x * x;
          syy += y * y;
          sxy += x * y;
        }
      }
      let r: number | null = null;
      if (n >= 3) {
        const vx = sxx - (sx * sx) / n;
        const vy = syy - (sy * sy) / n;
        const cxy = sxy - (sx * sy) / n;
        if (vx > 0 && vy > 0) {
          r = cxy / Math.sqrt(vx * vy);
          r = r > 1 ? 1 : r < -1 ? -1 : r;
        }
      }
      out[i]![j] = r;
      out[j]![i] = r;
    }
  }
  return out;
}

export interface CorrelationalScore {
  /** Σ over column pairs i < j of |r_a(i,j) - r_b(i,j)|, divided by 10 (the TimeGAN/Diffusion-TS convention). */
  score: number;
  /** Pairs that entered the sum. */
  pairs: number;
  /** Pairs skipped because a correlation was undefined on either side. */
  skipped: number;
  /** Largest single |difference|. */
  maxDifference: number;
}

/** The correlational score of two correlation matrices over the same columns. */
export function correlationalScore(a: (number | null)[][], b: (number | null)[][]): CorrelationalScore {
  const d = a.length;
  let score = 0;
  let pairs = 0;
  let skipped = 0;
  let maxDifference = 0;
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const x = a[i]![j];
      const y = b[i]![j];
      if (x === null || x === undefined || y === null || y === undefined) {
        skipped++;
        continue;
      }
      const diff = Math.abs(x - y);
      score += diff;
      pairs++;
      if (diff > maxDifference) maxDifference = diff;
    }
  }
  return { score: score / 10, pairs, skipped, maxDifference };
}
