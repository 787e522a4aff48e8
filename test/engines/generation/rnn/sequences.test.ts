import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../src/core/rng.js';
import type { TimeSeries } from '../../../../src/core/types.js';
import { type RnnState, rnnLearner } from '../../../../src/engines/generation/rnn/learned.js';
import type { SampledPath, TrainingData } from '../../../../src/engines/generation/learner.js';
import { prepareTrainingData } from '../../../../src/engines/models/training-data.js';
import { prepareTrainingSequences } from '../../../../src/engines/models/training-sequences.js';
import { sines, type Windows } from '../../../../src/engines/validation/fidelity/data.js';
import { discriminativeScore } from '../../../../src/engines/validation/fidelity/discriminative.js';
import { windowAcfDistance } from '../../../../src/engines/validation/fidelity/metrics.js';

const names = ['f0', 'f1', 'f2', 'f3', 'f4'];

function windowSeries(w: Windows, i: number): TimeSeries {
  return {
    id: `w${i}`,
    name: `w${i}`,
    metadata: { tags: {} },
    timestamps: Float64Array.from({ length: w.length }, (_, t) => t * 1000),
    columns: names.map((name, d) => ({
      name,
      values: Float64Array.from({ length: w.length }, (_, t) => w.data[(i * w.length + t) * w.dim + d]!),
    })),
    labels: [],
  };
}

function toWindows(paths: SampledPath[], like: Windows): Windows {
  const data = new Float32Array(paths.length * like.length * like.dim);
  for (let i = 0; i < paths.length; i++) {
    paths[i]!.forEach((col, d) => {
      for (let t = 0; t < col.length; t++) data[(i * like.length + t) * like.dim + d] = col[t]!;
    });
  }
  return { count: paths.length, length: like.length, dim: like.dim, data };
}

async function fitAndSample(data: TrainingData, real: Windows, seed: number) {
  const options = rnnLearner.fitOptionsSchema.parse({ hidden: 16, iterations: 150, batchSize: 32, learningRate: 0.01 });
  const fit = await rnnLearner.fit(data, options, { rng: createRng(seed) });
  const model = await rnnLearner.load(fit.state);
  try {
    const paths = await model.sample({ length: real.length, count: real.count, context: 'none' }, createRng(seed + 1));
    return { fit, synthetic: toWindows(paths, real) };
  } finally {
    model.dispose();
  }
}

describe('rnn on independent sequences', () => {
  const real = sines(createRng('sines'), 300);
  const sequences = prepareTrainingSequences(Array.from({ length: real.count }, (_, i) => windowSeries(real, i)));

  it('prepares a set of windows: summary over all, concatenation kept, constant columns refused only when constant everywhere', () => {
    expect(sequences.sequences).toHaveLength(300);
    expect(sequences.summary.points).toBe(300 * 24);
    expect(sequences.series.columns[0]!.values).toHaveLength(300 * 24);
    expect(sequences.summary.notes[0]).toBe('300 independent sequence(s), 7200 rows in all');
    const flat = (v: number) => ({
      ...windowSeries(real, 0),
      columns: [{ name: 'f0', values: new Float64Array(24).fill(v) }],
    });
    expect(prepareTrainingSequences([flat(1), flat(2)]).summary.columns[0]!.min).toBe(1);
    expect(() => prepareTrainingSequences([flat(1), flat(1)])).toThrow(
      /column "f0" is constant \(1\) in every sequence/,
    );
    const gappy = { ...windowSeries(real, 1), columns: [{ name: 'f0', values: new Float64Array(24).fill(NaN) }] };
    expect(() => prepareTrainingSequences([flat(1), gappy])).toThrow(/data\[1\] \("w1"\): column "f0" has no values/);
  });

  it('learns within windows, never across their joins, and starts paths where training windows start', async () => {
    const seq = await fitAndSample(sequences, real, 1);
    const state = seq.fit.state as RnnState;
    expect(state.window).toBe(23); // shortened to the 24-step windows
    expect(state.initial![0]).toHaveLength(300);
    // Every sampled path starts at the first row of a training window.
    const starts = new Set(
      Array.from({ length: real.count }, (_, i) => names.map((_, d) => real.data[i * 24 * 5 + d]!.toFixed(5)).join()),
    );
    for (let i = 0; i < 20; i++)
      expect(starts.has(names.map((_, d) => seq.synthetic.data[i * 24 * 5 + d]!.toFixed(5)).join())).toBe(true);

    // The same windows laid end to end (the joins become part of the "series").
    const rows = sequences.series.timestamps.length;
    const joined = prepareTrainingData({
      ...sequences.series,
      timestamps: Float64Array.from({ length: rows }, (_, i) => i * 1000),
    });
    const cat = await fitAndSample(joined, real, 1);
    // Fidelity metrics (tiny budgets): the independent-sequence model is closer to the real windows.
    const acfSeq = windowAcfDistance(real, seq.synthetic);
    const acfCat = windowAcfDistance(real, cat.synthetic);
    expect(acfSeq).toBeLessThan(acfCat);
    const disc = async (synthetic: Windows) =>
      (await discriminativeScore(real, synthetic, createRng('disc'), { iterations: 300, batchSize: 64 })).score;
    const [dSeq, dCat] = [await disc(seq.synthetic), await disc(cat.synthetic)];
    expect(dSeq).toBeLessThan(dCat);
  }, 180_000);
});
