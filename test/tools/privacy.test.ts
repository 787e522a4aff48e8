import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TsiotError } from '../../src/core/errors.js';
import type { TimeSeries } from '../../src/core/types.js';
import { runTool } from '../../src/registry/run-tool.js';
import type { ToolContext } from '../../src/registry/tool.js';
import { applyDifferentialPrivacy } from '../../tools/apply-differential-privacy.js';
import { dpAggregate } from '../../tools/dp-aggregate.js';
import { tools } from '../../tools/index.js';
import { privacyBudget } from '../../tools/privacy-budget.js';
import { anonymizeIdentifiers } from '../../tools/anonymize-identifiers.js';
import { checkKAnonymityTool } from '../../tools/check-k-anonymity.js';
import { makeEngines, type TestEngines } from '../helpers/engines.js';
import { toolCalls } from '../helpers/tools.js';

let engines: TestEngines;
let ctx: ToolContext;
const HOUR = 3_600_000;
const KEY = 'test-pseudonym-key-0123456789';
const T0 = Date.UTC(2024, 0, 1);

function device(id: string, offset: number): TimeSeries {
  const n = 24 * 60; // one day at one minute
  const timestamps = Float64Array.from({ length: n }, (_, i) => T0 + i * 60_000);
  const values = Float64Array.from({ length: n }, (_, i) => 20 + offset + 5 * Math.sin((2 * Math.PI * i) / n));
  values[10] = 500; // an outlier the bounds clip
  return {
    id,
    name: id,
    metadata: {
      deviceId: id,
      tags: { site: `plant-${offset % 2}` },
      attributes: { firmware: offset < 3 ? '1.2' : '2.0' },
    },
    timestamps,
    columns: [{ name: 'temperature', values }],
    labels: [],
  };
}

beforeAll(async () => {
  engines = await makeEngines({ privacy: { budget: { epsilon: 5, delta: 1e-5 }, pseudonymKey: KEY } });
  ctx = { engines, logger: engines.logger, signal: new AbortController().signal, progress: () => undefined };
  for (let d = 0; d < 5; d++) await engines.storage.store(device(`dev-${d}`, d));
});
afterAll(() => engines.close());

const { call, errorOf } = toolCalls(() => ctx);
const spent = async (dataset: string) =>
  (await call(privacyBudget, { action: 'status', dataset })).structured.status.spent.epsilon as number;

