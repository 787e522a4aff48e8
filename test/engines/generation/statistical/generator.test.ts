import { describe, expect, it } from 'vitest';
import { validateSeries } from '../../../../src/core/series.js';
import { statisticalGenerator } from '../../../../src/engines/generation/statistical/index.js';
import { SENSOR_TYPES } from '../../../../src/engines/generation/statistical/schema.js';
import { autocorrelation, bytes, column, correlation, generate, mean, one, params, rowsIn, std } from '../helpers.js';

const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00Z');

describe('statistical generator: shape and metadata', () => {
  it('returns one series per device with zero-padded ids, one column per sensor and per-device attributes', async () => {
    const series = await generate({
      devices: 3,
      duration: '1h',
      sensors: [{ type: 'temperature' }, { type: 'humidity' }, { type: 'temperature' }],
    });
    expect(series.map((s) => s.id)).toEqual(['device-001', 'device-002', 'device-003']);
    for (const s of series) {
      validateSeries(s);
      expect(s.name).toBe(s.id);
      expect(s.metadata.deviceId).toBe(s.id);
      expect(s.metadata.tags).toEqual({});
      expect(s.columns.map((c) => c.name)).toEqual(['temperature', 'humidity', 'temperature_2']);
      expect(s.timestamps.length).toBe(60);
      expect(s.timestamps[0]).toBe(START);
      expect(s.timestamps[1]! - s.timestamps[0]!).toBe(60_000);
      expect(typeof s.metadata.attributes!['temperature.level']).toBe('number');
      expect(typeof s.metadata.attributes!['humidity.noiseStd']).toBe('number');
    }
    const [custom] = await generate({ devices: 1, devicePrefix: 'pump', duration: '10m' });
    expect(custom!.id).toBe('pump-001');
  });

  it('defaults to one temperature sensor over one day at one-minute sampling', async () => {
    const s = await one({});
    expect(s.timestamps.length).toBe(1440);
    expect(s.columns).toHaveLength(1);
    expect(s.columns[0]).toMatchObject({
      name: 'temperature',
      unit: '°C',
      sensorType: 'temperature',
      range: { min: -40, max: 85 },
    });
  });

  it('gives every preset its unit and range, and documents them in the description', async () => {
    const s = await one({ duration: '1h', sensors: SENSOR_TYPES.map((type) => ({ type })) });
    const expected: Record<string, [string | undefined, { min: number; max: number } | undefined]> = {
      temperature: ['°C', { min: -40, max: 85 }],
      humidity: ['%RH', { min: 0, max: 100 }],
      pressure: ['hPa', { min: 300, max: 1100 }],
      vibration: ['mm/s', { min: 0, max: 50 }],
      power: ['W', { min: 0, max: 10_000 }],
      energy: ['kWh', { min: 0, max: 1e9 }],
      battery: ['V', { min: 2.5, max: 4.25 }],
      occupancy: ['0/1', { min: 0, max: 1 }],
      custom: [undefined, undefined],
    };
    for (const c of s.columns) {
      const [unit, range] = expected[c.name]!;
      expect(c.sensorType).toBe(c.name);
      expect(c.unit).toBe(unit);
      expect(c.range).toEqual(range);
    }
    const d = statisticalGenerator.description;
    for (const t of SENSOR_TYPES) expect(d).toContain(`- ${t}:`);
    for (const unit of ['°C', '%RH', 'hPa', 'mm/s', 'W,', 'kWh', 'V,', '0/1']) expect(d).toContain(unit);
    expect(statisticalGenerator.paramsSchema.safeParse(statisticalGenerator.example).success).toBe(true);
  });

  it('estimates exactly the values it generates, without generating', async () => {
    const cases = [
      {},
      { points: 100, devices: 3, sensors: [{ type: 'temperature' as const }, { type: 'power' as const }] },
      { end: '2025-01-01T01:00:00Z', interval: '1m' },
      { duration: '1h', interval: '7m', devices: 2 },
      { duration: '2h', interval: '1m', imperfections: { jitter: '10s', irregular: 0.3, missingRate: 0.1 } },
    ];
    const g = statisticalGenerator.create();
    for (const c of cases) {
      const series = await generate(c);
      const actual = series.reduce((n, s) => n + s.timestamps.length * s.columns.length, 0);
      expect(g.estimatePoints(params(c))).toBe(actual);
    }
    expect(g.estimatePoints(params({ duration: '1h', interval: '7m' }))).toBe(9);
    expect(g.estimatePoints(params({ points: 10_000_000, devices: 1000, sensors: [{}, {}] }))).toBe(2e10);
  });
});

