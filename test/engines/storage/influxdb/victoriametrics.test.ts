/**
 * The InfluxDB v2 write path (/api/v2/write through @influxdata/influxdb-client)
 * against VictoriaMetrics (TSIOT_TEST_VM_URL), reading back through
 * VictoriaMetrics' export API.
 *
 * The shared contract is not run here: VictoriaMetrics keeps no timestamps
 * at or before the epoch nor beyond two days ahead (the contract's fixtures
 * span 1900 to 9999 and start its queries at -2500 ms), and it keeps values
 * to about 12 significant digits, not bit for bit. This file covers
 * everything else the contract asks, within those limits, plus the refusals
 * that replace silent loss.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../../src/core/errors.js';
import { summarize } from '../../../../src/core/series.js';
import type { TimeSeries } from '../../../../src/core/types.js';
import { InfluxDbStorage } from '../../../../src/engines/storage/influxdb/index.js';
import { closedPort, requireServer, runName } from '../../../helpers/servers.js';

const server = await requireServer('VictoriaMetrics', 'TSIOT_TEST_VM_URL', 8428, async (url) => {
  const { baseUrl } = new InfluxDbStorage({ url }).config;
  return (await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) })).ok;
});
const measurement = runName('tsiot');

function series(
  id: string,
  timestamps: number[],
  columns: Record<string, number[]>,
  extra: Partial<TimeSeries> = {},
): TimeSeries {
  return {
    id,
    name: id,
    metadata: { tags: {} },
    timestamps: Float64Array.from(timestamps),
    columns: Object.entries(columns).map(([name, values]) => ({ name, values: Float64Array.from(values) })),
    labels: [],
    ...extra,
  };
}

const values = (s: TimeSeries) => Object.fromEntries(s.columns.map((c) => [c.name, Array.from(c.values)]));

describe.skipIf(!server.ok)('influxdb2 write path on VictoriaMetrics', () => {
  let storage: InfluxDbStorage;
  const id = (what: string) => `${measurement}-${what}`;

  beforeAll(async () => {
    storage = new InfluxDbStorage({
      url: `${server.url}${server.url.includes('?') ? '&' : '?'}measurement=${measurement}`,
    });
    await storage.init();
  });
  afterAll(async () => {
    const { baseUrl } = storage.config;
    await fetch(
      `${baseUrl}/api/v1/admin/tsdb/delete_series?${new URLSearchParams({ 'match[]': `{__name__=~"${measurement}_.*"}` })}`,
      { method: 'POST' },
    );
    await storage.close();
  });

  it('round-trips values, NaN, all-missing rows, metadata, tags and labels exactly', async () => {
    const s = series(
      id('roundtrip'),
      [1, 2, 1_000, 1_700_000_000_123, Date.now() - 60_000],
      { temperature: [21.5, -3.25, NaN, 1013.25, 0.001], humidité: [NaN, 45, NaN, 99.9, NaN] },
      {
        name: 'Température 🌡️',
        metadata: {
          deviceId: 'dev/1',
          tags: { site: 'Zürich', spaced: 'a b,c=d"e' },
          attributes: { indoor: true },
          seed: 7,
        },
        labels: [
          { type: 'spike', kind: 'anomaly', column: 'temperature', start: 1, end: 1, details: { note: 'ünïcode ✓' } },
        ],
      },
    );
    s.columns[0]!.unit = '°C';
    expect((await storage.store(s)).backend).toBe('influxdb2');
    const back = await storage.retrieve({ id: s.id });
    expect(back.name).toBe(s.name);
    expect(back.metadata).toEqual(s.metadata);
    expect(back.labels).toEqual(s.labels);
    expect(back.columns[0]!.unit).toBe('°C');
    expect(Array.from(back.timestamps)).toEqual(Array.from(s.timestamps));
    expect(values(back)).toEqual(values(s));
    expect(await storage.describe(s.id)).toEqual(summarize(s));
  });

  it('answers range, column, limit and downsampling queries', async () => {
    const s = series(id('query'), [1, 999, 1_000, 1_500, 2_000, 10_000], {
      a: [1, 2, 3, 4, 5, 6],
      b: [NaN, 20, NaN, 40, NaN, 60],
    });
    await storage.store(s);
    const ranged = await storage.retrieve({ id: s.id, start: 999, end: 2_000, columns: ['b'] });
    expect(Array.from(ranged.timestamps)).toEqual([999, 1_000, 1_500, 2_000]);
    expect(values(ranged)).toEqual({ b: [20, NaN, 40, NaN] });
    expect(Array.from((await storage.retrieve({ id: s.id, limit: 2 })).timestamps)).toEqual([1, 999]);
    const avg = await storage.retrieve({ id: s.id, downsample: { bucketMs: 1_000, aggregation: 'avg' } });
    expect(Array.from(avg.timestamps)).toEqual([0, 1_000, 2_000, 10_000]);
    expect(values(avg)).toEqual({ a: [1.5, 3.5, 5, 6], b: [20, 40, NaN, 60] });
    const count = await storage.retrieve({
      id: s.id,
      columns: ['b'],
      downsample: { bucketMs: 1_000, aggregation: 'count' },
      limit: 3,
    });
    expect(values(count)).toEqual({ b: [1, 1, 0] });
    await expect(storage.retrieve({ id: s.id, columns: ['nope'] })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('refuses a duplicate id, overwrites on request, deletes, and lists by tags', async () => {
    const sid = id('dup');
    await storage.store(series(sid, [1, 2], { v: [1, 2] }, { metadata: { tags: { group: measurement } } }));
    await expect(storage.store(series(sid, [3], { v: [3] }))).rejects.toMatchObject({ code: 'conflict' });
    await storage.store(series(sid, [5], { w: [50] }, { metadata: { tags: { group: measurement, v: '2' } } }), {
      overwrite: true,
    });
    const back = await storage.retrieve({ id: sid });
    expect(values(back)).toEqual({ w: [50] });
    expect(Array.from(back.timestamps)).toEqual([5]);
    await storage.store(series(id('other'), [1], { v: [1] }, { metadata: { tags: { group: measurement } } }));
    const listed = await storage.list({ tags: { group: measurement } });
    expect(listed.items.map((s) => s.id).sort()).toEqual([id('dup'), id('other')].sort());
    expect((await storage.list({ tags: { group: measurement, v: '2' } })).items.map((s) => s.id)).toEqual([sid]);
    expect(await storage.delete(sid)).toBe(true);
    expect(await storage.delete(sid)).toBe(false);
    await expect(storage.retrieve({ id: sid })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('keeps values to about 12 significant digits (not bit for bit)', async () => {
    const s = series(id('precision'), [1_000, 2_000, 3_000], { v: [1 / 7, 0.1 + 0.2, 20.12345678901234] });
    await storage.store(s);
    const back = await storage.retrieve({ id: s.id });
    back.columns[0]!.values.forEach((v, i) => {
      expect(Math.abs(v - s.columns[0]!.values[i]!)).toBeLessThan(Math.abs(s.columns[0]!.values[i]!) * 1e-11);
    });
  });

  it('round-trips a 200,000-row batch from concurrent writers (to 12 digits)', async () => {
    const make = (w: number, n: number) => {
      const t: number[] = [];
      const v: number[] = [];
      for (let i = 0; i < n; i++) {
        t.push(1_700_000_000_000 + i * 1_000);
        v.push(w * 1e6 + i / 7);
      }
      return series(id(`bulk${w}`), t, { v });
    };
    const all = [make(0, 200_000), make(1, 20_000), make(2, 20_000)];
    await Promise.all(all.map((s) => storage.store(s)));
    for (const s of all) {
      const back = await storage.retrieve({ id: s.id });
      expect(back.timestamps.length).toBe(s.timestamps.length);
      let bad = 0;
      for (let i = 0; i < s.timestamps.length; i++) {
        const v = s.columns[0]!.values[i]!;
        if (
          back.timestamps[i] !== s.timestamps[i] ||
          !(Math.abs(back.columns[0]!.values[i]! - v) <= Math.abs(v) * 1e-11)
        )
          bad++;
      }
      expect(bad).toBe(0);
    }
  }, 120_000);

  it('refuses timestamps VictoriaMetrics would drop or round, storing nothing', async () => {
    const sid = id('refused');
    await expect(storage.store(series(sid, [-1, 0], { v: [1, 2] }))).rejects.toMatchObject({ code: 'unsupported' });
    await expect(storage.store(series(sid, [0, 1], { v: [1, 2] }))).rejects.toMatchObject({ code: 'unsupported' });
    await expect(storage.store(series(sid, [1.5], { v: [1] }))).rejects.toMatchObject({ code: 'unsupported' });
    await expect(storage.store(series(sid, [Date.now() + 5 * 86_400_000], { v: [1] }))).rejects.toMatchObject({
      code: 'unsupported',
    });
    expect(await storage.describe(sid)).toBeUndefined();
  });

  it('reports a down server as unavailable quickly, and health as not ok', async () => {
    const port = await closedPort();
    const down = new InfluxDbStorage({
      url: `influxdb2://:tok-s3cret@127.0.0.1:${port}/b?org=o&reader=victoriametrics&retries=1`,
    });
    const started = performance.now();
    const health = await down.health();
    expect(health).toMatchObject({ ok: false, backend: 'influxdb2' });
    expect(health.detail).not.toContain('tok-s3cret');
    const err = await down.store(series('never', [1], { v: [1] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TsiotError);
    expect((err as TsiotError).code).toBe('unavailable');
    expect((err as TsiotError).message).not.toContain('tok-s3cret');
    expect(performance.now() - started).toBeLessThan(5_000);
    await down.close();
  });
});
