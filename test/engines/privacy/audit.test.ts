import { describe, expect, it } from 'vitest';
import { type AggregateRequest, planAggregate, runAggregate } from '../../../src/engines/privacy/aggregate.js';
import { gaussianMechanism, laplaceMechanism } from '../../../src/engines/privacy/mechanisms.js';
import { AUDIT_SIZE, audit, edgesOn } from './audit.js';
import { seeded } from './helpers.js';

// Neighbouring inputs of a sensitivity-1 query: 0 and 1.
const TIMEOUT = 600_000;

describe('empirical privacy audit (neighbouring inputs, majority of votes)', () => {
  it(
    'Laplace at ε = 1 passes',
    () => {
      const r = audit(
        (side, vote, n) =>
          laplaceMechanism(
            new Float64Array(n).fill(side),
            { sensitivity: 1, epsilon: 1 },
            seeded(`lap-${side}-${vote}`),
          ).values,
        { ...AUDIT_SIZE, epsilon: 1, delta: 0, edges: edgesOn(-4, 5, 10) },
      );
      expect(r.passed, `worst excess ${r.worst}`).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'a Laplace claiming ε = 1 with the noise of ε = 2 fails (the audit can fail)',
    () => {
      const r = audit(
        (side, vote, n) =>
          laplaceMechanism(
            new Float64Array(n).fill(side),
            { sensitivity: 1, epsilon: 2 },
            seeded(`bad-${side}-${vote}`),
          ).values,
        { ...AUDIT_SIZE, epsilon: 1, delta: 0, edges: edgesOn(-4, 5, 10) },
      );
      expect(r.passed).toBe(false);
      expect(r.worst).toBeGreaterThan(0.01);
    },
    TIMEOUT,
  );

  it(
    'Gaussian at (ε = 1, δ = 1e-5) passes',
    () => {
      const r = audit(
        (side, vote, n) =>
          gaussianMechanism(
            new Float64Array(n).fill(side),
            { sensitivity: 1, epsilon: 1, delta: 1e-5 },
            seeded(`gau-${side}-${vote}`),
          ).values,
        { ...AUDIT_SIZE, epsilon: 1, delta: 1e-5, edges: edgesOn(-8, 9, 10) },
      );
      expect(r.passed, `worst excess ${r.worst}`).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'a windowed count over stride-1 windows of length 3 passes (the overlap is accounted)',
    () => {
      // A: 28 rows; B: A plus one row at t = 5.5, which lies in windows 3, 4 and 5. The audited
      // output is the sum of those three noisy counts, which the extra row moves by 3.
      const rows = (extra: boolean) => {
        const t = Array.from({ length: 28 }, (_, i) => i / 4);
        if (extra) t.push(5.5);
        return { id: 'd', timestamps: Float64Array.from(t), values: new Float64Array(t.length).fill(1) };
      };
      const request = (extra: boolean): AggregateRequest => ({
        devices: [rows(extra)],
        start: 0,
        end: 7,
        window: 3,
        stride: 1,
        bounds: { lower: 0, upper: 1 },
        statistics: ['count'],
        quantiles: [],
        histogramBins: 2,
        quantileCandidates: 2,
        epsilon: 1,
        mechanism: 'laplace',
        unit: { kind: 'event' },
      });
      const reqs = [request(false), request(true)] as const;
      const plans = reqs.map(planAggregate);
      expect(plans[0]!.overlap).toBe(3);
      const run = (side: 0 | 1, vote: number, n: number) => {
        const rnd = seeded(`win-${side}-${vote}`);
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const p = runAggregate(reqs[side], plans[side]!, rnd).partitions;
          out[i] = p[3]!.count! + p[4]!.count! + p[5]!.count!;
        }
        return out;
      };
      const r = audit(run, {
        ...AUDIT_SIZE,
        samples: AUDIT_SIZE.samples / 2,
        epsilon: 1,
        delta: 0,
        edges: edgesOn(20, 52, 10),
      });
      expect(r.passed, `worst excess ${r.worst}`).toBe(true);
    },
    TIMEOUT,
  );
});
