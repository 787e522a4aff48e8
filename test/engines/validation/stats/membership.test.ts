import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../src/core/rng.js';
import { membershipInference } from '../../../../src/engines/validation/stats/membership.js';

const f = (v: number[]) => Float64Array.from(v);

describe('distance-to-closest-record membership inference', () => {
  it('members all closer: advantage 1, AUC 1; all farther: advantage 0, AUC 0', () => {
    expect(membershipInference(f([0, 1, 2]), f([3, 4, 5]))).toEqual({ advantage: 1, auc: 1 });
    expect(membershipInference(f([3, 4, 5]), f([0, 1, 2]))).toEqual({ advantage: 0, auc: 0 });
  });

  it('ties count half and the advantage is the best threshold', () => {
    expect(membershipInference(f([1, 1]), f([1, 1]))).toEqual({ advantage: 0, auc: 0.5 });
    // threshold 0: TPR 1/3, FPR 0; threshold 1: TPR 2/3, FPR 1/3; threshold 3: 2/3 − 2/3
    const r = membershipInference(f([0, 1, 5]), f([1, 3, 4]));
    expect(r.advantage).toBeCloseTo(1 / 3, 12);
    // pairs member < non-member: 0<all 3, 1<3,4 and tie with 1 → 2.5, 5 beats none
    expect(r.auc).toBeCloseTo(5.5 / 9, 12);
  });

  it('two samples of one distribution: advantage near 0, AUC near ½', () => {
    const rng = createRng(3);
    const a = Float64Array.from({ length: 5000 }, () => rng.normal());
    const b = Float64Array.from({ length: 5000 }, () => rng.normal());
    const r = membershipInference(a, b);
    expect(r.advantage).toBeLessThan(0.04);
    expect(Math.abs(r.auc - 0.5)).toBeLessThan(0.02);
  });
});
