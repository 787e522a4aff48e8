import { describe, expect, it } from 'vitest';
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
});
