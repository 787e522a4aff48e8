import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../src/core/errors.js';
import type { TimeSeries } from '../../../src/core/types.js';
import { newSeriesId } from '../../../src/engines/series/store.js';
import { createBuiltinFactory } from '../../../src/engines/generation/builtin.js';
import { CHECKPOINTS_COLLECTION, type CheckpointRecord } from '../../../src/engines/models/record.js';
import { ModelRegistry } from '../../../src/engines/models/registry.js';
import type { DocumentStore } from '../../../src/engines/storage/storage.js';
import { runTool } from '../../../src/registry/run-tool.js';
import type { AnyTool, ToolContext } from '../../../src/registry/tool.js';
import { describeModel } from '../../../tools/describe-model.js';
import { fitModel } from '../../../tools/fit-model.js';
import { generateFromModel } from '../../../tools/generate-from-model.js';
import { synthesizeLike } from '../../../tools/synthesize-like.js';
import { makeEngines, type TestEngines } from '../../helpers/engines.js';
import { fleet, SITES } from '../generation/fleet.js';
import { tempStore, twoColumnSeries } from './helpers.js';

/** Small DoppelGANger budgets: these tests check the plumbing, not the fidelity. */
const tinyDgan = {
  length: 24,
  sampleLen: 4,
  hidden: 8,
  mlpHidden: 12,
  discriminatorHidden: 16,
  discriminatorLayers: 2,
  batchSize: 8,
  iterations: 3,
};
const ATTRIBUTES = [
  { name: 'firmware', kind: 'numeric', min: 1, max: 3, integer: true },
  { name: 'model', kind: 'categorical', values: ['TH-100', 'TH-200'] },
  { name: 'site', kind: 'categorical', values: [...SITES] },
];

let engines: TestEngines;
let ctx: ToolContext;

beforeAll(async () => {
  engines = await makeEngines();
  ctx = { engines, logger: engines.logger, signal: new AbortController().signal, progress: () => undefined };
});
afterAll(async () => {
  await engines.close();
});

async function call(tool: AnyTool, input: unknown) {
  const r = await runTool(tool, input, ctx);
  const parsed = tool.outputSchema.safeParse(r.structured);
  if (!parsed.success) throw new Error(`${tool.name} output does not match its schema: ${parsed.error.message}`);
  return r;
}
const fail = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(TsiotError);
      return e as TsiotError;
    },
  );

/** A series as an inline entry of data.series. */
function inlineEntry(s: TimeSeries) {
  return {
    name: s.name,
    ...(s.metadata.attributes ? { attributes: s.metadata.attributes } : {}),
    timestamps: Array.from(s.timestamps, (t) => new Date(t).toISOString()),
    values: Object.fromEntries(s.columns.map((c) => [c.name, Array.from(c.values)])),
  };
}

/** Store series and return their ids. */
async function storeFleet(series: TimeSeries[]): Promise<string[]> {
  const ids: string[] = [];
  for (const s of series) ids.push((await engines.storage.store({ ...s, id: newSeriesId() })).id);
  return ids;
}

interface FitOut {
  id: string;
  status: string;
  model: {
    sequences?: number;
    sourceSeriesIds?: string[];
    training: { points: number; notes: string[] };
    details: { entities: number; attributes: unknown };
  };
}

