import { afterEach, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../../src/core/errors.js';
import { createRng } from '../../../../src/core/rng.js';
import { type DganCheckpoint, type DganState, dganLearner } from '../../../../src/engines/generation/dgan/learned.js';
import { loadTf } from '../../../../src/engines/ml/tf.js';
import type { LoadedModel, SampleRequest } from '../../../../src/engines/generation/learner.js';
import { createBuiltinFactory } from '../../../../src/engines/generation/builtin.js';
import { ModelRegistry } from '../../../../src/engines/models/registry.js';
import { prepareTrainingSequences } from '../../../../src/engines/models/training-sequences.js';
import { tempStore, twoColumnSeries } from '../../models/helpers.js';
import { fleet, SITES } from '../fleet.js';

const tiny = {
  length: 24,
  sampleLen: 4,
  hidden: 12,
  mlpHidden: 16,
  discriminatorHidden: 24,
  discriminatorLayers: 2,
  batchSize: 16,
  iterations: 12,
};
const options = (o: Record<string, unknown> = {}) => dganLearner.fitOptionsSchema.parse({ ...tiny, ...o });
const data = prepareTrainingSequences(fleet(9, 36));

async function fitTiny(o: Record<string, unknown> = {}, seed = 1) {
  return dganLearner.fit(data, options(o), { rng: createRng(seed) });
}

function rejects(f: () => Promise<unknown>, ...parts: string[]) {
  return f().then(
    () => expect.unreachable('expected invalid_input'),
    (e: unknown) => {
      expect(e).toBeInstanceOf(TsiotError);
      expect((e as TsiotError).code).toBe('invalid_input');
      for (const p of parts) expect((e as TsiotError).message).toContain(p);
    },
  );
}

let model: LoadedModel | undefined;
afterEach(() => {
  model?.dispose();
  model = undefined;
});

describe('dgan (DoppelGANger) learned generator', () => {
  it('learns the attributes, trains, and samples entities of the right shape within the data range', async () => {
    const progress: number[] = [];
    const fit = await dganLearner.fit(data, options(), { rng: createRng(1), onProgress: (p) => progress.push(p.done) });
    expect(progress).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(fit.state.attributes).toEqual([
      { name: 'firmware', kind: 'numeric', min: 1, max: 4, integer: true },
      { name: 'model', kind: 'categorical', values: ['TH-100', 'TH-200'] },
      { name: 'site', kind: 'categorical', values: [...SITES] },
    ]);
    const losses = fit.details.losses as Record<string, { first: number; last: number; iterations: number }>;
    for (const l of Object.values(losses)) {
      expect(l.iterations).toBe(12);
      expect(Number.isFinite(l.first) && Number.isFinite(l.last)).toBe(true);
    }
    model = await dganLearner.load(JSON.parse(JSON.stringify(fit.state)) as DganState);
    const entities = await model.sampleEntities!({ length: 30, count: 40, context: 'none' }, createRng(2));
    expect(entities).toHaveLength(40);
    const [t, h] = data.summary.columns;
    for (const e of entities) {
      expect(e.path).toHaveLength(2);
      expect(e.path[0]).toHaveLength(30); // longer than the crops: the feature GRU keeps going
      expect(SITES).toContain(e.attributes.site);
      expect(['TH-100', 'TH-200']).toContain(e.attributes.model);
      expect([1, 2, 3, 4]).toContain(e.attributes.firmware);
      // Entity min/max lie in [0, 1] of the overall range up to half a range either side.
      for (const [col, c] of [
        [e.path[0]!, t!],
        [e.path[1]!, h!],
      ] as const) {
        const span = c.max - c.min;
        for (const v of col) {
          expect(Number.isFinite(v)).toBe(true);
          expect(v).toBeGreaterThanOrEqual(c.min - span / 2);
          expect(v).toBeLessThanOrEqual(c.max + span / 2);
        }
      }
    }
  }, 120_000);

  it("training narrows the critic's Wasserstein estimate and learns how the site sets the level", async () => {
    const fit = await dganLearner.fit(
      prepareTrainingSequences(fleet(12, 36)),
      options({
        iterations: 300,
        batchSize: 32,
        hidden: 24,
        mlpHidden: 32,
        discriminatorHidden: 48,
        learningRate: 0.003,
      }),
      { rng: createRng(11) },
    );
    const w = (fit.details.losses as Record<string, { first: number; last: number }>).wasserstein;
    expect(w.last).toBeLessThan(0.75 * w.first);
    model = await dganLearner.load(fit.state);
    const level = async (site: string) => {
      const es = await model!.sampleEntities!(
        { length: 24, count: 60, context: 'none', attributes: { site } },
        createRng(site),
      );
      return es.reduce((s, e) => s + e.path[0]!.reduce((a, v) => a + v, 0) / 24, 0) / es.length;
    };
    // Real levels: 20, 40 and 60 °C.
    const [p1, p2, p3] = [await level('plant-1'), await level('plant-2'), await level('plant-3')];
    expect(p2).toBeGreaterThan(p1 + 8);
    expect(p3).toBeGreaterThan(p2 + 8);
  }, 180_000);

  it('honours requested attributes and rejects unknown attributes and values by name', async () => {
    const fit = await fitTiny();
    model = await dganLearner.load(fit.state);
    const m = model;
    const req = (attributes: Record<string, string | number | boolean>): SampleRequest => ({
      length: 12,
      count: 25,
      context: 'none',
      attributes,
    });
    const got = await m.sampleEntities!(req({ site: 'plant-3', firmware: 2 }), createRng(4));
    expect(got.every((e) => e.attributes.site === 'plant-3' && e.attributes.firmware === 2)).toBe(true);
    expect(new Set(got.map((e) => e.attributes.model)).size).toBeGreaterThan(0);
    await rejects(
      () => m.sample(req({ site: 'plant-9' }), createRng(1)),
      'attributes.site',
      '"plant-9"',
      '"plant-1", "plant-2", "plant-3"',
    );
    await rejects(
      () => m.sample(req({ colour: 'red' }), createRng(1)),
      'attributes.colour',
      '"firmware", "model", "site"',
    );
    await rejects(() => m.sample(req({ firmware: 7 }), createRng(1)), 'attributes.firmware', 'from 1 to 4');
  }, 120_000);

  it('a reloaded model samples identically for the same seed, without leaking tensors', async () => {
    const tf = await loadTf();
    const before = tf.memory().numTensors;
    const fit = await fitTiny({ iterations: 4 });
    expect(tf.memory().numTensors).toBe(before);
    model = await dganLearner.load(fit.state);
    const req: SampleRequest = { length: 16, count: 6, context: 'none' };
    const a = await model.sampleEntities!(req, createRng(7));
    const loaded = tf.memory().numTensors;
    for (let i = 0; i < 60; i++)
      await model.sample({ ...req, ...(i % 2 ? { attributes: { site: 'plant-2' } } : {}) }, createRng(i));
    await model.sample({ ...req, attributes: { site: 'nowhere' } }, createRng(1)).catch(() => undefined);
    expect(tf.memory().numTensors).toBe(loaded);
    const again = await dganLearner.load(JSON.parse(JSON.stringify(fit.state)) as DganState);
    const b = await again.sampleEntities!(req, createRng(7));
    const c = await again.sampleEntities!(req, createRng(8));
    again.dispose();
    const flat = (es: typeof a) =>
      es.map((e) => ({ attributes: e.attributes, path: e.path.map((p) => Array.from(p)) }));
    expect(flat(b)).toEqual(flat(a));
    expect(flat(c)).not.toEqual(flat(a));
    model.dispose();
    model = undefined;
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('is reproducible for a seed, checkpoints, and resumes at the right iteration', async () => {
    const a = await fitTiny({ iterations: 6 }, 3);
    const b = await fitTiny({ iterations: 6 }, 3);
    expect(b.state.weights).toEqual(a.state.weights);
    const saved: { cp: DganCheckpoint; done: number }[] = [];
    const controller = new AbortController();
    await expect(
      dganLearner.fit(data, options({ iterations: 10, checkpointEvery: 4 }), {
        rng: createRng(5),
        signal: controller.signal,
        checkpoint: async (cp, progress) => {
          saved.push({ cp: JSON.parse(JSON.stringify(cp)) as DganCheckpoint, done: progress.done });
          if (progress.done === 8) controller.abort();
        },
      }),
    ).rejects.toThrow();
    expect(saved.map((s) => s.done)).toEqual([4, 8]);
    const resumedProgress: number[] = [];
    const resumed = await dganLearner.fit(data, options({ iterations: 10, checkpointEvery: 4 }), {
      rng: createRng(5),
      resumeFrom: saved[1]!.cp,
      onProgress: (p) => resumedProgress.push(p.done),
    });
    expect(resumedProgress).toEqual([9, 10]);
    expect(resumed.details.resumedFrom).toEqual({ iteration: 8 });
    expect(resumed.details.resumedWithoutOptimizerState).toBeUndefined();
    expect((resumed.details.losses as { generator: { iterations: number } }).generator.iterations).toBe(10);
  }, 120_000);

  describe('exact resume', () => {
    // Tiny networks, N = 8 iterations, a checkpoint after every iteration.
    const exact = {
      length: 12,
      sampleLen: 4,
      hidden: 4,
      mlpHidden: 8,
      discriminatorHidden: 8,
      discriminatorLayers: 1,
      batchSize: 8,
      iterations: 8,
      checkpointEvery: 1,
    };
    type Saved = { cp: DganCheckpoint; done: number };
    /** Fit with the seed, recording every checkpoint as the registry would store it (a JSON round-trip). */
    async function run(resumeFrom?: DganCheckpoint) {
      const saved: Saved[] = [];
      const fit = await dganLearner.fit(data, options(exact), {
        rng: createRng(21),
        ...(resumeFrom ? { resumeFrom } : {}),
        checkpoint: async (cp, progress) => {
          saved.push({ cp: JSON.parse(JSON.stringify(cp)) as DganCheckpoint, done: progress.done });
        },
      });
      return { fit, saved };
    }

    // The wasm backend is deterministic in-process (same ops, same inputs, one thread: same bits), so
    // weights, Adam moments and losses are compared for exact equality, not within a tolerance.
    it('a fit resumed from the checkpoint at N/2 (JSON round-tripped) ends with the bit-identical weights and losses, without leaking tensors', async () => {
      const tf = await loadTf();
      const whole = await run();
      expect(whole.saved.map((s) => s.done)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      const half = whole.saved[3]!.cp;
      expect(half.iteration).toBe(4);
      expect(half.optimizers!.generator.iterations).toBe(4);
      expect(half.optimizers!.critic.iterations).toBe(4);
      expect(half.optimizers!.critic.accBeta).toHaveLength(2);
      expect(half.optimizers!.critic.weights).toHaveLength(2 * (2 * 2 + 2 * 2)); // m and v of both one-hidden-layer critics

      const before = tf.memory().numTensors;
      // Only the checkpoint survives: a fresh Rng from the same seed and the JSON copy.
      const resumed = await run(JSON.parse(JSON.stringify(half)) as DganCheckpoint);
      expect(tf.memory().numTensors).toBe(before);
      expect(resumed.fit.details.resumedFrom).toEqual({ iteration: 4 });
      expect(resumed.fit.details.resumedWithoutOptimizerState).toBeUndefined();
      // Every later checkpoint (all five networks, optimizer state, all losses so far) matches the uninterrupted run's.
      expect(resumed.saved.map((s) => s.done)).toEqual([5, 6, 7]);
      expect(resumed.saved).toEqual(whole.saved.slice(4));
      expect(resumed.fit.state.weights).toEqual(whole.fit.state.weights);
      expect(resumed.fit.details.losses).toEqual(whole.fit.details.losses);
      expect(resumed.saved.at(-1)!.cp.losses.generator).toHaveLength(7);
    }, 120_000);

    it('resumes a checkpoint without optimizer state (older format) with fresh Adam moments and says so', async () => {
      const tf = await loadTf();
      const whole = await run();
      const { optimizers: _dropped, ...old } = whole.saved[3]!.cp;
      const before = tf.memory().numTensors;
      const resumed = await run(JSON.parse(JSON.stringify(old)) as DganCheckpoint);
      expect(tf.memory().numTensors).toBe(before);
      expect(resumed.fit.details.resumedFrom).toEqual({ iteration: 4 });
      expect(resumed.fit.details.resumedWithoutOptimizerState).toBe(true);
      expect((resumed.fit.details.losses as { generator: { iterations: number } }).generator.iterations).toBe(8);
      // Restarted Adam moments take different steps: the saved state is what makes resume exact.
      expect(resumed.fit.state.weights).not.toEqual(whole.fit.state.weights);
    }, 120_000);
  });

  it('trains with smooth leaky critics too', async () => {
    const fit = await fitTiny({ iterations: 5, criticActivation: 'smooth-leaky' }, 4);
    expect(fit.state.shapes.discriminator.activation).toBe('smooth-leaky');
    const d = (fit.details.losses as Record<string, { last: number }>).discriminator;
    expect(Number.isFinite(d.last)).toBe(true);
  }, 60_000);

  it('refuses entities without the shared attributes and crops longer than an entity', async () => {
    const bad = fleet(3, 30);
    delete bad[1]!.metadata.attributes!.site;
    await rejects(
      async () => dganLearner.fit(prepareTrainingSequences(bad), options(), { rng: createRng(1) }),
      'data[1]',
      'attribute "site" is missing',
    );
    await rejects(() => fitTiny({ length: 48 }), 'length: 48', 'shortest entity (36 rows)');
  }, 60_000);

  it('is registered as dgan and ydata and fits a single series through the model registry', async () => {
    const t = await tempStore();
    try {
      const registry = new ModelRegistry(t.store, createBuiltinFactory());
      expect(registry.generators()).toEqual(expect.arrayContaining(['dgan', 'ydata']));
      const rec = await registry.fit({
        generator: 'ydata',
        data: twoColumnSeries(120),
        seed: 1,
        options: { ...tiny, iterations: 3 },
      });
      expect(rec.generator).toBe('ydata');
      const s = await registry.sample(rec.id, { length: 20, count: 2, context: 'none', seed: 3 });
      expect(s.series).toHaveLength(2);
      expect(s.series[0]!.columns.map((c) => c.name)).toEqual(['temperature', 'humidity']);
      expect(s.series[0]!.columns[0]!.values.every(Number.isFinite)).toBe(true);
      registry.close();
    } finally {
      await t.cleanup();
    }
  }, 120_000);
});
