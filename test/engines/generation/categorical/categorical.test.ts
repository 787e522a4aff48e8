import { describe, expect, it } from 'vitest';
import { TsiotError } from '../../../../src/core/errors.js';
import { createRng } from '../../../../src/core/rng.js';
import {
  describeCategorical,
  learnCategorical,
  sampleCategorical,
} from '../../../../src/engines/generation/categorical/index.js';
import { readCsv } from '../../../../src/engines/ingest/csv/index.js';

const HOUR = 3_600_000;
const hours = (n: number, start = Date.UTC(2025, 0, 6)) => Float64Array.from({ length: n }, (_, i) => start + i * HOUR);

describe('categorical columns', () => {
  it("learns a CSV's text columns: a constant as an attribute, a status and a mostly-missing comment as chains", async () => {
    const t = await readCsv({ path: 'test/fixtures/csv/stations.csv' });
    const model = learnCategorical([{ timestamps: t.series.timestamps, columns: t.categorical }]);
    expect(model.attributes.names).toEqual(['station']);
    expect(model.chains.map((c) => c.name)).toEqual(['status', 'comment']);
    expect(JSON.parse(JSON.stringify(model))).toEqual(model);
    expect(describeCategorical(model)[2]).toContain('and missing');
    const [copy] = sampleCategorical(model, [hours(500)], createRng(1));
    expect(copy!.attributes).toEqual({ station: 'north' });
    const status = copy!.columns.find((c) => c.name === 'status')!;
    expect(new Set(Array.from(status.codes, (c) => status.levels[c]))).toEqual(new Set(['ok', 'degraded', 'offline']));
    const comment = copy!.columns.find((c) => c.name === 'comment')!;
    const missing = comment.codes.filter((c) => c < 0).length / comment.codes.length;
    expect(missing).toBeGreaterThan(0.9);
  });

  it('follows the hour of day, keeps attribute combinations of real entities, and is seeded', () => {
    const rng = createRng(7);
    const levels = ['night', 'idle', 'busy'];
    const entities = Array.from({ length: 6 }, (_, e) => {
      const timestamps = hours(24 * 30);
      const mode = Int32Array.from(timestamps, (t) => {
        const h = new Date(t).getUTCHours();
        if (h < 6) return 0;
        return rng.next() < (h >= 9 && h < 17 ? 0.8 : 0.2) ? 2 : 1;
      });
      const site = e % 2;
      return {
        timestamps,
        columns: [
          { name: 'site', levels: ['plant-1', 'plant-2'], codes: new Int32Array(timestamps.length).fill(site) },
          { name: 'model', levels: ['A', 'B'], codes: new Int32Array(timestamps.length).fill(site) },
          { name: 'mode', levels, codes: mode },
        ],
      };
    });
    const model = learnCategorical(entities);
    expect(model.attributes.names).toEqual(['site', 'model']);
    expect(model.chains[0]!.slots).toBe(48);
    const copies = sampleCategorical(
      model,
      Array.from({ length: 40 }, () => hours(24 * 14, Date.UTC(2025, 5, 2))),
      createRng(2),
    );
    const byHour = Array.from({ length: 24 }, () => [0, 0, 0]);
    for (const c of copies) {
      // site and model always come together as in the data (plant-1 with A, plant-2 with B)
      expect(c.attributes.model).toBe(c.attributes.site === 'plant-1' ? 'A' : 'B');
      const mode = c.columns.find((x) => x.name === 'mode')!.codes;
      mode.forEach((code, i) => {
        byHour[i % 24]![code]!++;
      });
    }
    const share = (h: number, k: number) => byHour[h]![k]! / byHour[h]!.reduce((a, b) => a + b, 0);
    // Into hour 0 the slot's counts are shrunk a little towards the chain's overall transitions.
    expect(share(0, 0)).toBeGreaterThan(0.85);
    for (let h = 1; h < 6; h++) expect(share(h, 0)).toBeGreaterThan(0.95);
    expect(share(12, 2)).toBeGreaterThan(0.65);
    expect(share(20, 2)).toBeLessThan(0.35);
    const fixed = sampleCategorical(model, [hours(10)], createRng(3), { attributes: { site: 'plant-2' } });
    expect(fixed[0]!.attributes).toEqual({ site: 'plant-2', model: 'B' });
    expect(sampleCategorical(model, [hours(50)], createRng(9))).toEqual(
      sampleCategorical(model, [hours(50)], createRng(9)),
    );
    expect(() => sampleCategorical(model, [hours(5)], createRng(1), { attributes: { colour: 'red' } })).toThrow(
      TsiotError,
    );
  });
});