describe('statistical generator: determinism and independence', () => {
  const rich = {
    devices: 3,
    duration: '2d',
    interval: '5m',
    sensors: [
      { type: 'temperature' as const },
      { type: 'humidity' as const },
      { type: 'energy' as const },
      { type: 'occupancy' as const },
    ],
    correlation: [
      [1, -0.5, 0, 0],
      [-0.5, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ],
    anomalies: [
      { type: 'spike' as const, count: 3 },
      { type: 'stuck' as const, sensor: 'humidity' },
    ],
    imperfections: { jitter: '5s', missingRate: 0.02, gaps: { count: 2, maxDuration: '30m' }, quantize: 0.01 },
  };

  it('gives byte-identical output for the same parameters and seed', async () => {
    const a = await generate(rich, 42);
    const b = await generate(rich, 42);
    expect(a.length).toBe(b.length);
    a.forEach((s, i) => {
      const t = b[i]!;
      expect(bytes(s.timestamps).equals(bytes(t.timestamps))).toBe(true);
      s.columns.forEach((c, j) => {
        expect(bytes(c.values).equals(bytes(t.columns[j]!.values))).toBe(true);
      });
      expect(JSON.stringify(s.labels)).toBe(JSON.stringify(t.labels));
      expect(s.metadata).toEqual(t.metadata);
    });
  });

  it('gives different data for different seeds (numbers and strings)', async () => {
    const a = await one({ duration: '1h' }, 1);
    const b = await one({ duration: '1h' }, 2);
    const c = await one({ duration: '1h' }, 'plant-7');
    expect(bytes(a.columns[0]!.values).equals(bytes(b.columns[0]!.values))).toBe(false);
    expect(bytes(a.columns[0]!.values).equals(bytes(c.columns[0]!.values))).toBe(false);
  });

  it('keeps a device identical when devices are added to the fleet', async () => {
    const base = {
      duration: '1d',
      interval: '5m',
      variation: 0.5,
      sensors: [{ type: 'temperature' as const }, { type: 'vibration' as const }],
    };
    const [alone] = await generate({ ...base, devices: 1 }, 9);
    const fleet = await generate({ ...base, devices: 3 }, 9);
    alone!.columns.forEach((c, j) => {
      expect(bytes(c.values).equals(bytes(fleet[0]!.columns[j]!.values))).toBe(true);
    });
    expect(fleet[0]!.metadata.attributes).toEqual(alone!.metadata.attributes);
    // the devices themselves differ (per-device variation)
    expect(fleet[1]!.metadata.attributes!['temperature.level']).not.toBe(
      fleet[0]!.metadata.attributes!['temperature.level'],
    );
  });

  it('keeps a sensor identical when another sensor is added', async () => {
    const a = await one({ duration: '1d', sensors: [{ type: 'temperature' }] }, 3);
    const b = await one({ duration: '1d', sensors: [{ type: 'temperature' }, { type: 'pressure' }] }, 3);
    expect(bytes(column(a, 'temperature')).equals(bytes(column(b, 'temperature')))).toBe(true);
  });
});

describe('statistical generator: components', () => {
  it('evaluates level, piecewise trend and epoch-aligned seasonalities with harmonics exactly (rotation stays accurate)', async () => {
    const s = await one({
      points: 200_000,
      interval: '1s',
      start: '2025-03-10T07:13:00Z',
      variation: 0,
      sensors: [
        {
          type: 'custom',
          level: 10,
          trend: { slope: 2, breakpoints: [{ at: 0.5, slope: -1 }] },
          seasonalities: [
            { period: '1d', amplitude: 3, harmonics: 3, phase: 0.375 },
            { period: '90m', amplitude: 0.5, phase: 0.1 },
          ],
        },
      ],
    });
    const v = s.columns[0]!.values;
    const t0 = s.timestamps[0]!;
    const bp = t0 + 0.5 * 200_000 * 1000;
    let worst = 0;
    for (let i = 0; i < v.length; i++) {
      const t = s.timestamps[i]!;
      const trend = t <= bp ? (2 * (t - t0)) / DAY : (2 * (bp - t0)) / DAY - (t - bp) / DAY;
      let seasonal = 0;
      for (let k = 1; k <= 3; k++) seasonal += (3 / k) * Math.cos(2 * Math.PI * k * (t / DAY - 0.375 - 0.25));
      seasonal += 0.5 * Math.cos(2 * Math.PI * (t / 5_400_000 - 0.1 - 0.25));
      worst = Math.max(worst, Math.abs(v[i]! - (10 + trend + seasonal)));
    }
    expect(worst).toBeLessThan(1e-8);
  });

  it('peaks temperature mid-afternoon and humidity at night (anti-phase)', async () => {
    const s = await one({
      duration: '14d',
      interval: '10m',
      variation: 0,
      sensors: [{ type: 'temperature' }, { type: 'humidity' }],
    });
    const byHour = (values: Float64Array) => {
      const sums = new Array(24).fill(0);
      const counts = new Array(24).fill(0);
      s.timestamps.forEach((t, i) => {
        const h = new Date(t).getUTCHours();
        sums[h] += values[i]!;
        counts[h]++;
      });
      return sums.map((x, h) => x / counts[h]);
    };
    const argmax = (a: number[]) => a.indexOf(Math.max(...a));
    const temp = byHour(column(s, 'temperature'));
    const hum = byHour(column(s, 'humidity'));
    expect(argmax(temp)).toBeGreaterThanOrEqual(13);
    expect(argmax(temp)).toBeLessThanOrEqual(17);
    expect([0, 1, 2, 3, 4, 5]).toContain(argmax(hum));
    expect(mean(column(s, 'temperature'))).toBeGreaterThan(19);
    expect(mean(column(s, 'temperature'))).toBeLessThan(23);
    expect(correlation(temp, hum)).toBeLessThan(-0.9);
  });

  it('produces AR(1) + white noise with the theoretical variance and autocorrelation (one Gaussian per point)', async () => {
    const s = await one({
      points: 100_000,
      interval: '1s',
      variation: 0,
      sensors: [{ type: 'custom', noise: { ar: [0.9], arStd: 1, std: 0.5 } }],
    });
    const v = s.columns[0]!.values;
    const arVar = 1 / (1 - 0.81);
    const total = arVar + 0.25;
    expect(std(v) ** 2 / total).toBeGreaterThan(0.92);
    expect(std(v) ** 2 / total).toBeLessThan(1.08);
    expect(autocorrelation(v, 1)).toBeCloseTo((0.9 * arVar) / total, 1);
    expect(Math.abs(autocorrelation(v, 1) - (0.9 * arVar) / total)).toBeLessThan(0.02);
    expect(Math.abs(autocorrelation(v, 5) - (0.9 ** 5 * arVar) / total)).toBeLessThan(0.04);
  });

  it('produces AR(2) + white noise with the theoretical autocorrelation', async () => {
    const s = await one({
      points: 100_000,
      interval: '1s',
      variation: 0,
      sensors: [{ type: 'custom', noise: { ar: [0.6, 0.2], arStd: 1, std: 0.5 } }],
    });
    const v = s.columns[0]!.values;
    const rho1 = 0.6 / (1 - 0.2);
    const arVar = (1 - 0.2) / ((1 + 0.2) * ((1 - 0.2) ** 2 - 0.36));
    const total = arVar + 0.25;
    expect(Math.abs(std(v) ** 2 / total - 1)).toBeLessThan(0.06);
    expect(Math.abs(autocorrelation(v, 1) - (rho1 * arVar) / total)).toBeLessThan(0.02);
    const rho2 = 0.6 * rho1 + 0.2;
    expect(Math.abs(autocorrelation(v, 2) - (rho2 * arVar) / total)).toBeLessThan(0.03);
  });

  it('adds a random walk, heteroscedastic noise and regime shifts', async () => {
    const walk = await one({
      points: 50_000,
      interval: '1s',
      sensors: [{ type: 'custom', noise: { randomWalkStd: 0.5 } }],
    });
    const w = walk.columns[0]!.values;
    const diffs = Array.from({ length: w.length - 1 }, (_, i) => w[i + 1]! - w[i]!);
    expect(std(diffs)).toBeGreaterThan(0.47);
    expect(std(diffs)).toBeLessThan(0.53);

    const het = await one({
      duration: '20d',
      interval: '5m',
      variation: 0,
      sensors: [
        {
          type: 'custom',
          seasonalities: [{ period: '1d', amplitude: 5, phase: 0 }],
          noise: { std: 1, heteroscedastic: 0.8 },
        },
      ],
    });
    const hv = het.columns[0]!.values;
    const peak: number[] = [];
    const trough: number[] = [];
    het.timestamps.forEach((t, i) => {
      const x = 2 * Math.PI * (t / DAY - 0.25);
      const residual = hv[i]! - 5 * Math.cos(x);
      if (Math.cos(x) > 0.95) peak.push(residual);
      if (Math.cos(x) < -0.95) trough.push(residual);
    });
    expect(std(peak) / std(trough)).toBeGreaterThan(5);

    const shifted = await one({
      duration: '2d',
      variation: 0,
      sensors: [{ type: 'custom', level: 5, regimeShifts: { count: 3, magnitude: 4 } }],
    });
    const distinct = new Set(shifted.columns[0]!.values);
    expect(distinct.size).toBeGreaterThanOrEqual(2);
    expect(distinct.size).toBeLessThanOrEqual(4);
    expect(shifted.labels).toEqual([]);
  });
});

describe('statistical generator: sensor behaviour', () => {
  it('keeps energy counters monotonic through noise, anomalies, missing values, quantisation, gaps and irregular sampling', async () => {
    const series = await generate({
      devices: 2,
      duration: '3d',
      interval: '1m',
      sensors: [{ type: 'energy' }],
      anomalies: ['spike', 'dip', 'stuck', 'drift', 'level_shift', 'noise_burst', 'degradation'].map((type) => ({
        type: type as 'spike',
        count: 2,
      })),
      imperfections: {
        missingRate: 0.05,
        quantize: 0.01,
        gaps: { count: 3, maxDuration: '2h' },
        irregular: 0.3,
        jitter: '10s',
      },
    });
    for (const s of series) {
      const v = column(s, 'energy');
      let prev = -Infinity;
      let seen = 0;
      for (const x of v) {
        if (Number.isNaN(x)) continue;
        expect(x).toBeGreaterThanOrEqual(prev);
        prev = x;
        seen++;
      }
      expect(seen).toBeGreaterThan(3000);
      // it counts: about 0.4 kWh per hour over three days
      const finite = v.filter((x) => !Number.isNaN(x));
      const used = finite[finite.length - 1]! - finite[0]!;
      expect(used).toBeGreaterThan(10);
      expect(used).toBeLessThan(80);
      expect(s.metadata.attributes!['energy.initialReading']).toBeGreaterThanOrEqual(0);
    }
  });

  it('shows counter anomalies as jumps in the increments and a frozen reading', async () => {
    const base = { duration: '2d', interval: '1m', variation: 0, sensors: [{ type: 'energy' as const }] };
    const s = await one(
      {
        ...base,
        anomalies: [
          { type: 'spike', count: 1 },
          { type: 'stuck', count: 1, duration: '1h' },
        ],
      },
      5,
    );
    const v = column(s, 'energy');
    const inc = Array.from({ length: v.length - 1 }, (_, i) => v[i + 1]! - v[i]!);
    const typical = [...inc].sort((a, b) => a - b)[Math.floor(inc.length / 2)]!;
    const spike = s.labels.find((l) => l.type === 'spike')!;
    const row = rowsIn(s, spike.start, spike.end)[0]!;
    expect(inc[row - 1]!).toBeGreaterThan(5 * typical);
    expect(spike.details).toMatchObject({ appliedTo: 'consumption rate per hour' });
    const stuck = s.labels.find((l) => l.type === 'stuck')!;
    const rows = rowsIn(s, stuck.start, stuck.end);
    expect(rows.length).toBe(60);
    for (const r of rows) expect(v[r]).toBe(v[rows[0]!]);
    expect(v[rows[rows.length - 1]! + 1]!).toBeGreaterThan(v[rows[0]!]!);
  });

  it('drains batteries from 4.2 V towards 3.0 V along the discharge curve, within range', async () => {
    const s = await one({
      duration: '14d',
      interval: '10m',
      variation: 0,
      sensors: [{ type: 'battery', dischargeDays: 10 }],
    });
    const v = column(s, 'battery');
    expect(v[0]).toBeGreaterThan(4.15);
    expect(v[0]).toBeLessThan(4.25);
    const daily = Array.from({ length: 14 }, (_, d) => mean(v.subarray(d * 144, (d + 1) * 144)));
    for (let d = 1; d < 10; d++) expect(daily[d]).toBeLessThan(daily[d - 1]!);
    expect(daily[12]).toBeGreaterThan(2.95);
    expect(daily[12]).toBeLessThan(3.05);
    for (const x of v) {
      expect(x).toBeGreaterThanOrEqual(2.5);
      expect(x).toBeLessThanOrEqual(4.25);
    }
    expect(s.metadata.attributes!['battery.dischargeDays']).toBe(10);
    // the default fleet drains over weeks
    const fleet = await generate({ devices: 2, duration: '7d', interval: '1h', sensors: [{ type: 'battery' }] });
    for (const f of fleet) {
      const b = column(f, 'battery');
      expect(mean(b.subarray(b.length - 24))).toBeLessThan(mean(b.subarray(0, 24)) - 0.05);
      expect(mean(b.subarray(b.length - 24))).toBeGreaterThan(3.4);
    }
  });

  it('reports occupancy as 0/1 states that are busier in weekday daytime than at night', async () => {
    const s = await one({
      duration: '14d',
      interval: '5m',
      sensors: [{ type: 'occupancy' }],
      anomalies: [{ type: 'spike' }, { type: 'noise_burst' }, { type: 'stuck' }],
      imperfections: { missingRate: 0.01, quantize: 0.3 },
    });
    const v = column(s, 'occupancy');
    const day: number[] = [];
    const night: number[] = [];
    let switches = 0;
    for (let i = 0; i < v.length; i++) {
      if (Number.isNaN(v[i]!)) continue;
      expect([0, 1]).toContain(v[i]);
      if (i > 0 && !Number.isNaN(v[i - 1]!) && v[i] !== v[i - 1]) switches++;
      const d = new Date(s.timestamps[i]!);
      const weekday = d.getUTCDay() >= 1 && d.getUTCDay() <= 5;
      if (weekday && d.getUTCHours() >= 11 && d.getUTCHours() < 15) day.push(v[i]!);
      if (d.getUTCHours() < 5) night.push(v[i]!);
    }
    expect(mean(day)).toBeGreaterThan(mean(night) + 0.3);
    expect(switches).toBeGreaterThan(50);
    expect(s.labels.filter((l) => l.kind === 'anomaly')).toHaveLength(3);
    // irregular sampling: the probability follows the actual times
    const irregular = await one({
      duration: '14d',
      interval: '5m',
      sensors: [{ type: 'occupancy' }],
      imperfections: { irregular: 0.5 },
    });
    const iv = column(irregular, 'occupancy');
    const busy: number[] = [];
    const quiet: number[] = [];
    irregular.timestamps.forEach((t, i) => {
      expect([0, 1]).toContain(iv[i]);
      const h = new Date(t).getUTCHours();
      if (h >= 11 && h < 15) busy.push(iv[i]!);
      if (h < 5) quiet.push(iv[i]!);
    });
    expect(mean(busy)).toBeGreaterThan(mean(quiet) + 0.2);
  });

  it('never lets vibration or power go negative and follows business hours for power', async () => {
    const s = await one({
      duration: '14d',
      interval: '15m',
      variation: 0.3,
      sensors: [{ type: 'vibration', noise: { std: 2 } }, { type: 'power' }],
    });
    for (const x of column(s, 'vibration')) expect(x).toBeGreaterThanOrEqual(0);
    const p = column(s, 'power');
    const weekday: number[] = [];
    const weekend: number[] = [];
    s.timestamps.forEach((t, i) => {
      expect(p[i]).toBeGreaterThanOrEqual(0);
      const d = new Date(t);
      if (d.getUTCHours() < 10 || d.getUTCHours() >= 16) return;
      (d.getUTCDay() === 0 || d.getUTCDay() === 6 ? weekend : weekday).push(p[i]!);
    });
    expect(mean(weekday)).toBeGreaterThan(mean(weekend) + 50);
  });
});

describe('statistical generator: correlation', () => {
  it("gives the sensors' noise the target correlation matrix although their noise spectra differ", async () => {
    const target = [
      [1, 0.6, 0.3],
      [0.6, 1, -0.2],
      [0.3, -0.2, 1],
    ];
    const s = await one({
      points: 20_000,
      interval: '1s',
      variation: 0,
      sensors: [
        { type: 'custom', name: 'a', noise: { std: 1, ar: [0.5], arStd: 1 } },
        { type: 'custom', name: 'b', level: 50, noise: { ar: [0.3], arStd: 2, std: 0.8 } },
        { type: 'custom', name: 'c', noise: { std: 1 } },
      ],
      correlation: target,
    });
    expect(s.metadata.attributes!.correlationAttainable).toBeUndefined();
    const names = ['a', 'b', 'c'];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < i; j++) {
        const r = correlation(column(s, names[i]!), column(s, names[j]!));
        expect(Math.abs(r - target[i]![j]!), `pair ${names[i]}/${names[j]}: ${r}`).toBeLessThan(0.05);
      }
    }
  });

  it('correlates presets (temperature and humidity noise) on every device', async () => {
    const series = await generate({
      devices: 2,
      points: 20_000,
      interval: '10m',
      sensors: [
        { type: 'temperature', seasonalities: [] },
        { type: 'humidity', seasonalities: [] },
      ],
      correlation: [
        [1, -0.7],
        [-0.7, 1],
      ],
    });
    for (const s of series)
      expect(Math.abs(correlation(column(s, 'temperature'), column(s, 'humidity')) + 0.7)).toBeLessThan(0.05);
  });

  it('scales an unattainable target down and says so', async () => {
    const s = await one({
      points: 20_000,
      interval: '1s',
      variation: 0,
      sensors: [
        { type: 'custom', name: 'white', noise: { std: 1 } },
        { type: 'custom', name: 'slow', noise: { ar: [0.99], arStd: 1, std: 0 } },
      ],
      correlation: [
        [1, 0.9],
        [0.9, 1],
      ],
    });
    const attainable = s.metadata.attributes!.correlationAttainable as number;
    expect(attainable).toBeGreaterThan(0);
    expect(attainable).toBeLessThan(1);
  });
});

