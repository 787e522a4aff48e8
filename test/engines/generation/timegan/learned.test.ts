import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../../src/core/errors.js';
import { createRng } from '../../../../src/core/rng.js';
import { type TimeGanCheckpoint, timeganLearner } from '../../../../src/engines/generation/timegan/learned.js';
import { loadTf } from '../../../../src/engines/ml/tf.js';
import type { TrainingData } from '../../../../src/engines/generation/learner.js';
import { createBuiltinFactory } from '../../../../src/engines/generation/builtin.js';
import { CHECKPOINTS_COLLECTION } from '../../../../src/engines/models/record.js';
import { ModelRegistry } from '../../../../src/engines/models/registry.js';
import { prepareTrainingData } from '../../../../src/engines/models/training-data.js';
import { prepareTrainingSequences } from '../../../../src/engines/models/training-sequences.js';
import { DuckDbStorage } from '../../../../src/engines/storage/duckdb/index.js';
import { tempStore, twoColumnSeries } from '../../models/helpers.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const tiny = { seqLen: 8, hidden: 8, layers: 1, batchSize: 16, learningRate: 0.01, checkpointEvery: 5 };

describe('timegan learned generator', () => {
  it('trains the three phases (reconstruction loss falls), checkpoints, and samples identically after reload without leaking tensors', async () => {
    const t = await tempStore();
    cleanup = t.cleanup;
    const tf = await loadTf();
    const before = tf.memory().numTensors;
    const registry = new ModelRegistry(t.store, createBuiltinFactory());
    const phases = new Set<string>();
    const rec = await registry.fit(
      {
        generator: 'timegan',
        data: twoColumnSeries(300),
        seed: 1,
        options: { ...tiny, embeddingIterations: 120, supervisedIterations: 10, jointIterations: 4 },
      },
      { onProgress: (p) => phases.add(p.message!.split(' ')[0]!) },
    );
    expect([...phases]).toEqual(['embedding', 'supervised', 'joint']);
    const losses = rec.details.losses as Record<string, { first: number; last: number; iterations: number }>;
    expect(losses.embedding!.last).toBeLessThan(0.7 * losses.embedding!.first);
    expect(losses.joint!.iterations).toBe(4);
    expect(tf.memory().numTensors).toBe(before);
    expect(await t.store.listDocuments(CHECKPOINTS_COLLECTION)).toEqual([]);
    const a = await registry.sample(rec.id, { length: 30, count: 3, seed: 2 });
    const fresh = new ModelRegistry(t.store, createBuiltinFactory());
    const b = await fresh.sample(rec.id, { length: 30, count: 3, seed: 2 });
    expect(b.series.map((s) => s.columns.map((c) => Array.from(c.values)))).toEqual(
      a.series.map((s) => s.columns.map((c) => Array.from(c.values))),
    );
    const v = a.series[0]!.columns[0]!.values;
    expect(v.every((x) => x >= rec.training.columns[0]!.min - 1e-6 && x <= rec.training.columns[0]!.max + 1e-6)).toBe(
      true,
    );
    registry.close();
    fresh.close();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('resumes after the process dies at the iteration of the last checkpoint', async () => {
    const t = await tempStore();
    cleanup = t.cleanup;
    await t.store.close();
    const id = 'mdl_resume_test';
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/engines/generation/timegan/child.ts', t.path, id], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // Kill it hard once it is past the checkpoint at joint iteration 4 (overall 10 + 10 + 4 = 24).
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.split('\n').includes('26')) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    const store = new DuckDbStorage({ path: t.path });
    await store.init();
    cleanup = async () => {
      await store.close();
      await t.cleanup();
    };
    const registry = new ModelRegistry(store, createBuiltinFactory());
    expect(await registry.list()).toEqual([]);
    const resumable = await registry.resumable();
    expect(resumable).toHaveLength(1);
    expect(resumable[0]).toMatchObject({ id, generator: 'timegan', progress: { done: 24 } });
    const seen: number[] = [];
    // Resume with a shorter joint budget so the test ends.
    const rec = await registry.resume(id, { onProgress: (p) => seen.push(p.done) }, { jointIterations: 8 });
    expect(seen[0]).toBe(25);
    expect(seen.at(-1)).toBe(28);
    expect(rec.id).toBe(id);
    expect(rec.details.resumedFrom).toEqual({ phase: 'joint', iteration: 4 });
    expect(rec.details.resumedWithoutOptimizerState).toBeUndefined();
    expect((rec.details.losses as { joint: { iterations: number } }).joint.iterations).toBe(8);
    expect(await registry.resumable()).toEqual([]);
    expect((await registry.list()).map((m) => m.id)).toEqual([id]);
    registry.close();
  }, 120_000);

  describe('exact resume', () => {
    // Tiny networks, two iterations per early phase and six joint ones: N = 10, checkpoint after every iteration.
    const exact = {
      seqLen: 6,
      hidden: 4,
      layers: 1,
      batchSize: 8,
      learningRate: 0.01,
      embeddingIterations: 2,
      supervisedIterations: 2,
      jointIterations: 6,
      checkpointEvery: 1,
    };
    let data: TrainingData | undefined;
    const training = () => (data ??= prepareTrainingData(twoColumnSeries(120)));
    type Saved = { cp: TimeGanCheckpoint; done: number };
    /** Fit with the seed, recording every checkpoint as the registry would store it (a JSON round-trip). */
    async function run(resumeFrom?: TimeGanCheckpoint) {
      const saved: Saved[] = [];
      const fit = await timeganLearner.fit(training(), timeganLearner.fitOptionsSchema.parse(exact), {
        rng: createRng(9),
        ...(resumeFrom ? { resumeFrom } : {}),
        checkpoint: async (cp, progress) => {
          saved.push({ cp: JSON.parse(JSON.stringify(cp)) as TimeGanCheckpoint, done: progress.done });
        },
      });
      return { fit, saved };
    }

    // The wasm backend is deterministic in-process (same ops, same inputs, one thread: same bits), so
    // weights, Adam moments and losses are compared for exact equality, not within a tolerance.
    it('a fit resumed from the checkpoint at N/2 (JSON round-tripped) ends with the bit-identical weights and losses, without leaking tensors', async () => {
      const tf = await loadTf();
      const whole = await run();
      expect(whole.saved.map((s) => s.done)).toEqual([1, 3, 5, 6, 7, 8, 9]); // none at the end of a phase
      const half = whole.saved.find((s) => s.done === 5)!;
      expect(half.cp).toMatchObject({ phase: 'joint', iteration: 1 });
      // Every optimizer is saved; those of later phases have not stepped yet.
      expect(Object.fromEntries(Object.entries(half.cp.optimizers!).map(([n, o]) => [n, o.iterations]))).toMatchObject({
        e0: 2,
        s: 2,
        g: 2,
        e: 2,
      });
      expect(half.cp.optimizers!.g.weights).toHaveLength(2 * 2 * 5); // m and v of generator (5) and supervisor (5) variables
      expect(half.cp.optimizers!.g.accBeta).toHaveLength(2);

      const before = tf.memory().numTensors;
      // Only the checkpoint survives: a fresh Rng from the same seed and the JSON copy.
      const resumed = await run(JSON.parse(JSON.stringify(half.cp)) as TimeGanCheckpoint);
      expect(tf.memory().numTensors).toBe(before);
      expect(resumed.fit.details.resumedFrom).toEqual({ phase: 'joint', iteration: 1 });
      expect(resumed.fit.details.resumedWithoutOptimizerState).toBeUndefined();
      // Every later checkpoint (weights, optimizer state, all losses so far) matches the uninterrupted run's.
      expect(resumed.saved.map((s) => s.done)).toEqual([6, 7, 8, 9]);
      expect(resumed.saved).toEqual(whole.saved.filter((s) => s.done > 5));
      expect(resumed.fit.state.weights).toEqual(whole.fit.state.weights);
      expect(resumed.fit.details.losses).toEqual(whole.fit.details.losses);
      expect(resumed.saved.at(-1)!.cp.losses.joint).toHaveLength(5);
    }, 120_000);

    it('resumes a checkpoint without optimizer state (older format) with fresh Adam moments and says so', async () => {
      const tf = await loadTf();
      const whole = await run();
      const { optimizers: _dropped, ...old } = whole.saved.find((s) => s.done === 5)!.cp;
      const before = tf.memory().numTensors;
      const resumed = await run(JSON.parse(JSON.stringify(old)) as TimeGanCheckpoint);
      expect(tf.memory().numTensors).toBe(before);
      expect(resumed.fit.details.resumedFrom).toEqual({ phase: 'joint', iteration: 1 });
      expect(resumed.fit.details.resumedWithoutOptimizerState).toBe(true);
      expect((resumed.fit.details.losses as { joint: { iterations: number } }).joint.iterations).toBe(6);
      // Restarted Adam moments take different steps: the saved state is what makes resume exact.
      expect(resumed.fit.state.weights).not.toEqual(whole.fit.state.weights);
    }, 120_000);
  });
});

describe('timegan on independent sequences', () => {
  it('cuts training windows inside each sequence and refuses a window longer than every sequence', async () => {
    // Two 8-step sequences: with seqLen 8 every window is one whole sequence; 12 steps fit only across the join.
    const seq = (i: number, level: number) => ({
      ...twoColumnSeries(8, i + 1),
      id: `s${i}`,
      name: `s${i}`,
      columns: twoColumnSeries(8, i + 1).columns.map((c) => ({
        ...c,
        values: Float64Array.from(c.values, (v, t) => level + 0.01 * v + 0.1 * t),
      })),
    });
    const data = prepareTrainingSequences([seq(0, 0), seq(1, 10)]);
    const fit = await timeganLearner.fit(
      data,
      timeganLearner.fitOptionsSchema.parse({
        ...tiny,
        embeddingIterations: 2,
        supervisedIterations: 1,
        jointIterations: 1,
      }),
      { rng: createRng(1) },
    );
    expect(fit.state.seqLen).toBe(8);
    const e = await timeganLearner
      .fit(
        data,
        timeganLearner.fitOptionsSchema.parse({
          ...tiny,
          seqLen: 12,
          embeddingIterations: 1,
          supervisedIterations: 0,
          jointIterations: 0,
        }),
        { rng: createRng(1) },
      )
      .then(
        () => undefined,
        (x: unknown) => x,
      );
    expect(e).toBeInstanceOf(TsiotError);
    expect((e as TsiotError).details).toMatchObject({ field: 'options.seqLen', seqLen: 12, longestSequence: 8 });
  }, 60_000);
});