describe('multi-series (fleet) fits through the model tools', () => {
  it('fits a 3-device fleet with attributes from stored ids and from inline series alike', async () => {
    const devices = fleet(3, 36);
    const ids = await storeFleet(devices);
    const fromIds = (
      await call(fitModel, {
        generator: 'dgan',
        data: { seriesIds: ids },
        options: tinyDgan,
        seed: 1,
        waitSeconds: 120,
      })
    ).structured as unknown as FitOut;
    expect(fromIds.status).toBe('ready');
    expect(fromIds.model.sequences).toBe(3);
    expect(fromIds.model.sourceSeriesIds).toEqual(ids);
    expect(fromIds.model.training.points).toBe(3 * 36);
    expect(fromIds.model.training.notes[0]).toBe('3 independent sequence(s), 108 rows in all');
    expect(fromIds.model.details.entities).toBe(3);
    expect(fromIds.model.details.attributes).toEqual(ATTRIBUTES);

    const inline = (
      await call(fitModel, {
        generator: 'dgan',
        data: { series: devices.map(inlineEntry) },
        options: tinyDgan,
        seed: 1,
        waitSeconds: 120,
      })
    ).structured as unknown as FitOut;
    expect(inline.model.sequences).toBe(3);
    expect(inline.model.sourceSeriesIds).toBeUndefined();
    expect(inline.model.details.attributes).toEqual(ATTRIBUTES);
    // The same data and seed learn the same model whichever way the series came in.
    const [a, b] = [await engines.models.get(fromIds.id), await engines.models.get(inline.id)];
    expect(b.details.losses).toEqual(a.details.losses);
    const desc = await call(describeModel, { id: inline.id });
    expect(desc.summary).toContain('of 3 independent series');

    // rnn learns the same fleet as independent sequences (no attributes).
    const rnn = (
      await call(fitModel, {
        generator: 'rnn',
        data: { seriesIds: ids },
        options: { hidden: 4, window: 8, iterations: 5, batchSize: 8 },
        seed: 2,
        waitSeconds: 120,
      })
    ).structured as unknown as FitOut;
    expect(rnn.model.sequences).toBe(3);
  }, 180_000);

  it("generate_from_model conditions a dgan model on attributes and stores them in each series' metadata", async () => {
    const ids = await storeFleet(fleet(3, 36, 2));
    const fit = (
      await call(fitModel, {
        generator: 'dgan',
        data: { seriesIds: ids },
        options: tinyDgan,
        seed: 3,
        waitSeconds: 120,
      })
    ).structured as unknown as FitOut;
    const g = await call(generateFromModel, {
      id: fit.id,
      length: 30,
      count: 4,
      seed: 5,
      attributes: { site: 'plant-3', firmware: 2 },
    });
    const out = g.structured as { series: { id: string; rows: number; attributes?: Record<string, unknown> }[] };
    expect(out.series).toHaveLength(4);
    for (const s of out.series) {
      expect(s.rows).toBe(30);
      expect(s.attributes).toMatchObject({ site: 'plant-3', firmware: 2 });
      expect(['TH-100', 'TH-200']).toContain(s.attributes!.model);
      const stored = await engines.storage.retrieve({ id: s.id });
      expect(stored.metadata.attributes).toEqual(s.attributes);
      expect(stored.metadata.modelId).toBe(fit.id);
    }
    // Unconditioned samples carry sampled attributes too; the same seed gives the same entities.
    const free1 = (await call(generateFromModel, { id: fit.id, length: 10, count: 6, seed: 9, store: false }))
      .structured as typeof out;
    const free2 = (await call(generateFromModel, { id: fit.id, length: 10, count: 6, seed: 9, store: false }))
      .structured as typeof out;
    expect(free1.series.every((s) => SITES.includes(s.attributes!.site as (typeof SITES)[number]))).toBe(true);
    expect(free2.series.map((s) => s.attributes)).toEqual(free1.series.map((s) => s.attributes));

    let e = await fail(call(generateFromModel, { id: fit.id, length: 10, attributes: { site: 'plant-9' } }));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain('attributes.site');
    expect(e.message).toContain('"plant-1", "plant-2", "plant-3"');
    e = await fail(call(generateFromModel, { id: fit.id, length: 10, attributes: { colour: 'red' } }));
    expect(e.message).toContain('the model has no attribute "colour"');
    e = await fail(call(generateFromModel, { id: fit.id, length: 10, attributes: { firmware: 9 } }));
    expect(e.message).toContain('from 1 to 3');

    const arima = (await call(fitModel, { generator: 'arima', data: { seriesId: ids[0] }, seed: 1 }))
      .structured as unknown as FitOut;
    e = await fail(call(generateFromModel, { id: arima.id, length: 10, attributes: { site: 'plant-1' } }));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain('(arima) learned no static attributes');
  }, 180_000);

  it('synthesize_like copies a fleet: as many entities as given, with attributes, validated against all of them', async () => {
    const devices = fleet(3, 36, 4);
    const r = await call(synthesizeLike, {
      generator: 'dgan',
      data: { series: devices.map(inlineEntry) },
      options: tinyDgan,
      seed: 2,
      store: false,
    });
    const out = r.structured as {
      series: { rows: number; attributes?: Record<string, unknown> }[];
      report: { score: number | null };
    };
    expect(out.series).toHaveLength(3);
    expect(out.series.every((s) => s.rows === 36 && SITES.includes(s.attributes?.site as (typeof SITES)[number]))).toBe(
      true,
    );
    expect(out.report.score).not.toBeNull();
    // Without a generator, several series get the mixture over windows.
    const auto = (
      await call(synthesizeLike, {
        data: { series: devices.map(inlineEntry) },
        options: { window: 12, maxComponents: 2 },
        seed: 2,
        store: false,
      })
    ).structured as { generator: string; notes: string[]; series: { rows: number }[] };
    expect(auto.generator).toBe('mixture');
    expect(auto.notes[0]).toBe('generator "mixture" chosen for 3 series (a fleet or windows)');
    expect(auto.series.map((s) => s.rows)).toEqual([36, 36, 36]);
  }, 120_000);

  it('refuses series with different columns, naming the series, and keeps no model', async () => {
    const devices = fleet(3, 36);
    const odd = {
      ...devices[1]!,
      columns: [devices[1]!.columns[0]!, { ...devices[1]!.columns[1]!, name: 'pressure' }],
    };
    const before = (await engines.models.list()).length;
    let e = await fail(
      call(fitModel, {
        generator: 'dgan',
        data: { series: [devices[0]!, odd, devices[2]!].map(inlineEntry) },
        options: tinyDgan,
      }),
    );
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain('data[1] ("dev-1")');
    expect(e.message).toContain('lacks "humidity"');
    expect(e.message).toContain('has extra "pressure"');
    expect(e.details).toMatchObject({ field: 'data[1]', missing: ['humidity'], extra: ['pressure'] });
    // With an explicit column choice the shared columns are enough.
    const ok = (
      await call(fitModel, {
        generator: 'rnn',
        data: { series: [devices[0]!, odd, devices[2]!].map(inlineEntry) },
        columns: ['temperature'],
        options: { hidden: 4, window: 8, iterations: 3, batchSize: 8 },
        waitSeconds: 120,
      })
    ).structured as unknown as FitOut;
    expect(ok.model.sequences).toBe(3);
    e = await fail(
      call(fitModel, {
        generator: 'rnn',
        data: { series: [devices[0]!, odd].map(inlineEntry) },
        columns: ['humidity'],
      }),
    );
    expect(e.message).toContain('data[1] ("dev-1")');
    expect(e.message).toContain('"humidity" not in the data');
    e = await fail(
      call(fitModel, { data: { series: [{ ...inlineEntry(devices[0]!), values: { temperature: [1, 2] } }] } }),
    );
    expect(e.message).toContain('data.series[0].values.temperature: 2 values but 36 timestamps');
    e = await fail(call(fitModel, { data: { seriesIds: ['ser_nope'] } }));
    expect(e.code).toBe('not_found');
    e = await fail(call(fitModel, { data: { seriesIds: ['ser_a'], seriesId: 'ser_b' } }));
    expect(e.message).toContain('exactly one of');
    expect((await engines.models.list()).length).toBe(before + 1);
  }, 120_000);
});

