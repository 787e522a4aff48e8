import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../src/core/rng.js';
import type { TimeSeries } from '../../../../src/core/types.js';
import { resolveRules } from '../../../../src/engines/validation/rules.js';
import { qualityValidator } from '../../../../src/engines/validation/validators/quality.js';
import { series } from '../helpers.js';

async function rangeCheck(synthetic: TimeSeries, reference?: TimeSeries) {
  const out = await qualityValidator.validate(
    { synthetic: [synthetic], ...(reference ? { reference: [reference] } : {}) },
    { rules: resolveRules(), rng: createRng(1) },
  );
  return out.checks.find((c) => c.name === 'out_of_range_rate')!;
}

const humidity = (n: number, lo: number, hi: number) =>
  Array.from({ length: n }, (_, i) => lo + ((hi - lo) * ((i * 7919) % n)) / (n - 1));

describe('quality: out_of_range_rate', () => {
  it('infers the range from the reference when none is declared, and scores the copy that breaks it', async () => {
    const reference = series('real', { rh: humidity(1000, 5, 100) });
    const broken = series('copy', { rh: humidity(1000, -10, 110) });
    const c = await rangeCheck(broken, reference);
    expect(c.passed).toBe(false);
    expect(c.value).toBeCloseTo(25 / 120, 2);
    expect(c.credit).toBe(0);
    expect(c.details).toMatchObject({ source: 'reference', range: { min: 5, max: 100 } });
    expect(c.explanation).toContain(
      'outside the range of the 1000 reference values (inferred: none declared) [5, 100]',
    );
    // a faithful copy passes: the allowance is max(1 %, 4 / (n + 1))
    const good = await rangeCheck(series('copy', { rh: humidity(1000, 5, 100) }), reference);
    expect(good).toMatchObject({ passed: true, value: 0, threshold: 0.01 });
  });

  it('prefers a declared range (of the synthetic series, then of the reference) and is not applicable only without any', async () => {
    const reference = series('real', { rh: humidity(100, 5, 100) }, { ranges: { rh: { min: 0, max: 100 } } });
    const copy = series('copy', { rh: humidity(100, -1, 101) });
    const fromReference = await rangeCheck(copy, reference);
    expect(fromReference.details).toMatchObject({ source: 'reference declared', range: { min: 0, max: 100 } });
    expect(fromReference.threshold).toBe(0);
    expect(fromReference.passed).toBe(false);
    const own = await rangeCheck(
      series('copy', { rh: humidity(100, -1, 101) }, { ranges: { rh: { min: -5, max: 105 } } }),
      reference,
    );
    expect(own).toMatchObject({ passed: true, value: 0, details: { source: 'declared' } });
    const none = await rangeCheck(copy);
    expect(none.passed).toBe('not_applicable');
    expect(none.explanation).toContain('no reference was given');
  });
});
