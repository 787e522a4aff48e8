import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zcdpEpsilon } from '../../../../src/engines/privacy/calibration.js';
import { createRng } from '../../../../src/core/rng.js';
import type { TimeSeries } from '../../../../src/core/types.js';
import {
  PrivateMixtureOptionsSchema,
  privateMixtureLearner,
  privateMStepStats,
} from '../../../../src/engines/privacy/learners/private-mixture.js';
import { prepareTrainingData } from '../../../../src/engines/models/training-data.js';
import { ksTwoSample } from '../../../../src/engines/validation/stats/ks.js';
import type { ToolContext } from '../../../../src/registry/tool.js';
import { describeModel } from '../../../../tools/describe-model.js';
import { fitModel } from '../../../../tools/fit-model.js';
import { privacyBudget } from '../../../../tools/privacy-budget.js';
import { synthesizeLike } from '../../../../tools/synthesize-like.js';
import { makeEngines, type TestEngines } from '../../../helpers/engines.js';
import { toolCalls } from '../../../helpers/tools.js';
import { AUDIT_SIZE, audit, edgesOn } from '../audit.js';
import { seeded } from '../helpers.js';

let engines: TestEngines;
let ctx: ToolContext;

/** Sine windows as in the benchmark protocol: per window and feature a frequency and phase from U(0, 0.1), mapped to [0, 1]. */
function sines(count: number, length: number, features: number, seed: number) {
  let s = seed;
  const u = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  return Array.from({ length: count }, (_, w) => {
    const values: Record<string, number[]> = {};
    for (let f = 0; f < features; f++) {
      const freq = u() * 0.1;
      const phase = u() * 0.1;
      values[`f${f}`] = Array.from({ length }, (_, t) => (Math.sin(freq * t + phase) + 1) / 2);
    }
    return { name: `w${w}`, timestamps: Array.from({ length }, (_, t) => t * 60_000), values };
  });
}

const bounds = { f0: { lower: 0, upper: 1 }, f1: { lower: 0, upper: 1 } };
const data = { series: sines(600, 24, 2, 7) };

beforeAll(async () => {
  engines = await makeEngines({ privacy: { budget: { epsilon: 30, delta: 1e-4 } } });
  ctx = { engines, logger: engines.logger, signal: new AbortController().signal, progress: () => undefined };
});
afterAll(() => engines.close());

const { call, errorOf } = toolCalls(() => ctx);