/** The real store, until `dieAfter` checkpoint writes: then every call fails, as if the process had died. */
function dyingStore(inner: DocumentStore, dieAfter: number): DocumentStore {
  let checkpoints = 0;
  let dead = false;
  const guard = () => {
    if (dead) throw new Error('the process died');
  };
  return {
    async putDocument(collection, id, doc) {
      guard();
      if (collection === CHECKPOINTS_COLLECTION && ++checkpoints > dieAfter) {
        dead = true;
        guard();
      }
      return inner.putDocument(collection, id, doc);
    },
    async getDocument(collection, id) {
      guard();
      return inner.getDocument(collection, id);
    },
    async listDocuments(collection, options) {
      guard();
      return inner.listDocuments(collection, options);
    },
    async deleteDocument(collection, id) {
      guard();
      return inner.deleteDocument(collection, id);
    },
  };
}

describe('resuming a multi-series fit', () => {
  it('keeps every sequence with its attributes in the checkpoint and resumes at the checkpointed iteration', async () => {
    const t = await tempStore();
    try {
      const devices = fleet(3, 36, 6);
      const dying = new ModelRegistry(dyingStore(t.store, 1), createBuiltinFactory());
      const id = 'mdl_fleet_resume';
      const options = { ...tinyDgan, iterations: 6, checkpointEvery: 2 };
      await expect(
        dying.fit(
          { generator: 'dgan', data: devices, options, seed: 4, sourceSeriesIds: ['ser_a', 'ser_b', 'ser_c'] },
          {},
          id,
        ),
      ).rejects.toThrow('the process died');
      dying.close();

      const registry = new ModelRegistry(t.store, createBuiltinFactory());
      expect(await registry.list()).toEqual([]);
      expect(await registry.resumable()).toEqual([
        expect.objectContaining({ id, generator: 'dgan', progress: { done: 2, total: 6 } }),
      ]);
      const cp = (await t.store.getDocument<CheckpointRecord>(CHECKPOINTS_COLLECTION, id))!;
      expect(cp.data).toBeUndefined();
      expect(cp.request.sourceSeriesIds).toEqual(['ser_a', 'ser_b', 'ser_c']);
      expect(cp.sequences!.map((s) => [s.id, s.attributes, s.timestamps.length])).toEqual(
        devices.map((d) => [d.id, d.metadata.attributes, 36]),
      );
      expect(cp.sequences![2]!.columns[1]!.values).toEqual(Array.from(devices[2]!.columns[1]!.values));

      const seen: number[] = [];
      const rec = await registry.resume(id, { onProgress: (p) => seen.push(p.done) });
      expect(seen).toEqual([3, 4, 5, 6]);
      expect(rec.id).toBe(id);
      expect(rec.sequences).toBe(3);
      expect(rec.sourceSeriesIds).toEqual(['ser_a', 'ser_b', 'ser_c']);
      expect(rec.details.resumedFrom).toEqual({ iteration: 2 });
      expect(rec.details.attributes).toEqual(ATTRIBUTES);
      expect(await registry.resumable()).toEqual([]);

      // The resumed run ends where an uninterrupted one does, apart from Adam's restarted moments: same shape, same attributes.
      const s = await registry.sample(id, {
        length: 12,
        count: 3,
        context: 'none',
        seed: 1,
        attributes: { site: 'plant-2' },
      });
      expect(s.series.map((x) => x.metadata.attributes?.site)).toEqual(['plant-2', 'plant-2', 'plant-2']);
      registry.close();
    } finally {
      await t.cleanup();
    }
  }, 120_000);

  it('a single-series fit still checkpoints its data as before', async () => {
    const t = await tempStore();
    try {
      const dying = new ModelRegistry(dyingStore(t.store, 1), createBuiltinFactory());
      await expect(
        dying.fit(
          {
            generator: 'dgan',
            data: twoColumnSeries(60),
            options: { ...tinyDgan, iterations: 6, checkpointEvery: 2 },
            seed: 1,
          },
          {},
          'mdl_single',
        ),
      ).rejects.toThrow();
      const cp = (await t.store.getDocument<CheckpointRecord>(CHECKPOINTS_COLLECTION, 'mdl_single'))!;
      expect(cp.sequences).toBeUndefined();
      expect(cp.data!.timestamps).toHaveLength(60);
      const registry = new ModelRegistry(t.store, createBuiltinFactory());
      const rec = await registry.resume('mdl_single');
      expect(rec.sequences).toBeUndefined();
      expect(rec.training.points).toBe(60);
      registry.close();
    } finally {
      await t.cleanup();
    }
  }, 120_000);
});