describe('privacy tools', () => {
  it('are registered with the others', () => {
    const names = tools.map((t) => t.name);
    for (const n of [
      'apply_differential_privacy',
      'dp_aggregate',
      'privacy_budget',
      'check_k_anonymity',
      'anonymize_identifiers',
    ])
      expect(names).toContain(n);
  });

  it('dp_aggregate releases hourly statistics with the unit stated, clipping reported and the budget charged', async () => {
    const r = await call(dpAggregate, {
      seriesIds: ['dev-0', 'dev-1', 'dev-2', 'dev-3', 'dev-4'],
      dataset: 'fleet-a',
      column: 'temperature',
      start: T0,
      end: T0 + 24 * HOUR,
      window: HOUR,
      statistics: ['count', 'mean', 'quantiles', 'histogram'],
      quantiles: [0.5],
      bounds: { lower: 0, upper: 50 },
      epsilon: 2,
      unit: { kind: 'device', maxRowsPerDevice: 60, maxPartitionsPerDevice: 24 },
    });
    const s = r.structured;
    expect(s.windows).toHaveLength(24);
    expect(s.clipping.above).toBe(5);
    expect(s.guarantee.unit).toMatch(/device-level/);
    expect(s.guarantee.epsilon).toBe(2);
    expect(s.guarantee.randomness).toMatch(/not reproducible by seed/);
    expect(s.guarantee.notices[0]).toMatch(/notice/);
    // device-level: one device changes each count by ≤ 60 in ≤ 24 windows
    expect(s.sensitivity.count.l1).toBe(60 * 24);
    // 300 rows per window and ε/3 per primitive: counts within a few noise scales of 300
    const scale = (60 * 24) / (2 / 4);
    for (const w of s.windows) expect(Math.abs(w.count - 300)).toBeLessThan(20 * scale);
    expect(s.windows[0].histogram).toHaveLength(10);
    expect(await spent('fleet-a')).toBeCloseTo(2, 12);
  });

  it('event-level with overlapping windows multiplies the sensitivity by the overlap, and is accurate at large ε', async () => {
    const r = await call(dpAggregate, {
      seriesIds: ['dev-0'],
      column: 'temperature',
      start: T0,
      end: T0 + 24 * HOUR,
      window: 3 * HOUR,
      stride: HOUR,
      statistics: ['count', 'mean'],
      bounds: { lower: 0, upper: 50 },
      epsilon: 4,
      unit: { kind: 'event' },
    });
    const s = r.structured;
    expect(s.sensitivity.count.l1).toBe(3);
    expect(s.guarantee.unit).toMatch(/up to 3 overlapping windows/);
    // a full 3-hour window holds 180 rows; the mean of the clipped values is near 20–25
    const w = s.windows[3];
    expect(Math.abs(w.count - 180)).toBeLessThan(40);
    expect(w.mean).toBeGreaterThan(10);
    expect(w.mean).toBeLessThan(35);
    expect(s.guarantee.dataset).toBe('dev-0');
  });

  it('refuses bad input naming the field, and charges nothing', async () => {
    const base = {
      seriesIds: ['dev-1'],
      column: 'temperature',
      window: HOUR,
      statistics: ['count'],
      bounds: { lower: 0, upper: 50 },
      epsilon: 1,
      unit: { kind: 'event' },
    };
    const before = await spent('dev-1');
    expect((await errorOf(dpAggregate, { ...base, epsilon: 0 })).message).toMatch(/epsilon/);
    expect((await errorOf(dpAggregate, { ...base, epsilon: -1 })).message).toMatch(/epsilon/);
    expect((await errorOf(dpAggregate, { ...base, bounds: { lower: 50, upper: 0 } })).message).toMatch(/bounds/);
    expect((await errorOf(dpAggregate, { ...base, bounds: { lower: Number.NaN, upper: 1 } })).message).toMatch(
      /bounds/,
    );
    const { bounds: _b, ...noBounds } = base;
    expect((await errorOf(dpAggregate, noBounds)).message).toMatch(/bounds/);
    expect((await errorOf(dpAggregate, { ...base, mechanism: 'gaussian', delta: 1 })).message).toMatch(/delta/);
    expect((await errorOf(dpAggregate, { ...base, mechanism: 'gaussian' })).message).toMatch(/delta/);
    expect((await errorOf(dpAggregate, { ...base, colour: 'red' })).message).toMatch(/colour|unrecognized/i);
    expect((await errorOf(dpAggregate, { ...base, column: 'pressure' })).message).toMatch(/column/);
    expect((await errorOf(dpAggregate, { ...base, unit: { kind: 'device' } })).message).toMatch(/maxRowsPerDevice/);
    expect((await errorOf(dpAggregate, { ...base, seriesIds: ['dev-1', 'dev-2'] })).message).toMatch(/dataset/);
    expect((await errorOf(dpAggregate, { ...base, seriesIds: ['nope'] })).code).toBe('not_found');
    expect(await spent('dev-1')).toBe(before);
  });

  it('an exhausted budget refuses the release with what remains and charges nothing', async () => {
    const base = {
      seriesIds: ['dev-2'],
      column: 'temperature',
      window: HOUR,
      statistics: ['count'],
      bounds: { lower: 0, upper: 50 },
      unit: { kind: 'event' },
    };
    await call(dpAggregate, { ...base, epsilon: 4 });
    const e = await errorOf(dpAggregate, { ...base, epsilon: 1.5 });
    expect(e.code).toBe('budget_exhausted');
    expect(e.message).toMatch(/ε = 1 of ε = 5 remains/);
    expect(await spent('dev-2')).toBe(4);
    const h = await call(privacyBudget, { action: 'history', dataset: 'dev-2' });
    expect(h.structured.history).toHaveLength(1);
    expect(h.structured.history[0]).toMatchObject({ tool: 'dp_aggregate', mechanism: 'geometric', epsilon: 4 });
  });

  it('apply_differential_privacy stores a noisy copy stating its guarantee', async () => {
    const r = await call(applyDifferentialPrivacy, {
      seriesId: 'dev-3',
      bounds: { temperature: { lower: 0, upper: 50 } },
      epsilon: 1,
      mechanism: 'gaussian',
      delta: 1e-6,
      unit: { kind: 'window', windowRows: 4 },
    });
    const s = r.structured;
    expect(s.clipped.temperature).toBe(1);
    expect(s.guarantee.mechanism).toBe('gaussian');
    expect(s.guarantee.unit).toMatch(/window-level: one window of 4/);
    const copy = await engines.storage.retrieve({ id: s.id });
    expect(copy.metadata.privacy).toMatchObject({ epsilon: 1, delta: 1e-6, source: 'dev-3' });
    const orig = await engines.storage.retrieve({ id: 'dev-3' });
    // noise of σ ≈ 50·√4·(analytic-ish factor) per value: present, centred and of the planned size
    let sum = 0;
    let sq = 0;
    const n = orig.timestamps.length;
    for (let i = 11; i < n; i++) {
      const d = copy.columns[0]!.values[i]! - orig.columns[0]!.values[i]!;
      sum += d;
      sq += d * d;
    }
    const sd = Math.sqrt(sq / (n - 11));
    expect(sd).toBeGreaterThan(100);
    expect(Math.abs(sum / (n - 11))).toBeLessThan((5 * sd) / Math.sqrt(n - 11));
  });

  it('privacy_budget sets, lists and refuses a budget below what is spent', async () => {
    const set = await call(privacyBudget, { action: 'set', dataset: 'dev-2', budget: { epsilon: 8, delta: 1e-5 } });
    expect(set.structured.status.remaining.epsilon).toBe(4);
    expect(
      (await errorOf(privacyBudget, { action: 'set', dataset: 'dev-2', budget: { epsilon: 1, delta: 1e-5 } })).code,
    ).toBe('conflict');
    expect((await errorOf(privacyBudget, { action: 'status' })).message).toMatch(/dataset/);
    const list = await call(privacyBudget, { action: 'list' });
    expect(list.structured.datasets.map((d: { dataset: string }) => d.dataset)).toEqual(
      expect.arrayContaining(['fleet-a', 'dev-0', 'dev-2', 'dev-3']),
    );
  });

  it('check_k_anonymity reads device attributes from stored series and enforces k', async () => {
    const ids = ['dev-0', 'dev-1', 'dev-2', 'dev-3', 'dev-4'];
    const c = await call(checkKAnonymityTool, { seriesIds: ids, quasiIdentifiers: ['site', 'firmware'], k: 2 });
    // (plant-0, 1.2): dev-0, dev-2; (plant-1, 1.2): dev-1; (plant-1, 2.0): dev-3; (plant-0, 2.0): dev-4
    expect(c.structured.check).toMatchObject({ classes: 4, smallestClass: 1, satisfied: false, violatingRecords: 3 });
    const e = await call(checkKAnonymityTool, {
      seriesIds: ids,
      quasiIdentifiers: ['site', 'firmware'],
      k: 2,
      enforce: { hierarchies: { firmware: { type: 'mask' } }, maxSuppression: 0 },
    });
    expect(e.structured.check.satisfied).toBe(true);
    expect(e.structured.anonymized.suppressed).toBe(0);
    expect((await errorOf(checkKAnonymityTool, { seriesIds: ids, quasiIdentifiers: ['zip'], k: 2 })).message).toMatch(
      /quasiIdentifiers: "zip"/,
    );
  });

  it('anonymize_identifiers gives consistent keyed pseudonyms and never returns the key', async () => {
    const input = {
      identifiers: {
        device_id: ['pump-17', 'pump-18', 'pump-17'],
        mac: ['00:1A:2B:3C:4D:5E'],
        serial: ['SN-4821-XK77'],
      },
    };
    const r = await call(anonymizeIdentifiers, input);
    const p = r.structured.pseudonyms;
    expect(p.device_id[0]).toBe(p.device_id[2]);
    expect(p.device_id[0]).not.toBe(p.device_id[1]);
    expect(p.mac[0]).toMatch(/^([0-9A-F]{2}:){5}[0-9A-F]{2}$/);
    expect(p.serial[0]).toMatch(/^[0-9A-Z]{2}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(JSON.stringify(r)).not.toContain(KEY);
    expect((await errorOf(anonymizeIdentifiers, { identifiers: { mac: ['nope'] } })).message).toMatch(
      /identifiers.mac\[0\]/,
    );
    const other = await makeEngines();
    try {
      const e = await runTool(anonymizeIdentifiers, input, { ...ctx, engines: other }).catch((x: unknown) => x);
      expect((e as TsiotError).code).toBe('unsupported');
      expect((e as TsiotError).message).toMatch(/pseudonym key/);
    } finally {
      await other.close();
    }
  });
});
