import { afterEach, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../../src/core/errors.js';
import { createRng } from '../../../../src/core/rng.js';
import type { TimeSeries } from '../../../../src/core/types.js';
import { symmetricEigen } from '../../../../src/engines/generation/mixture/eigen.js';
import { fitGmm, sampleGmm } from '../../../../src/engines/generation/mixture/gmm.js';
import { addGram, invertLower, rowProducts } from '../../../../src/engines/generation/mixture/kernels.js';
import { searchComponents } from '../../../../src/engines/generation/mixture/search.js';
import { type MixtureState, mixtureLearner } from '../../../../src/engines/generation/mixture/learned.js';
import { fitPca } from '../../../../src/engines/generation/mixture/pca.js';
import type { SampledPath, TrainingData } from '../../../../src/engines/generation/learner.js';
import { createBuiltinFactory } from '../../../../src/engines/generation/builtin.js';
import { ModelRegistry } from '../../../../src/engines/models/registry.js';
import { prepareTrainingData } from '../../../../src/engines/models/training-data.js';
import { prepareTrainingSequences } from '../../../../src/engines/models/training-sequences.js';
import { sines, type Windows } from '../../../../src/engines/validation/fidelity/data.js';
import { ksTwoSample } from '../../../../src/engines/validation/stats/ks.js';
import { discriminativeScore } from '../../../../src/engines/validation/fidelity/discriminative.js';
import { gaussianSampler } from '../../../../src/engines/validation/fidelity/protocol.js';
import { tempStore } from '../../models/helpers.js';

const names = ['f0', 'f1', 'f2'];

function windowSeries(w: Windows, i: number): TimeSeries {
  return {
    id: `w${i}`,
    name: `w${i}`,
    metadata: { tags: {} },
    timestamps: Float64Array.from({ length: w.length }, (_, t) => t * 1000),
    columns: names.slice(0, w.dim).map((name, d) => ({
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

/** One long series: a daily cycle over hourly rows plus a little AR(1) noise. */
function cycleSeries(rows: number, seed = 1): TimeSeries {
  const rng = createRng(seed);
  let ar = 0;
  const values = Float64Array.from({ length: rows }, (_, t) => {
    ar = 0.5 * ar + 0.05 * rng.normal();
    return 10 + 3 * Math.sin((2 * Math.PI * t) / 24) + ar;
  });
  return {
    id: 'cycle',
    name: 'cycle',
    metadata: { tags: {} },
    timestamps: Float64Array.from({ length: rows }, (_, t) => t * 3_600_000),
    columns: [{ name: 'temperature', values }],
    labels: [],
  };
}

const fitOptions = (o: Record<string, unknown> = {}) => mixtureLearner.fitOptionsSchema.parse(o);

function lagCorrelation(v: Float64Array, lag: number): number {
  const n = v.length - lag;
  let ma = 0;
  let mb = 0;
  for (let t = 0; t < n; t++) {
    ma += v[t]! / n;
    mb += v[t + lag]! / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let t = 0; t < n; t++) {
    sab += (v[t]! - ma) * (v[t + lag]! - mb);
    saa += (v[t]! - ma) ** 2;
    sbb += (v[t + lag]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('mixture: the linear algebra underneath', () => {
  it('decomposes a symmetric matrix into orthonormal eigenvectors that rebuild it', () => {
    const rng = createRng(3);
    const n = 12;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
    const { values, vectors } = symmetricEigen(a, n);
    for (let k = 1; k < n; k++) expect(values[k]!).toBeLessThanOrEqual(values[k - 1]!);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let rebuilt = 0;
        let dot = 0;
        for (let k = 0; k < n; k++) {
          rebuilt += values[k]! * vectors[k * n + i]! * vectors[k * n + j]!;
          dot += vectors[i * n + k]! * vectors[j * n + k]!;
        }
        expect(rebuilt).toBeCloseTo(a[i * n + j]!, 9);
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 9);
      }
    }
  });

  it('gives the known eigenvalues 2 − 2cos(kπ/(n+1)) of the 312 × 312 second-difference matrix', () => {
    const n = 312;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      a[i * n + i] = 2;
      if (i > 0) a[i * n + i - 1] = a[(i - 1) * n + i] = -1;
    }
    const { values, vectors } = symmetricEigen(a, n);
    for (let k = 1; k <= n; k++) expect(values[n - k]!).toBeCloseTo(2 - 2 * Math.cos((k * Math.PI) / (n + 1)), 10);
    // Eigenvector of the largest: ±sin(i·nπ/(n+1)) normalised, with its largest entry made positive.
    const v = Array.from(vectors.subarray(0, n));
    const ref = v.map((_, i) => Math.sqrt(2 / (n + 1)) * Math.sin(((i + 1) * n * Math.PI) / (n + 1)));
    const dot = v.reduce((acc, x, i) => acc + x * ref[i]!, 0);
    expect(Math.abs(dot)).toBeCloseTo(1, 10);
    expect(Math.max(...v)).toBeCloseTo(Math.max(...v.map(Math.abs)), 12);
  });

  it('computes blocked products and Gram matrices equal to plain dot products, at every shape remainder', () => {
    const rng = createRng(8);
    for (const [n, m, K] of [
      [1, 1, 1],
      [5, 3, 7],
      [9, 6, 6],
      [8, 5, 5],
      [13, 11, 11],
    ] as const) {
      const a = Float64Array.from({ length: n * K }, () => rng.normal());
      const b = Float64Array.from({ length: m * K }, () => rng.normal());
      const out = new Float64Array(n * m);
      rowProducts(a, n, b, m, K, out);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < m; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += a[i * K + k]! * b[j * K + k]!;
          expect(out[i * m + j]!).toBeCloseTo(s, 12);
        }
      if (m === K) {
        // A lower-triangular b (zeros stored above the diagonal) is read only up to its diagonal.
        const lower = b.map((v, idx) => (idx % K <= Math.floor(idx / K) ? v : 0));
        const ref = new Float64Array(n * m);
        rowProducts(a, n, lower, m, K, ref);
        rowProducts(a, n, lower, m, K, out, true);
        expect(Array.from(out)).toEqual(Array.from(ref));
        // The inverse of a lower-triangular matrix, times it, is the identity.
        const l = lower.map((v, idx) => (idx % (K + 1) === 0 ? Math.abs(v) + 1 : v));
        const inv = invertLower(l, K);
        for (let i = 0; i < K; i++)
          for (let j = 0; j < K; j++) {
            let s = 0;
            for (let k = 0; k < K; k++) s += l[i * K + k]! * inv[k * K + j]!;
            expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
          }
      }
      const gram = new Float64Array(n * n).fill(1);
      addGram(a, n, K, gram);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 1;
          for (let k = 0; k < K; k++) s += a[i * K + k]! * a[j * K + k]!;
          expect(gram[i * n + j]!).toBeCloseTo(s, 12);
        }
    }
  });

  it('finds the 3 directions points in 10 dimensions lie on, and the variance it leaves out', () => {
    const rng = createRng(4);
    const n = 2000;
    const dim = 10;
    const basis = Array.from({ length: 3 }, () => Array.from({ length: dim }, () => rng.normal()));
    const points = new Float64Array(n * dim);
    for (let i = 0; i < n; i++) {
      const z = [3 * rng.normal(), 2 * rng.normal(), rng.normal()];
      for (let j = 0; j < dim; j++)
        points[i * dim + j] =
          5 + z[0]! * basis[0]![j]! + z[1]! * basis[1]![j]! + z[2]! * basis[2]![j]! + 0.01 * rng.normal();
    }
    const pca = fitPca(points, n, dim, { variance: 0.999, maxLatent: 10 });
    expect(pca.latent).toBe(3);
    expect(pca.explained).toBeGreaterThan(0.999);
    expect(pca.mean[0]!).toBeCloseTo(5, 0);
    // Isotropic noise of variance 1e-4: the 7 dropped directions leave 7/10 of it per coordinate on average.
    const left = pca.residualVariance.reduce((a, b) => a + b, 0) / dim;
    expect(Math.abs(left - 0.7e-4)).toBeLessThan(1e-5);
  });

  it('recovers the weights, means and spreads of a known two-component mixture by EM', async () => {
    const rng = createRng(5);
    const n = 4000;
    const points = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      const first = rng.nextDouble() < 0.3;
      points[i * 2] = first ? -4 + 0.5 * rng.normal() : 3 + 1.5 * rng.normal();
      points[i * 2 + 1] = first ? 2 + 0.5 * rng.normal() : -1 + rng.normal();
    }
    const g = await fitGmm(points, n, 2, { components: 2 }, createRng(6));
    expect(g.converged).toBe(true);
    const a = g.means[0]! < g.means[2]! ? 0 : 1;
    const b = 1 - a;
    expect(g.weights[a]!).toBeCloseTo(0.3, 1);
    expect(g.means[a * 2]!).toBeCloseTo(-4, 1);
    expect(g.means[a * 2 + 1]!).toBeCloseTo(2, 1);
    expect(g.means[b * 2]!).toBeCloseTo(3, 1);
    expect(Math.sqrt(g.covariances[a * 4]!)).toBeCloseTo(0.5, 1);
    expect(Math.sqrt(g.covariances[b * 4]!)).toBeCloseTo(1.5, 1);
    // A single Gaussian explains the data worse by BIC.
    expect((await fitGmm(points, n, 2, { components: 1 }, createRng(6))).bic).toBeGreaterThan(g.bic);
    // Samples from the fitted mixture land in the right proportions.
    const s = sampleGmm(g, 5000, createRng(7));
    let left = 0;
    for (let i = 0; i < 5000; i++) if (s[i * 2]! < -0.5) left++;
    expect(left / 5000).toBeCloseTo(0.3, 1);
  });
});

describe('mixture: the component search within a budget of EM work', () => {
  // Four well-separated clusters in 4 dimensions.
  const rng = createRng(30);
  const n = 6000;
  const dim = 4;
  const points = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) points[i * dim + d] = (i % 4 === d ? 8 : 0) + rng.normal();

  it('searches on a random subset when all windows would cost too much, then refits on all of them', async () => {
    // Sized so the search gets 3,000 of the 6,000 points: 0.75 · budget / (15 components · 50 iterations · dim²).
    const budget = (3000 * 15 * 50 * dim * dim) / 0.75;
    const stages: { stage: number; message: string }[] = [];
    const res = await searchComponents(
      points,
      n,
      dim,
      {
        grid: [1, 2, 4, 8],
        criterion: 'bic',
        maxIterations: 300,
        budget,
        onProgress: (stage, message) => stages.push({ stage, message }),
      },
      createRng(1),
    );
    expect(res.searchWindows).toBe(3000);
    expect(res.tried.map((t) => t.components)).toEqual([1, 2, 4, 8]);
    expect(res.best.weights.length).toBe(4);
    expect(res.refit).toBeDefined();
    expect(res.refit!.iterations).toBeGreaterThan(0);
    // The refit's log-likelihood is over all 6,000 points: about twice the subset's.
    const four = res.tried.find((t) => t.components === 4)!;
    expect(res.refit!.logLikelihood / four.logLikelihood).toBeCloseTo(2, 1);
    expect(res.work).toBeLessThanOrEqual(budget);
    // Each candidate's cap is its share of what was left: the 8-component one gets less than the 2-component one.
    expect(res.tried[3]!.iterationCap).toBeLessThan(res.tried[1]!.iterationCap);
    // Every stage announces itself, then its EM iterations.
    expect(new Set(stages.map((s) => s.stage))).toEqual(new Set([0, 1, 2, 3, 4]));
    expect(stages.find((s) => s.stage === 4)!.message).toBe('refit of 4 component(s) on all 6000 windows');
    expect(
      stages.some((s) =>
        /^mixture of 8 component\(s\) on 4 principal components \(3000 of 6000 windows\): EM iteration \d+\/\d+/.test(
          s.message,
        ),
      ),
    ).toBe(true);
  });

  it('uses every window, without a refit, when the budget allows', async () => {
    const res = await searchComponents(
      points,
      n,
      dim,
      { grid: [1, 2, 4, 8], criterion: 'bic', maxIterations: 300 },
      createRng(1),
    );
    expect(res.searchWindows).toBe(n);
    expect(res.refit).toBeUndefined();
    expect(res.best.weights.length).toBe(4);
    expect(res.tried.every((t) => t.converged)).toBe(true);
  });
});

describe('mixture learner', () => {
  const real = sines(createRng('sines'), 1500, 24, 3);
  const sequences = prepareTrainingSequences(Array.from({ length: real.count }, (_, i) => windowSeries(real, i)));

  async function fitSample(
    data: TrainingData,
    options: Record<string, unknown>,
    seed: number,
    request = { length: 24, count: real.count, context: 'none' as const },
  ) {
    const fit = await mixtureLearner.fit(data, fitOptions(options), { rng: createRng(seed) });
    const model = await mixtureLearner.load(JSON.parse(JSON.stringify(fit.state)) as MixtureState);
    try {
      return { fit, paths: await model.sample(request, createRng(seed + 1)) };
    } finally {
      model.dispose();
    }
  }

  it('learns windows of Sines that a classifier cannot tell from real ones, and beats a no-dynamics baseline', async () => {
    const progress: string[] = [];
    const fit = await mixtureLearner.fit(sequences, fitOptions({ maxComponents: 8 }), {
      rng: createRng(1),
      onProgress: (p) => progress.push(p.message ?? ''),
    });
    const state = fit.state;
    expect(state.window).toBe(24); // the sequences' own length
    expect(fit.details.trainingWindows).toBe(1500);
    expect(fit.details.principalComponents as number).toBeLessThan(20);
    expect(fit.details.explainedVariance as number).toBeGreaterThan(0.999);
    const tried = fit.details.componentsTried as { components: number; bic: number }[];
    expect(tried.map((t) => t.components)).toEqual([1, 2, 4, 8]);
    const best = Math.min(...tried.map((t) => t.bic));
    expect(tried.find((t) => t.components === fit.details.mixtureComponents)!.bic).toBe(best);
    expect(fit.details.mixtureComponents as number).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe('fitted');

    const model = await mixtureLearner.load(state);
    const synthetic = toWindows(
      await model.sample({ length: 24, count: real.count, context: 'none' }, createRng(2)),
      real,
    );
    model.dispose();
    // Per step and feature, mean and spread of the synthetic windows match the real ones.
    for (const t of [0, 12, 23]) {
      for (let d = 0; d < 3; d++) {
        const at = (w: Windows) => Array.from({ length: w.count }, (_, i) => w.data[(i * 24 + t) * 3 + d]!);
        const [r, s] = [at(real), at(synthetic)];
        const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
        const sd = (v: number[]) => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)));
        expect(Math.abs(mean(s) - mean(r))).toBeLessThan(0.01);
        expect(Math.abs(sd(s) - sd(r))).toBeLessThan(0.01);
      }
    }
    const score = async (w: Windows) =>
      (await discriminativeScore(real, w, createRng('disc'), { iterations: 400, batchSize: 64 })).score;
    const baseline = (
      await gaussianSampler.sample({ name: 'sines', columns: names, windows: real }, { rng: createRng(3) })
    ).synthetic;
    const [ours, floor] = [await score(synthetic), await score(baseline)];
    expect(ours).toBeLessThan(0.1);
    expect(ours).toBeLessThan(floor);
  }, 120_000);

  it('samples identically from a reloaded state for the same seed, and differently for another', async () => {
    const a = await fitSample(sequences, { maxComponents: 4 }, 9);
    const b = await fitSample(sequences, { maxComponents: 4 }, 9);
    expect(JSON.stringify(a.fit.state)).toBe(JSON.stringify(b.fit.state));
    expect(a.paths.slice(0, 20).map((p) => p.map((c) => Array.from(c)))).toEqual(
      b.paths.slice(0, 20).map((p) => p.map((c) => Array.from(c))),
    );
    const model = await mixtureLearner.load(a.fit.state);
    const other = await model.sample({ length: 24, count: 3, context: 'none' }, createRng(99));
    expect(Array.from(other[0]![0]!)).not.toEqual(Array.from(a.paths[0]![0]!));
  }, 60_000);

  it('continues a long series from its end and keeps its cycle across stitched windows', async () => {
    const series = cycleSeries(2400);
    const data = prepareTrainingData(series);
    const fit = await mixtureLearner.fit(data, fitOptions({ window: 24 }), { rng: createRng(1) });
    expect(fit.hyperParameters.overlap).toBe(12);

    const model = await mixtureLearner.load(fit.state);
    const [path] = await model.sample({ length: 240, count: 1, context: 'end' }, createRng(2));
    const v = path![0]!;
    expect(v).toHaveLength(240);
    // The first steps continue the cycle where the data stopped (rows 2400…).
    for (let t = 0; t < 6; t++)
      expect(Math.abs(v[t]! - (10 + 3 * Math.sin((2 * Math.PI * (2400 + t)) / 24)))).toBeLessThan(0.4);
    // Ten windows later the path still follows a 24-step cycle.
    expect(lagCorrelation(v, 24)).toBeGreaterThan(0.9);
    expect(lagCorrelation(v, 12)).toBeLessThan(-0.9);
    // Context "random": each path continues a stretch of real rows kept in the model.
    expect(fit.state.anchors).toHaveLength(1000);
    expect(fit.state.anchors[0]).toHaveLength(12);
    const random = await model.sample({ length: 240, count: 3, context: 'random' }, createRng(4));
    const again = await model.sample({ length: 240, count: 3, context: 'random' }, createRng(4));
    expect(random.map((p) => Array.from(p[0]!))).toEqual(again.map((p) => Array.from(p[0]!)));
    for (const p of random) expect(lagCorrelation(p[0]!, 24)).toBeGreaterThan(0.9);
    // Different anchors: the paths start at different phases of the cycle.
    const firsts = random.map((p) => p[0]![0]!);
    expect(new Set(firsts.map((v) => v.toFixed(3))).size).toBe(3);
    // Paths from scratch are as long as asked and stay within the data's range.
    const fresh = await model.sample({ length: 100, count: 5, context: 'none' }, createRng(3));
    for (const p of fresh) for (const x of p[0]!) expect(Math.abs(x - 10)).toBeLessThan(3.6);
    model.dispose();
  }, 60_000);

  it("keeps a skewed, bounded column's own distribution with copula marginals", async () => {
    // A positive, right-skewed column (log-normal AR process): z-scores let samples go below zero, the copula does not.
    const rng = createRng(11);
    let ar = 0;
    const values = Float64Array.from({ length: 3000 }, () => {
      ar = 0.8 * ar + 0.6 * rng.normal();
      return Math.exp(ar);
    });
    const series: TimeSeries = {
      id: 'flow',
      name: 'flow',
      metadata: { tags: {} },
      timestamps: Float64Array.from({ length: 3000 }, (_, t) => t * 60_000),
      columns: [{ name: 'flow', values }],
      labels: [],
    };
    const data = prepareTrainingData(series);
    const sampleAll = async (marginals: string) => {
      const fit = await mixtureLearner.fit(data, fitOptions({ window: 12, maxComponents: 4, marginals }), {
        rng: createRng(1),
      });
      const model = await mixtureLearner.load(JSON.parse(JSON.stringify(fit.state)) as MixtureState);
      const paths = await model.sample({ length: 12, count: 400, context: 'none' }, createRng(2));
      return paths.flatMap((p) => Array.from(p[0]!));
    };
    const ks = (a: number[], b: Float64Array) => ksTwoSample(Float64Array.from(a), b).statistic;
    const [copula, standard] = [await sampleAll('copula'), await sampleAll('standardize')];
    const [lo, hi] = [Math.min(...values), Math.max(...values)];
    expect(copula.every((v) => v >= lo && v <= hi)).toBe(true);
    expect(standard.some((v) => v < 0)).toBe(true);
    expect(ks(copula, values)).toBeLessThan(0.05);
    expect(ks(copula, values)).toBeLessThan(ks(standard, values));
  }, 60_000);

  it('"auto" doubles the components until BIC gets worse, then stops and keeps the best', async () => {
    // 400 four-step sequences at one of two levels with white noise: two clusters of windows.
    const rng = createRng(21);
    const seqs = Array.from(
      { length: 400 },
      (_, i): TimeSeries => ({
        id: `s${i}`,
        name: `s${i}`,
        metadata: { tags: {} },
        timestamps: Float64Array.from({ length: 4 }, (_, t) => t * 1000),
        columns: [
          { name: 'level', values: Float64Array.from({ length: 4 }, () => (i % 2 ? 5 : -5) + 0.5 * rng.normal()) },
        ],
        labels: [],
      }),
    );
    const fit = await mixtureLearner.fit(prepareTrainingSequences(seqs), fitOptions({}), { rng: createRng(1) });
    const tried = fit.details.componentsTried as { components: number; bic: number }[];
    expect(fit.details.mixtureComponents).toBe(2);
    expect(tried.map((t) => t.components)).toEqual([1, 2, 4]);
    expect(tried[2]!.bic).toBeGreaterThan(tried[1]!.bic);
  });

  it('keeps an evenly spaced subset when there are more windows than maxWindows, not just the first ones', async () => {
    // 64 four-step sequences, sequence i at level i: with maxWindows 16 the kept windows span all levels.
    const rng = createRng(22);
    const seqs = Array.from(
      { length: 64 },
      (_, i): TimeSeries => ({
        id: `s${i}`,
        name: `s${i}`,
        metadata: { tags: {} },
        timestamps: Float64Array.from({ length: 4 }, (_, t) => t * 1000),
        columns: [{ name: 'level', values: Float64Array.from({ length: 4 }, () => i + 0.01 * rng.normal()) }],
        labels: [],
      }),
    );
    const fit = await mixtureLearner.fit(
      prepareTrainingSequences(seqs),
      fitOptions({ maxWindows: 16, maxComponents: 1 }),
      { rng: createRng(1) },
    );
    expect(fit.details.trainingWindows).toBe(16);
    const { mean, std } = fit.state.columns[0]!;
    const levels = fit.state.anchors.map((a) => Math.round(a[0]! * std + mean)).sort((x, y) => x - y);
    expect(levels).toEqual(Array.from({ length: 16 }, (_, j) => 4 * j));
  });

  it('refuses windows longer than the data, too many values per window and an overlap as long as the window', async () => {
    const short = prepareTrainingData(cycleSeries(30));
    const errorOf = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(TsiotError);
      return e as TsiotError;
    };
    let e = await errorOf(mixtureLearner.fit(short, fitOptions({ window: 48 }), { rng: createRng(1) }));
    expect(e.details).toMatchObject({ field: 'options.window', window: 48, longestSequence: 30 });
    expect(e.message).toMatch(/window of 48 steps/);
    e = await errorOf(mixtureLearner.fit(sequences, fitOptions({ window: 400 }), { rng: createRng(1) }));
    expect(e.message).toMatch(/400 steps × 3 columns is 1200 values per window; at most 1024/);
    e = await errorOf(mixtureLearner.fit(short, fitOptions({ window: 8, overlap: 8 }), { rng: createRng(1) }));
    expect(e.details).toMatchObject({ field: 'options.overlap' });
    // Without a window or a period, short data get a window short enough for 16 windows.
    const fit = await mixtureLearner.fit(prepareTrainingData(cycleSeries(100)), fitOptions({ maxComponents: 1 }), {
      rng: createRng(1),
    });
    expect(fit.details.window).toBe('6 steps: short enough to leave at least 16 windows in the data');
    expect(() => fitOptions({ components: 0 })).toThrow();
    expect(() => fitOptions({ variance: 1.5 })).toThrow();
  });
});

describe('mixture through the model registry', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it('fits, describes and samples a saved model by id', async () => {
    const t = await tempStore();
    cleanup = t.cleanup;
    const registry = new ModelRegistry(t.store, createBuiltinFactory());
    const rec = await registry.fit({
      generator: 'mixture',
      data: cycleSeries(1000),
      seed: 4,
      options: { maxComponents: 2 },
    });
    expect(rec.generator).toBe('mixture');
    // No window given: one cycle of the detected daily period.
    expect(rec.details.window).toMatch(/^24 steps: one cycle of the 24-step period detected in "temperature"/);
    expect(rec.details.principalComponents as number).toBeGreaterThan(0);
    const a = await registry.sample(rec.id, { length: 48, count: 2, seed: 5 });
    const b = await registry.sample(rec.id, { length: 48, count: 2, seed: 5 });
    expect(a.series).toHaveLength(2);
    expect(a.series[0]!.columns[0]!.values).toHaveLength(48);
    expect(Array.from(a.series[1]!.columns[0]!.values)).toEqual(Array.from(b.series[1]!.columns[0]!.values));
  }, 60_000);
});
