import { describe, expect, it } from 'vitest';
import { SeriesJsonSchema, SeriesSummarySchema, LabelSchema, SeedSchema, TagsSchema } from '../../src/core/schemas.js';
import { seriesFromJson, seriesToJson, summarize } from '../../src/core/series.js';
import { createRng } from '../../src/core/rng.js';
import { statisticalGenerator } from '../../src/engines/generation/statistical/index.js';

async function labelledSeries() {
  const gen = statisticalGenerator.create();
  const params = statisticalGenerator.paramsSchema.parse({
    duration: '2h',
    interval: '1m',
    sensors: [{ type: 'temperature' }, { type: 'humidity' }],
    anomalies: [{ type: 'spike', count: 2 }],
    imperfections: { missingRate: 0.05 },
  });
  const out = await gen.generate(params, { rng: createRng(4) });
  return out.series[0]!;
}

describe('the wire schemas describe what the engines produce', () => {
  it('a summary and the JSON form of a generated series parse with their schemas', async () => {
    const s = await labelledSeries();
    s.metadata = { ...s.metadata, generator: 'statistical', seed: 4, modelId: 'mdl_x' };
    const summary = SeriesSummarySchema.parse(summarize(s));
    expect(summary.metadata.modelId).toBe('mdl_x');
    expect(summary.labels).toBe(s.labels.length);
    const json = SeriesJsonSchema.parse(JSON.parse(JSON.stringify(seriesToJson(s))));
    expect(json.values.humidity!.some((v) => v === null)).toBe(true);
    expect(s.labels.length).toBeGreaterThan(0);
    for (const l of s.labels) LabelSchema.parse(l);
    const back = seriesFromJson(json);
    expect(Array.from(back.columns[1]!.values).map((v) => (Number.isNaN(v) ? null : v))).toEqual(json.values.humidity);
  });

  it('refuses what does not fit, naming the field', () => {
    expect(() => SeedSchema.parse(-1)).toThrow();
    expect(() => SeedSchema.parse('')).toThrow();
    expect(SeedSchema.parse('plant-3')).toBe('plant-3');
    const bad = TagsSchema.safeParse({ site: 3 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['site']);
    const label = LabelSchema.safeParse({ type: 'spike', kind: 'fault', start: 0, end: 1 });
    expect(label.error?.issues[0]?.path).toEqual(['kind']);
  });

  it('every field of the shared schemas carries a description', () => {
    for (const schema of [SeriesSummarySchema, SeriesJsonSchema, LabelSchema]) {
      for (const [field, s] of Object.entries(schema.shape)) {
        const text = (s as { description?: string }).description;
        expect(text, `${field} is described`).toBeTruthy();
      }
    }
  });
});
