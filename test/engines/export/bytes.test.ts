import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.js';
import type { TimeSeries } from '../../../src/core/types.js';
import { ByteChunks } from '../../../src/engines/export/bytes.js';
import { csvField } from '../../../src/engines/export/csv.js';
import { escapeKey, escapeMeasurement } from '../../../src/engines/export/line-protocol.js';
import { exportSeries, writeSeriesStream, type ExportFormat } from '../../../src/engines/export/index.js';

/*
 * The byte encoders against a plain reference: one string per row, built with
 * String(v) and toISOString, joined and encoded at the end. Random data covers
 * NaN, ±Infinity, -0, negatives, integers, exponents and values at the ends
 * of the double range; timestamps cover ms, non-integer ms and years outside
 * 1970–9999.
 */

const iso = (ms: number) => new Date(ms).toISOString();
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function referenceCsv(series: TimeSeries[], timestamps: 'iso' | 'ms'): string {
  const columns = [...new Set(series.flatMap((s) => s.columns.map((c) => c.name)))];
  let out = `${['timestamp', 'series', ...columns].map(csvField).join(',')}\n`;
  for (const s of series) {
    for (let i = 0; i < s.timestamps.length; i++) {
      const t = s.timestamps[i]!;
      const cells = [timestamps === 'iso' ? iso(t) : String(t), csvField(s.name)];
      for (const name of columns) {
        const c = s.columns.find((x) => x.name === name);
        const v = c?.values[i];
        if (v === undefined || Number.isNaN(v)) cells.push('');
        else cells.push(c!.levels ? csvField(c!.levels[v] ?? '') : String(v));
      }
      out += `${cells.join(',')}\n`;
    }
  }
  return out;
}

function referenceNdjson(series: TimeSeries[], timestamps: 'iso' | 'ms'): string {
  let out = '';
  for (const s of series)
    for (let i = 0; i < s.timestamps.length; i++) {
      const t = s.timestamps[i]!;
      const parts = [`"timestamp":${timestamps === 'iso' ? JSON.stringify(iso(t)) : String(t)}`];
      parts.push(`"series":${JSON.stringify(s.name)}`);
      for (const c of s.columns) {
        const v = c.values[i]!;
        parts.push(`${JSON.stringify(c.name)}:${Number.isFinite(v) ? String(v) : 'null'}`);
      }
      out += `{${parts.join(',')}}\n`;
    }
  return out;
}

function referenceLine(series: TimeSeries[]): string {
  let out = '';
  for (const s of series) {
    const tags: [string, string][] = [['series', s.name]];
    if (s.metadata.deviceId !== undefined) tags.push(['device_id', String(s.metadata.deviceId)]);
    const tagText = tags
      .sort(([a], [b]) => byteOrder(a, b))
      .map(([k, v]) => `,${escapeKey(k)}=${escapeKey(v)}`)
      .join('');
    const head = `${escapeMeasurement(s.metadata.sensorType || 'tsiot')}${tagText}`;
    for (let i = 0; i < s.timestamps.length; i++) {
      const fields = s.columns
        .filter((c) => Number.isFinite(c.values[i]!))
        .map((c) => `${escapeKey(c.name)}=${String(c.values[i]!)}`);
      if (fields.length) out += `${head} ${fields.join(',')} ${String(Math.round(s.timestamps[i]!))}\n`;
    }
  }
  return out;
}

function randomValue(rng: () => number): number {
  const r = rng();
  if (r < 0.05) return Number.NaN;
  if (r < 0.07) return rng() < 0.5 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  if (r < 0.09) return -0;
  if (r < 0.25) return Math.round((rng() - 0.5) * 2 ** (1 + Math.floor(rng() * 40))); // integers, past 2^31
  if (r < 0.3) return (rng() - 0.5) * 10 ** Math.floor(rng() * 600 - 300); // tiny and huge exponents
  if (r < 0.32)
    return [Number.MAX_VALUE, -Number.MIN_VALUE, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, 1e21, 1e-7][Math.floor(rng() * 7)]!;
  return (rng() - 0.5) * 200;
}

