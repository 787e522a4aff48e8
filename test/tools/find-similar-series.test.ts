import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../src/engines/storage/storage.js';
import { runTool } from '../../src/registry/run-tool.js';
import type { ToolContext } from '../../src/registry/tool.js';
import { findSimilarSeries } from '../../tools/find-similar-series.js';
import { makeEngines, type TestEngines } from '../helpers/engines.js';
import { toolCalls } from '../helpers/tools.js';
import { shapeFleet } from '../engines/storage/shapes.js';

let engines: TestEngines;
let ctx: ToolContext;

beforeAll(async () => {
  engines = await makeEngines();
  ctx = { engines, logger: engines.logger, signal: new AbortController().signal, progress: () => undefined };
  for (const s of shapeFleet()) await engines.storage.store(s);
});
afterAll(() => engines.close());

interface Match {
  id: string;
  name: string;
  column: string | null;
  distance: number;
}

async function call(input: unknown, c = ctx) {
  const r = await runTool(findSimilarSeries, input, c);
  return { ...(r.structured as { backend: string; matches: Match[] }), summary: r.summary };
}

/** The TsiotError a find_similar_series call raises, in this file's context or another. */
const errorOf = (input: unknown, c = ctx) => toolCalls(() => c).errorOf(findSimilarSeries, input);

const sine = Array.from({ length: 240 }, (_, i) => 12 + 4 * Math.sin(2 * Math.PI * 4 * (i / 240)));

describe('find_similar_series on the DuckDB backend', () => {
  it('finds sine-like series before noise and ramps, from inline values', async () => {
    const r = await call({ values: sine, limit: 4 });
    expect(r.backend).toBe('duckdb');
    expect(
      r.matches
        .slice(0, 2)
        .map((m) => m.id)
        .sort(),
    ).toEqual(['sine-a', 'sine-b']);
    expect(r.matches[1]!.distance).toBeLessThan(r.matches[2]!.distance);
    expect(r.matches.every((m) => m.column === 'value')).toBe(true);
    expect(r.summary).toMatch(/^4 matches for 240 inline values, nearest first: sine-/);
  });

  it('searches by stored id and column, leaving the series itself out', async () => {
    const r = await call({ id: 'sine-b', column: 'value', limit: 2 });
    expect(r.matches.map((m) => m.id)).toEqual(['sine-a', expect.not.stringMatching(/^sine-b$/)]);
    expect(r.summary).toContain('series "sine-b" column "value"');
  });

  it('treats null values as missing and honours matchColumn and excludeId', async () => {
    const gappy = sine.map((v, i) => (i % 17 === 0 ? null : v));
    const r = await call({ values: gappy, limit: 1, excludeId: 'sine-a' });
    expect(r.matches.map((m) => m.id)).toEqual(['sine-b']);
    const none = await call({ values: sine, matchColumn: 'humidity' });
    expect(none.matches).toEqual([]);
    expect(none.summary).toMatch(/^No stored series/);
  });

  it('is deterministic', async () => {
    const a = await call({ values: sine, limit: 10 });
    const b = await call({ values: sine, limit: 10 });
    expect(b).toEqual(a);
    expect(a.matches).toHaveLength(6);
  });

  it('refuses bad input naming the field', async () => {
    const neither = await errorOf({ limit: 3 });
    expect(neither.code).toBe('invalid_input');
    expect(neither.message).toMatch(/either id .* or values/);
    expect((await errorOf({ id: 'sine-a', values: [1, 2, 3] })).code).toBe('invalid_input');
    expect((await errorOf({ values: [1, 2], column: 'value' })).details).toMatchObject({ field: 'column' });
    const tooFew = await errorOf({ values: [1] });
    expect(tooFew.code).toBe('invalid_input');
    expect(tooFew.message).toContain('values');
    expect((await errorOf({ values: sine, limit: 0 })).message).toContain('limit');
    expect((await errorOf({ values: [1, 'x'] })).code).toBe('invalid_input');
    expect((await errorOf({ values: [5, 5, 5, 5] })).message).toMatch(/no shape/);
    expect((await errorOf({ id: 'missing-series' })).code).toBe('not_found');
    expect((await errorOf({ id: 'sine-a', column: 'nope' })).code).toBe('invalid_input');
  });

  it('answers unsupported when the storage has no similarity search', async () => {
    const s = engines.storage;
    // the same real storage, seen only through the plain Storage interface
    const plain: Storage = {
      kind: 'plain',
      init: () => s.init(),
      store: (x, o) => s.store(x, o),
      retrieve: (q) => s.retrieve(q),
      describe: (id) => s.describe(id),
      list: (q) => s.list(q),
      delete: (id) => s.delete(id),
      health: () => s.health(),
      close: async () => undefined,
    };
    const e = await errorOf({ values: sine }, { ...ctx, engines: { ...engines, storage: plain } });
    expect(e.code).toBe('unsupported');
    expect(e.message).toContain('plain backend has no similarity search');
  });
});
