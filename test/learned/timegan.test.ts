import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTf } from '../../src/engines/ml/tf.js';
import { builtinLearners } from '../../src/engines/models/learners.js';
import { CHECKPOINTS_COLLECTION } from '../../src/engines/models/record.js';
import { ModelRegistry } from '../../src/engines/models/registry.js';
import { DuckDbStorage } from '../../src/engines/storage/duckdb.js';
import { tempStore, twoColumnSeries } from '../models/helpers.js';

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
    const registry = new ModelRegistry(t.store, builtinLearners());
    const phases = new Set<string>();
    const rec = await registry.fit(
      { generator: 'timegan', data: twoColumnSeries(300), seed: 1, options: { ...tiny, embeddingIterations: 120, supervisedIterations: 10, jointIterations: 4 } },
      { onProgress: (p) => phases.add(p.message!.split(' ')[0]!) },
    );
    expect([...phases]).toEqual(['embedding', 'supervised', 'joint']);
    const losses = rec.details.losses as Record<string, { first: number; last: number; iterations: number }>;
    expect(losses.embedding!.last).toBeLessThan(0.7 * losses.embedding!.first);
    expect(losses.joint!.iterations).toBe(4);
    expect(tf.memory().numTensors).toBe(before);
    expect(await t.store.listDocuments(CHECKPOINTS_COLLECTION)).toEqual([]);
    const a = await registry.sample(rec.id, { length: 30, count: 3, seed: 2 });
    const fresh = new ModelRegistry(t.store, builtinLearners());
    const b = await fresh.sample(rec.id, { length: 30, count: 3, seed: 2 });
    expect(b.series.map((s) => s.columns.map((c) => Array.from(c.values)))).toEqual(a.series.map((s) => s.columns.map((c) => Array.from(c.values))));
    const v = a.series[0]!.columns[0]!.values;
    expect(v.every((x) => x >= rec.training.columns[0]!.min - 1e-6 && x <= rec.training.columns[0]!.max + 1e-6)).toBe(true);
    registry.close();
    fresh.close();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('resumes after the process dies at the iteration of the last checkpoint', async () => {
    const t = await tempStore();
    cleanup = t.cleanup;
    await t.store.close();
    const id = 'mdl_resume_test';
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/learned/timegan-child.ts', t.path, id], { stdio: ['ignore', 'pipe', 'inherit'] });
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
    const registry = new ModelRegistry(store, builtinLearners());
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
    expect((rec.details.losses as { joint: { iterations: number } }).joint.iterations).toBe(8);
    expect(await registry.resumable()).toEqual([]);
    expect((await registry.list()).map((m) => m.id)).toEqual([id]);
    registry.close();
  }, 120_000);
});
