import { describe, expect, it } from 'vitest';
import { checkKAnonymity, enforceKAnonymity, generalise } from '../../../src/engines/privacy/kanon.js';

// The patient table of Machanavajjhala et al., "l-Diversity" (ICDE 2006), Figure 1, with zip and age as quasi-identifiers.
const TABLE = [
  { zip: '13053', age: 28, condition: 'heart' },
  { zip: '13068', age: 29, condition: 'heart' },
  { zip: '13068', age: 21, condition: 'viral' },
  { zip: '13053', age: 23, condition: 'viral' },
  { zip: '14853', age: 50, condition: 'cancer' },
  { zip: '14853', age: 55, condition: 'heart' },
  { zip: '14850', age: 47, condition: 'viral' },
  { zip: '14850', age: 49, condition: 'viral' },
];

describe('k-anonymity', () => {
  it('checks a table with known classes', () => {
    const c = checkKAnonymity(TABLE, ['zip', 'age'], 2);
    expect(c).toMatchObject({ records: 8, classes: 8, smallestClass: 1, satisfied: false, violatingRecords: 8 });
    const z = checkKAnonymity(TABLE, ['zip'], 2);
    expect(z).toMatchObject({ classes: 4, smallestClass: 2, satisfied: true, violating: [] });
    expect(checkKAnonymity(TABLE, ['zip'], 3).violating).toHaveLength(4);
  });

  it('generalises to the textbook 4-anonymous table (130**, 148**; ages in 20-year bands) with no suppression', () => {
    const r = enforceKAnonymity(TABLE, ['zip', 'age'], {
      k: 4,
      hierarchies: { zip: { type: 'mask' }, age: { type: 'interval', widths: [10, 20] } },
      maxSuppression: 0,
    });
    expect(r.levels).toEqual({ zip: 2, age: 2 });
    expect(r.suppressed).toBe(0);
    expect(r.check.satisfied).toBe(true);
    expect(r.check.smallestClass).toBe(4);
    expect(new Set(r.records.map((x) => `${x.zip} ${x.age}`))).toEqual(new Set(['130** [20, 40)', '148** [40, 60)']));
    expect(r.precisionLoss).toBeCloseTo((2 / 6 + 2 / 3) / 2, 12);
    expect(r.exhaustive).toBe(true);
  });

  it('suppresses outliers when allowed instead of coarsening everyone', () => {
    const rows = [...TABLE, { zip: '99999', age: 90, condition: 'flu' }];
    const strict = enforceKAnonymity(rows, ['zip', 'age'], {
      k: 4,
      hierarchies: { zip: { type: 'mask' }, age: { type: 'interval', widths: [10, 20] } },
      maxSuppression: 0.2,
    });
    expect(strict.suppressed).toBe(1);
    expect(strict.records).toHaveLength(8);
    expect(strict.check.satisfied).toBe(true);
  });

  it('checks l-diversity of a sensitive attribute', () => {
    const r = enforceKAnonymity(TABLE, ['zip', 'age'], {
      k: 4,
      hierarchies: { zip: { type: 'mask' }, age: { type: 'interval', widths: [10, 20] } },
      maxSuppression: 0,
    });
    const two = checkKAnonymity(r.records, ['zip', 'age'], 4, 'condition', 2);
    expect(two).toMatchObject({ satisfied: true, leastDiverse: 2 });
    const three = checkKAnonymity(r.records, ['zip', 'age'], 4, 'condition', 3);
    expect(three.satisfied).toBe(false);
    expect(three.violating[0]).toMatchObject({ values: { zip: '130**', age: '[20, 40)' }, distinctSensitive: 2 });
  });

  it('generalises times and location cells', () => {
    const t = Date.UTC(2024, 4, 17, 13, 45);
    expect(generalise({ type: 'time' }, t, 1, 5)).toBe('2024-05-17T13h');
    expect(generalise({ type: 'time' }, t, 3, 5)).toBe('2024-05');
    expect(generalise({ type: 'prefix', lengths: [5, 3] }, 'u4pruydqqvj', 2, 3)).toBe('u4p*');
    expect(generalise({ type: 'prefix', lengths: [5, 3] }, 'u4pruydqqvj', 3, 3)).toBe('*');
  });

  it('refuses unknown quasi-identifiers, hierarchies for other fields and an unreachable k', () => {
    expect(() => checkKAnonymity(TABLE, ['zip', 'firmware'], 2)).toThrow(/quasiIdentifiers: "firmware"/);
    expect(() => enforceKAnonymity(TABLE, ['zip'], { k: 2, hierarchies: { age: { type: 'suppress' } } })).toThrow(
      /hierarchies.age/,
    );
    expect(() => enforceKAnonymity(TABLE, ['zip'], { k: 9, hierarchies: {}, maxSuppression: 0 })).toThrow(/k = 9/);
  });
});