describe('statistical generator: anomalies', () => {
  const base = {
    devices: 2,
    duration: '3d',
    interval: '5m',
    sensors: [
      { type: 'temperature' as const },
      { type: 'custom' as const, name: 'flow', level: 10, noise: { std: 1 } },
    ],
  };
  const anomalies = [
    { type: 'spike' as const, count: 3 },
    { type: 'dip' as const, count: 2 },
    { type: 'stuck' as const, count: 2 },
    { type: 'drift' as const, count: 1, duration: '6h' },
    { type: 'level_shift' as const, count: 1, duration: '4h' },
    { type: 'noise_burst' as const, count: 1, duration: '3h' },
    { type: 'degradation' as const, count: 1, duration: '12h' },
  ];

  it('injects exactly what the labels say, and nothing elsewhere', async () => {
    const clean = await generate(base, 11);
    const dirty = await generate({ ...base, anomalies }, 11);
    let total = 0;
    dirty.forEach((s, d) => {
      const c = clean[d]!;
      expect(bytes(s.timestamps).equals(bytes(c.timestamps))).toBe(true);
      const labels = s.labels.filter((l) => l.kind === 'anomaly');
      total += labels.length;
      for (const col of s.columns) {
        const inside = new Uint8Array(s.timestamps.length);
        const own = labels.filter((l) => l.column === col.name).sort((a, b) => a.start - b.start);
        own.forEach((l, k) => {
          if (k > 0) expect(l.start).toBeGreaterThan(own[k - 1]!.end);
          expect(s.timestamps).toContain(l.start);
          expect(s.timestamps).toContain(l.end);
        });
        for (const l of own) {
          const rows = rowsIn(s, l.start, l.end);
          for (const r of rows) inside[r] = 1;
          const diff = rows.map((r) => col.values[r]! - column(c, col.name)[r]!);
          const noiseStd = s.metadata.attributes![`${col.name}.noiseStd`] as number;
          switch (l.type) {
            case 'spike':
            case 'dip':
            case 'level_shift': {
              const offset = l.details!.offset as number;
              expect(Math.sign(offset)).toBe(l.type === 'dip' ? -1 : l.type === 'spike' ? 1 : Math.sign(offset));
              if (l.type !== 'level_shift') expect(Math.abs(offset) / noiseStd).toBeCloseTo(8, 2);
              for (const x of diff) expect(x).toBeCloseTo(offset, 6);
              break;
            }
            case 'stuck':
              expect(rows.length).toBe(24);
              for (const r of rows) expect(col.values[r]).toBe(l.details!.value);
              break;
            case 'drift': {
              const fin = l.details!.finalOffset as number;
              expect(diff[diff.length - 1]).toBeCloseTo(fin, 6);
              expect(Math.abs(diff[0]!)).toBeLessThan(Math.abs(fin) / 10);
              break;
            }
            case 'noise_burst':
              expect(std(diff) / (l.details!.extraStd as number)).toBeGreaterThan(0.6);
              expect(std(diff) / (l.details!.extraStd as number)).toBeLessThan(1.4);
              break;
            case 'degradation':
              expect(mean(diff.slice(-10))).toBeGreaterThan(mean(diff.slice(0, 10)) + 2 * noiseStd);
              break;
          }
        }
        for (let r = 0; r < inside.length; r++) if (!inside[r]) expect(col.values[r]).toBe(column(c, col.name)[r]);
      }
    });
    expect(total).toBe(anomalies.reduce((n, a) => n + a.count, 0));
  });

  it('restricts anomalies to the given sensor and devices', async () => {
    const series = await generate({
      devices: 3,
      duration: '1d',
      sensors: [{ type: 'temperature' }, { type: 'humidity' }],
      anomalies: [
        { type: 'spike', count: 5, sensor: 'humidity', devices: [1] },
        { type: 'dip', count: 4, sensor: 'temperature' },
      ],
    });
    const spikes = series.flatMap((s) => s.labels.filter((l) => l.type === 'spike').map((l) => [s.id, l.column]));
    expect(spikes).toHaveLength(5);
    for (const [id, col] of spikes) {
      expect(id).toBe('device-002');
      expect(col).toBe('humidity');
    }
    const dips = series.flatMap((s) => s.labels.filter((l) => l.type === 'dip'));
    expect(dips).toHaveLength(4);
    for (const l of dips) expect(l.column).toBe('temperature');
  });
});

