/**
 * An empirical privacy tester after Google's DP statistical tester: run a
 * mechanism many times on two neighbouring inputs, discretise the outputs
 * into buckets, and check Σ max(0, P_A − e^ε·P_B) ≤ δ + tolerance in both
 * directions; a test passes when the majority of independent votes pass.
 */

export interface AuditOptions {
  samples: number;
  votes: number;
  epsilon: number;
  delta: number;
  tolerance?: number;
  /** Bucket edges over the scalar summary of an output. */
  edges: number[];
}

function histogram(values: Float64Array, edges: number[]): Float64Array {
  const h = new Float64Array(edges.length + 1);
  for (const v of values) {
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v < edges[mid]!) hi = mid;
      else lo = mid + 1;
    }
    h[lo]!++;
  }
  for (let i = 0; i < h.length; i++) h[i]! /= values.length;
  return h;
}

/** Σ max(0, P_A − e^ε·P_B) over the buckets. */
export function excess(a: Float64Array, b: Float64Array, epsilon: number): number {
  let s = 0;
  const e = Math.exp(epsilon);
  for (let i = 0; i < a.length; i++) s += Math.max(0, a[i]! - e * b[i]!);
  return s;
}

export interface AuditResult {
  passed: boolean;
  votesFor: number;
  worst: number;
}

/**
 * `run(side, vote, n)` returns n scalar outputs of the mechanism on the
 * input of `side` (0 = A, 1 = B), each vote with fresh randomness.
 */
export function audit(run: (side: 0 | 1, vote: number, n: number) => Float64Array, options: AuditOptions): AuditResult {
  const tolerance = options.tolerance ?? 0.0025;
  let votesFor = 0;
  let worst = 0;
  for (let v = 0; v < options.votes; v++) {
    const a = histogram(run(0, v, options.samples), options.edges);
    const b = histogram(run(1, v, options.samples), options.edges);
    const d = Math.max(excess(a, b, options.epsilon), excess(b, a, options.epsilon));
    worst = Math.max(worst, d);
    if (d <= options.delta + tolerance) votesFor++;
  }
  return { passed: votesFor > options.votes / 2, votesFor, worst };
}

/** Sample sizes: the long audit (npm run test:privacy-audit) uses 1,000,000 per side and 9 votes. */
export const AUDIT_SIZE =
  process.env.TSIOT_PRIVACY_AUDIT === 'full' ? { samples: 1_000_000, votes: 9 } : { samples: 100_000, votes: 3 };

/** Evenly spaced bucket edges on [lo, hi]. */
export const edgesOn = (lo: number, hi: number, buckets: number) =>
  Array.from({ length: buckets - 1 }, (_, i) => lo + ((i + 1) * (hi - lo)) / buckets);