describe('private mixture (mixture-dp)', () => {
  it('synthesize_like with privacy fits privately, charges the ledger and states the guarantee', async () => {
    const r = await call(synthesizeLike, {
      data,
      privacy: { epsilon: 10, delta: 1e-5, unit: { kind: 'window' }, bounds, dataset: 'sines' },
      seed: 3,
      count: 100,
      store: false,
      keepModel: true,
      preview: 0,
      rules: { validators: ['statistical'] },
    });
    const s = r.structured;
    expect(s.generator).toBe('mixture-dp');
    expect(s.privacy).toMatchObject({ epsilon: 10, delta: 1e-5, dataset: 'sines' });
    expect(s.privacy.unit).toMatch(/window-level/);
    expect(s.notes.join(' ')).toMatch(/not differentially private/);
    expect(s.learned.privacy).toMatchObject({ epsilon: 10, delta: 1e-5 });
    const d = await call(describeModel, { id: s.model });
    const model = d.structured.model;
    expect(model.privacy).toMatchObject({ epsilon: 10, delta: 1e-5 });
    expect(d.summary).toMatch(/Differentially private: ε = 10/);
    // the stored summary shows the declared bounds, not the data's exact extremes
    expect(model.training.columns[0]).toMatchObject({ min: 0, max: 1 });
    // the model keeps no training rows
    const stored = await engines.documents.getDocument<{
      inner: { tail: number[][]; anchors: number[][] };
      constraints?: unknown;
      missingness?: unknown;
    }>('model-states', s.model);
    expect(stored!.inner.anchors).toEqual([]);
    expect(stored!.inner.tail.every((c) => c.length === 0)).toBe(true);
    // and no layer learned from the raw data around the private learner
    expect(stored!.constraints).toBeUndefined();
    expect(stored!.missingness).toBeUndefined();
    const st = await call(privacyBudget, { action: 'status', dataset: 'sines' });
    // by zCDP at the budget's δ = 1e-4 the fit costs a little less than its stated ε = 10 at δ = 1e-5
    expect(st.structured.status.spent.accounting).toBe('zCDP');
    expect(st.structured.status.spent.epsilon).toBeLessThanOrEqual(10);
    expect(st.structured.status.spent.epsilon).toBeGreaterThan(8);
  }, 120_000);

  it('at ε = 10 the synthetic marginals follow the real ones', async () => {
    const fit = await call(fitModel, {
      generator: 'mixture',
      data,
      privacy: { epsilon: 10, delta: 1e-5, unit: { kind: 'window' }, bounds, dataset: 'sines-2' },
      seed: 5,
      waitSeconds: 120,
    });
    expect(fit.structured.status).toBe('ready');
    const res = await engines.models.sample(fit.structured.id, { length: 24, count: 600, context: 'none', seed: 1 });
    const synth = Float64Array.from(res.series.flatMap((x) => Array.from(x.columns[0]!.values)));
    const real = Float64Array.from(data.series.flatMap((x) => x.values.f0!));
    expect(ksTwoSample(real, synth).statistic).toBeLessThan(0.25);
    const mean = synth.reduce((a, b) => a + b, 0) / synth.length;
    const realMean = real.reduce((a, b) => a + b, 0) / real.length;
    expect(Math.abs(mean - realMean)).toBeLessThan(0.1);
  }, 120_000);

  it('an event unit beside a gap lies in the windows of the values filled from it', async () => {
    const rows = 24 * 40;
    const wave = (gap: boolean): TimeSeries => ({
      id: 'one',
      name: 'one',
      metadata: { tags: {} },
      timestamps: Float64Array.from({ length: rows }, (_, t) => t * 60_000),
      columns: ['f0', 'f1'].map((name, f) => ({
        name,
        values: Float64Array.from({ length: rows }, (_, t) =>
          gap && t >= 500 && t < 505 ? Number.NaN : (Math.sin(t / (5 + f)) + 1) / 2,
        ),
      })),
      labels: [],
    });
    const fitOn = (series: TimeSeries) =>
      privateMixtureLearner.fit(
        prepareTrainingData(series),
        PrivateMixtureOptionsSchema.parse({
          window: 24,
          iterations: 2,
          privacy: { epsilon: 10, delta: 1e-5, unit: { kind: 'event' }, bounds },
        }),
        { rng: createRng(1) },
      );
    // windows of 24 at stride 24: one row lies in one window; beside the gap it sets 6 rows, which can span 2
    expect((await fitOn(wave(false))).details.windowsPerUnit).toBe(1);
    expect((await fitOn(wave(true))).details.windowsPerUnit).toBe(2);
  }, 60_000);

  it('refuses bad privacy input before charging anything', async () => {
    const base = { generator: 'mixture', data, waitSeconds: 60 };
    const p = { epsilon: 1, delta: 1e-5, unit: { kind: 'window' }, bounds, dataset: 'sines-3' };
    expect((await errorOf(fitModel, { ...base, privacy: { ...p, bounds: { f0: bounds.f0 } } })).message).toMatch(
      /privacy.bounds.f1/,
    );
    expect((await errorOf(fitModel, { ...base, privacy: { ...p, epsilon: 0 } })).message).toMatch(/epsilon/);
    expect((await errorOf(fitModel, { ...base, privacy: { ...p, delta: 1 } })).message).toMatch(/delta/);
    expect((await errorOf(fitModel, { ...base, generator: 'arima', privacy: p })).code).toBe('unsupported');
    expect((await errorOf(fitModel, { ...base, generator: 'mixture-dp' })).message).toMatch(/privacy: required/);
    expect((await errorOf(fitModel, { ...base, privacy: p, options: { privacy: p } })).message).toMatch(
      /options.privacy/,
    );
    expect((await errorOf(fitModel, { ...base, options: { privacy: p } })).message).toMatch(/privacy/);
    expect(
      (await errorOf(fitModel, { ...base, privacy: { ...p, bounds: { ...bounds, f0: { lower: 1, upper: 0 } } } }))
        .message,
    ).toMatch(/bounds/);
    const e = await errorOf(fitModel, { ...base, privacy: { ...p, epsilon: 60 } });
    expect(e.code).toBe('budget_exhausted');
    const st = await call(privacyBudget, { action: 'status', dataset: 'sines-3' });
    expect(st.structured.status.releases).toBe(0);
  }, 120_000);
});

describe('one private EM step passes the empirical privacy audit', () => {
  it('noisy responsibility-weighted sums on neighbouring windows', () => {
    // one component, one latent coordinate: the sum releases Σ z; the neighbour adds a window at the clip norm
    const base = Float64Array.from({ length: 50 }, (_, i) => Math.sin(i));
    const withOne = Float64Array.from([...base, 1]);
    const rho = 0.05;
    const sumRho = rho * 0.3;
    const eps = zcdpEpsilon(sumRho, 1e-5);
    const run = (side: 0 | 1, vote: number, n: number) => {
      const rnd = seeded(`em-${side}-${vote}`);
      const z = side === 0 ? base : withOne;
      const resp = new Float64Array(z.length).fill(1);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = privateMStepStats(z, z.length, 1, resp, 1, 1, 1, rho, rnd).sums[0]!;
      return out;
    };
    const sigma = 1 / Math.sqrt(2 * sumRho);
    const r = audit(run, {
      ...AUDIT_SIZE,
      samples: AUDIT_SIZE.samples / 4,
      epsilon: eps,
      delta: 1e-5,
      edges: edgesOn(-3 * sigma, 3 * sigma + 1, 10),
    });
    expect(r.passed, `worst excess ${r.worst}`).toBe(true);
  }, 600_000);
});