describe('statistical generator: imperfections', () => {
  it('clips at the sensor range (on by default) and labels each clipped run', async () => {
    const spec = {
      duration: '2d',
      interval: '5m',
      sensors: [
        {
          type: 'custom' as const,
          name: 'tank',
          level: 9,
          range: { min: 0, max: 10 },
          seasonalities: [{ period: '1d', amplitude: 3 }],
          noise: { std: 0.2 },
        },
      ],
    };
    const s = await one(spec);
    const v = column(s, 'tank');
    for (const x of v) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(10);
    }
    const labels = s.labels.filter((l) => l.type === 'clipping');
    expect(labels.length).toBeGreaterThan(0);
    let covered = 0;
    for (const l of labels) {
      expect(l.kind).toBe('imperfection');
      expect(l.column).toBe('tank');
      expect(l.details).toMatchObject({ bound: 'max', limit: 10 });
      const rows = rowsIn(s, l.start, l.end);
      expect(rows.length).toBe(l.details!.samples);
      for (const r of rows) expect(v[r]).toBe(10);
      covered += rows.length;
    }
    expect(covered).toBe(v.filter((x) => x === 10).length);
    const unclipped = await one({ ...spec, imperfections: { clip: false } });
    expect(Math.max(...column(unclipped, 'tank'))).toBeGreaterThan(10);
    expect(unclipped.labels).toEqual([]);
  });

  it('removes rows in gaps and labels each gap without a column', async () => {
    const s = await one({
      duration: '2d',
      interval: '5m',
      sensors: [{ type: 'temperature' }, { type: 'humidity' }],
      imperfections: { gaps: { count: 3, maxDuration: '1h' } },
    });
    const gaps = s.labels.filter((l) => l.type === 'gap');
    expect(gaps).toHaveLength(3);
    const removed = gaps.reduce((n, l) => n + (l.details!.samples as number), 0);
    expect(s.timestamps.length).toBe(576 - removed);
    for (const l of gaps) {
      expect(l.kind).toBe('imperfection');
      expect(l.column).toBeUndefined();
      expect(l.details!.samples).toBeGreaterThanOrEqual(1);
      expect(l.details!.samples).toBeLessThanOrEqual(12);
      expect(rowsIn(s, l.start, l.end)).toEqual([]);
      const before = s.timestamps.indexOf(l.details!.previous as number);
      expect(before).toBeGreaterThanOrEqual(0);
      expect(s.timestamps[before + 1]).toBe(l.details!.next);
      expect(l.end - l.start).toBe(((l.details!.samples as number) - 1) * 300_000);
    }
    validateSeries(s);
  });

  it('loses values as NaN and labels every run of them', async () => {
    const s = await one({
      points: 5000,
      sensors: [{ type: 'temperature' }, { type: 'pressure' }],
      imperfections: { missingRate: 0.1 },
    });
    for (const c of s.columns) {
      const nan = c.values.filter((x) => Number.isNaN(x)).length;
      expect(nan / 5000).toBeGreaterThan(0.08);
      expect(nan / 5000).toBeLessThan(0.12);
      const labels = s.labels.filter((l) => l.type === 'missing' && l.column === c.name);
      let covered = 0;
      for (const l of labels) {
        const rows = rowsIn(s, l.start, l.end);
        for (const r of rows) expect(Number.isNaN(c.values[r]!)).toBe(true);
        expect(rows.length).toBe(l.details!.samples);
        covered += rows.length;
      }
      expect(covered).toBe(nan);
    }
  });

  it('jitters timestamps without reordering them, even when the jitter exceeds the interval', async () => {
    for (const jitter of ['20s', '3m']) {
      const s = await one({ duration: '1d', interval: '1m', imperfections: { jitter } });
      const max = jitter === '20s' ? 20_000 : 180_000;
      let moved = 0;
      for (let i = 0; i < s.timestamps.length; i++) {
        const t = s.timestamps[i]!;
        if (i > 0) expect(t).toBeGreaterThanOrEqual(s.timestamps[i - 1]!);
        expect(Number.isInteger(t)).toBe(true);
        if (jitter === '20s') expect(Math.abs(t - (START + i * 60_000))).toBeLessThanOrEqual(max);
        if (t !== START + i * 60_000) moved++;
      }
      expect(moved).toBeGreaterThan(1000);
      expect(s.labels.find((l) => l.type === 'jitter')?.details).toEqual({ maxMs: max });
    }
  });

  it('samples irregularly at the requested mean rate and evaluates the model at the actual times', async () => {
    const s = await one({
      duration: '2d',
      interval: '1m',
      variation: 0,
      sensors: [{ type: 'custom', level: 1, seasonalities: [{ period: '1d', amplitude: 2 }], trend: { slope: 1 } }],
      imperfections: { irregular: 0.5 },
    });
    const dt = Array.from({ length: s.timestamps.length - 1 }, (_, i) => s.timestamps[i + 1]! - s.timestamps[i]!);
    expect(Math.min(...dt)).toBeGreaterThan(0);
    expect(std(dt)).toBeGreaterThan(10_000);
    expect(Math.abs(mean(dt) / 60_000 - 1)).toBeLessThan(0.02);
    const v = s.columns[0]!.values;
    s.timestamps.forEach((t, i) => {
      const expected = 1 + (t - START) / DAY + 2 * Math.cos(2 * Math.PI * (t / DAY - 0.25));
      expect(v[i]).toBeCloseTo(expected, 9);
    });
    expect(s.labels.map((l) => l.type)).toEqual(['irregular_sampling']);
  });

  it('quantizes values to the resolution step', async () => {
    const s = await one({
      duration: '1d',
      sensors: [{ type: 'custom', noise: { std: 1 } }],
      imperfections: { quantize: 0.25 },
    });
    for (const x of s.columns[0]!.values) expect(Number.isInteger(x / 0.25)).toBe(true);
    expect(s.labels.find((l) => l.type === 'quantization')?.details).toEqual({ step: 0.25 });
    const t = await one({ duration: '1d', imperfections: { quantize: 0.1 } });
    for (const x of t.columns[0]!.values) expect(String(x)).toMatch(/^-?\d+(\.\d)?$/);
  });
});