function randomFleet(seed: number): TimeSeries[] {
  const r = createRng(seed);
  const rng = () => r.next();
  const fleet: TimeSeries[] = [];
  for (let d = 0; d < 4; d++) {
    const n = 200 + Math.floor(rng() * 300);
    const timestamps = new Float64Array(n);
    // mostly regular steps across minute, hour and day boundaries (one of 7 min 13.001 s, through many
    // hours and days); one series of odd times
    let t = d === 3 ? -62_198_755_200_000 : Date.UTC(2024, 11, 31, 23, 58) + Math.floor(rng() * 1000);
    for (let i = 0; i < n; i++) {
      timestamps[i] = t;
      t += d === 2 ? 0.25 + Math.floor(rng() * 3) : d === 3 ? 86_400_000 * 500 : d === 1 ? 433_001 : 997;
    }
    const columns = ['temp', 'hum "x"', 'p,w'].slice(0, 1 + (d % 3)).map((name) => ({
      name,
      values: Float64Array.from({ length: n }, () => randomValue(rng)),
    }));
    fleet.push({
      id: `ser_${d}`,
      name: d === 1 ? 'dev "ü",1' : `device-${d}`,
      metadata: { deviceId: `dev ${d}`, sensorType: d === 0 ? 'temperature' : '', tags: {} },
      timestamps,
      columns,
      labels: [],
    });
  }
  return fleet;
}

describe('byte encoders', () => {
  it('write what the row-string reference writes, on random data, in chunks of any size', async () => {
    for (const seed of [1, 2, 3]) {
      const fleet = randomFleet(seed);
      for (const timestamps of ['iso', 'ms'] as const) {
        const expected: Record<Exclude<ExportFormat, 'parquet'>, string> = {
          csv: referenceCsv(fleet, timestamps),
          ndjson: referenceNdjson(fleet, timestamps),
          line: referenceLine(fleet),
        };
        for (const format of ['csv', 'ndjson', 'line'] as const) {
          for (const chunkBytes of [1024, 65_536]) {
            const bytes = await exportSeries(fleet, format, { timestamps, chunkBytes });
            expect(Buffer.from(bytes).toString('utf8'), `${format} ${timestamps} seed ${seed}`).toBe(expected[format]);
          }
          if (format === 'csv') continue; // streamed CSV takes the first series' columns as its header
          const chunks: Uint8Array[] = [];
          async function* each() {
            yield* fleet;
          }
          await writeSeriesStream(each(), format, (c) => void chunks.push(Buffer.from(c)), {
            timestamps,
            chunkBytes: 1024,
          });
          expect(Buffer.concat(chunks).toString('utf8')).toBe(expected[format]);
          // chunks are cut where the buffer fills (less than a row short of it), not one per series
          expect(chunks.slice(0, -1).every((c) => c.length > 1024 - 256 && c.length <= 1024)).toBe(true);
        }
      }
    }
  });

  it('formats numbers as String does and timestamps as toISOString does', () => {
    const r = createRng(9);
    const rng = () => r.next();
    const numbers = [0, -0, 1, -1, 9, 10, 2 ** 31 - 1, -(2 ** 31) + 1, 2 ** 31, -(2 ** 31), 123456789, 0.1 + 0.2];
    for (let i = 0; i < 2000; i++) numbers.push(randomValue(rng));
    // whole numbers written as two halves of eight digits (epoch milliseconds among them), and their edges
    numbers.push(
      2 ** 31 + 1,
      99_999_999,
      100_000_000,
      100_000_001,
      1_000_000_000_007,
      1e15 - 1,
      1e15,
      1e15 + 1,
      2 ** 53,
    );
    for (let i = 0; i < 2000; i++) numbers.push(Math.floor(rng() * 10 ** (10 + (i % 6))), -Math.floor(rng() * 1e14));
    const times = [0, 59_999, 60_000, 86_399_999, 253_402_300_799_999, 253_402_300_800_000, -1, 1.5];
    for (let i = 0; i < 2000; i++) times.push(Math.floor(rng() * 4e12));
    const out = new ByteChunks(1 << 20);
    for (const v of numbers) {
      out.number(v);
      out.byte(10);
    }
    for (const t of times) {
      out.timestamp(t, 'iso');
      out.byte(10);
    }
    const text = out.take()!.toString('latin1');
    expect(text).toBe(`${[...numbers.map(String), ...times.map(iso)].join('\n')}\n`);
  });
});
