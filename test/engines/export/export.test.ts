import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../src/core/errors.js';
import type { TimeSeries } from '../../../src/core/types.js';
import {
  exportLabels,
  exportSeries,
  writeParquetFile,
  writeParquetFileInWorker,
  writeSeries,
  writeSeriesStream,
  type ExportFormat,
} from '../../../src/engines/export/index.js';
import { createRng } from '../../../src/core/rng.js';
import { createBuiltinFactory } from '../../../src/engines/generation/builtin.js';

const T0 = Date.UTC(2024, 0, 1);

/** Two small series chosen to exercise quoting, escaping, NaN and a union of different columns. */
function fixture(): TimeSeries[] {
  return [
    {
      id: 'ser_boiler',
      name: 'dev-1',
      metadata: {
        deviceId: 'boiler 1',
        sensorType: 'temperature',
        tags: { site: 'Zürich,HQ', 'floor=': '2', empty: '' },
      },
      timestamps: Float64Array.of(T0, T0 + 1_000, T0 + 2_000),
      columns: [
        { name: 'temp', unit: '°C', values: Float64Array.of(21.5, NaN, 0.1 + 0.2) },
        { name: 'hum', values: Float64Array.of(NaN, NaN, 40) },
      ],
      labels: [
        { type: 'spike', kind: 'anomaly', column: 'temp', start: T0, end: T0 + 1_000, details: { magnitude: 3 } },
      ],
    },
    {
      id: 'ser_pump',
      name: 'pump "B", east',
      metadata: { tags: {} },
      timestamps: Float64Array.of(-1_000, 0),
      columns: [
        { name: 'hum', values: Float64Array.of(55, NaN) },
        { name: 'wind speed,m/s', values: Float64Array.of(1013.25, 1e21) },
      ],
      labels: [{ type: 'gap', kind: 'imperfection', start: -1_000, end: 0 }],
    },
  ];
}

const text = async (format: ExportFormat, options = {}) =>
  Buffer.from(await exportSeries(fixture(), format, options)).toString('utf8');

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return e instanceof TsiotError ? e.code : `not a TsiotError: ${String(e)}`;
  }
}

/** Read a Parquet file back through DuckDB: its physical schema (name, type, converted type) and rows. */
async function readParquet(file: string, select = '*'): Promise<{ schema: unknown[][]; rows: unknown[][] }> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    const schema = await c.runAndReadAll(
      `SELECT name, type, converted_type FROM parquet_schema('${file}') WHERE type IS NOT NULL`,
    );
    const rows = await c.runAndReadAll(`SELECT ${select} FROM '${file}'`);
    return { schema: schema.getRowsJS(), rows: rows.getRowsJS() };
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

let scratch: string;
let savedTmp: string | undefined;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'tsiot-export-test-'));
  savedTmp = process.env.TMPDIR;
  // every temporary file the exporter makes lands here, so the tests can see what is left behind
  process.env.TMPDIR = join(scratch, 'tmp');
  mkdirSync(process.env.TMPDIR);
});
afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(scratch, { recursive: true, force: true });
});
const tempLeftovers = () => readdirSync(tmpdir());

describe('CSV', () => {
  it('writes a wide table over the union of columns with RFC 4180 quoting and empty missing values', async () => {
    expect(await text('csv')).toBe(
      [
        'timestamp,series,temp,hum,"wind speed,m/s"',
        '2024-01-01T00:00:00.000Z,dev-1,21.5,,',
        '2024-01-01T00:00:01.000Z,dev-1,,,',
        '2024-01-01T00:00:02.000Z,dev-1,0.30000000000000004,40,',
        '1969-12-31T23:59:59.000Z,"pump ""B"", east",,55,1013.25',
        '1970-01-01T00:00:00.000Z,"pump ""B"", east",,,1e+21',
        '',
      ].join('\n'),
    );
  });

  it('writes epoch milliseconds on request', async () => {
    const lines = (await text('csv', { timestamps: 'ms' })).split('\n');
    expect(lines[1]).toBe('1704067200000,dev-1,21.5,,');
    expect(lines[4]).toBe('-1000,"pump ""B"", east",,55,1013.25');
  });

  it('prints every double so it reads back exactly', async () => {
    const values = [0.1 + 0.2, 1 / 3, 5e-324, 1.7976931348623157e308, -123456.789, 2 ** 53 + 2];
    const s: TimeSeries = {
      id: 's',
      name: 's',
      metadata: { tags: {} },
      timestamps: Float64Array.from(values, (_, i) => i),
      columns: [{ name: 'v', values: Float64Array.from(values) }],
      labels: [],
    };
    const rows = Buffer.from(await exportSeries([s], 'csv'))
      .toString('utf8')
      .trim()
      .split('\n')
      .slice(1);
    expect(rows.map((r) => Number(r.split(',')[2]))).toEqual(values);
  });
});

describe('NDJSON', () => {
  it('writes one object per row with the series columns and null for missing', async () => {
    expect(await text('ndjson')).toBe(
      [
        '{"timestamp":"2024-01-01T00:00:00.000Z","series":"dev-1","temp":21.5,"hum":null}',
        '{"timestamp":"2024-01-01T00:00:01.000Z","series":"dev-1","temp":null,"hum":null}',
        '{"timestamp":"2024-01-01T00:00:02.000Z","series":"dev-1","temp":0.30000000000000004,"hum":40}',
        '{"timestamp":"1969-12-31T23:59:59.000Z","series":"pump \\"B\\", east","hum":55,"wind speed,m/s":1013.25}',
        '{"timestamp":"1970-01-01T00:00:00.000Z","series":"pump \\"B\\", east","hum":null,"wind speed,m/s":1e+21}',
        '',
      ].join('\n'),
    );
    for (const line of (await text('ndjson', { timestamps: 'ms' })).trim().split('\n'))
      expect(typeof JSON.parse(line).timestamp).toBe('number');
  });
});

describe('InfluxDB line protocol', () => {
  it('escapes names, sorts tags, drops NaN fields and empty rows, and writes ms timestamps', async () => {
    expect(await text('line')).toBe(
      [
        'temperature,device_id=boiler\\ 1,floor\\==2,series=dev-1,site=Zürich\\,HQ temp=21.5 1704067200000',
        'temperature,device_id=boiler\\ 1,floor\\==2,series=dev-1,site=Zürich\\,HQ temp=0.30000000000000004,hum=40 1704067202000',
        'tsiot,series=pump\\ "B"\\,\\ east hum=55,wind\\ speed\\,m/s=1013.25 -1000',
        'tsiot,series=pump\\ "B"\\,\\ east wind\\ speed\\,m/s=1e+21 0',
        '',
      ].join('\n'),
    );
  });

  it('uses the measurement option, escaped', async () => {
    const first = (await text('line', { measurement: 'plant a,hall\\2' })).split('\n')[0]!;
    expect(first.startsWith('plant\\ a\\,hall\\\\2,device_id=')).toBe(true);
  });
});

describe('Parquet', () => {
  it('round-trips through DuckDB with TIMESTAMP_MS, series and DOUBLE columns, NULL for missing', async () => {
    const file = join(scratch, 'fixture.parquet');
    writeFileSync(file, await exportSeries(fixture(), 'parquet'));
    const { schema, rows } = await readParquet(file, `epoch_ms("timestamp"), series, temp, hum, "wind speed,m/s"`);
    expect(schema).toEqual([
      ['timestamp', 'INT64', 'TIMESTAMP_MILLIS'],
      ['series', 'BYTE_ARRAY', 'UTF8'],
      ['temp', 'DOUBLE', null],
      ['hum', 'DOUBLE', null],
      ['wind speed,m/s', 'DOUBLE', null],
    ]);
    expect(rows).toEqual([
      [BigInt(T0), 'dev-1', 21.5, null, null],
      [BigInt(T0 + 1_000), 'dev-1', null, null, null],
      [BigInt(T0 + 2_000), 'dev-1', 0.1 + 0.2, 40, null],
      [-1_000n, 'pump "B", east', null, 55, 1013.25],
      [0n, 'pump "B", east', null, null, 1e21],
    ]);
  });

  it('writes INT64 epoch ms with timestamps "ms"', async () => {
    const file = join(scratch, 'ms.parquet');
    writeFileSync(file, await exportSeries(fixture(), 'parquet', { timestamps: 'ms' }));
    const { schema, rows } = await readParquet(file, '"timestamp"');
    // a plain INT64 (no annotation: signed 64-bit), which readers take as BIGINT / int64
    expect(schema[0]).toEqual(['timestamp', 'INT64', null]);
    expect(rows.map((r) => r[0])).toEqual([BigInt(T0), BigInt(T0 + 1_000), BigInt(T0 + 2_000), -1_000n, 0n]);
  });

  it('refuses columns that differ only in case, leaving no temporary file behind', async () => {
    const s = fixture()[1]!;
    s.columns.push({ name: 'HUM', values: Float64Array.of(1, 2) });
    const before = tempLeftovers();
    expect(await codeOf(exportSeries([s], 'parquet'))).toBe('invalid_input');
    expect(tempLeftovers()).toEqual(before);
  });

  /** One series of `n` rows a second apart from `t0`, with the given columns (value = row + k/10, NaN every 7th row). */
  const long = (name: string, t0: number, n: number, columns: string[]): TimeSeries => {
    const timestamps = new Float64Array(n);
    for (let r = 0; r < n; r++) timestamps[r] = t0 + r * 1_000;
    return {
      id: name,
      name,
      metadata: { tags: {} },
      timestamps,
      columns: columns.map((col, k) => {
        const values = new Float64Array(n);
        for (let r = 0; r < n; r++) values[r] = r % 7 === 3 ? NaN : r + k / 10;
        return { name: col, values };
      }),
      labels: [],
    };
  };

  it('takes a column first seen after the first row group, keeping order and NULLs, in one file', async () => {
    const dir = mkdtempSync(join(scratch, 'late-'));
    const file = join(dir, 'late.parquet');
    // more than one row group of "a, b" before a series brings "c"; then one with only "c"
    const series = [long('s1', T0, 1_100_000, ['a', 'b']), long('s2', T0, 10, ['c', 'a']), long('s3', 0, 5, ['c'])];
    expect(await writeParquetFile(series, file)).toBe(1_100_015);
    expect(readdirSync(dir)).toEqual(['late.parquet']);
    const { schema, rows } = await readParquet(
      file,
      `count(*), count(a), count(b), count(c), sum(a), min(epoch_ms("timestamp")), max(epoch_ms("timestamp"))`,
    );
    expect(schema.map((r) => r[0])).toEqual(['timestamp', 'series', 'a', 'b', 'c']);
    expect(schema[0]).toEqual(['timestamp', 'INT64', 'TIMESTAMP_MILLIS']);
    const nulls = (n: number) => Math.ceil((n - 3) / 7);
    expect(rows[0]!.slice(0, 4)).toEqual([
      1_100_015n,
      BigInt(1_100_010 - nulls(1_100_000) - nulls(10)),
      BigInt(1_100_000 - nulls(1_100_000)),
      BigInt(15 - nulls(10) - nulls(5)),
    ]);
    expect(rows[0]!.slice(5)).toEqual([0n, BigInt(T0 + 1_099_999_000)]);
    const tail = await readParquet(file, `series, epoch_ms("timestamp"), a, b, c`);
    expect(tail.rows.slice(1_099_999, 1_100_004)).toEqual([
      ['s1', BigInt(T0 + 1_099_999_000), 1_099_999, 1_099_999.1, null],
      ['s2', BigInt(T0), 0.1, null, 0],
      ['s2', BigInt(T0 + 1_000), 1.1, null, 1],
      ['s2', BigInt(T0 + 2_000), 2.1, null, 2],
      ['s2', BigInt(T0 + 3_000), null, null, null],
    ]);
    expect(tail.rows.slice(-1)).toEqual([['s3', 4_000n, null, null, 4]]);
  });

  it('writes row groups of 2^20 rows, the same bytes on every run', async () => {
    const series = [long('s1', T0, 1_500_000, ['a'])];
    const [one, two] = [await exportSeries(series, 'parquet'), await exportSeries(series, 'parquet')];
    expect(Buffer.from(one).equals(Buffer.from(two))).toBe(true);
    const file = join(scratch, 'groups.parquet');
    writeFileSync(file, one);
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      const groups = await c.runAndReadAll(
        `SELECT row_group_id, row_group_num_rows FROM parquet_metadata('${file}') WHERE path_in_schema = 'a' ORDER BY 1`,
      );
      expect(groups.getRowsJS()).toEqual([
        [0n, 1_048_576n],
        [1n, 451_424n],
      ]);
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });

  it('ends the source it reads when a series is refused', async () => {
    let finished = false;
    async function* source() {
      try {
        yield fixture()[0]!;
        const bad = fixture()[1]!;
        bad.columns.push({ name: 'Hum', values: Float64Array.of(1, 2) });
        yield bad;
        yield fixture()[0]!;
      } finally {
        finished = true;
      }
    }
    const dir = mkdtempSync(join(scratch, 'ends-'));
    expect(await codeOf(writeParquetFile(source(), join(dir, 'x.parquet')))).toBe('invalid_input');
    expect(finished).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writes a file atomically: nothing at the path when it fails', async () => {
    const dir = mkdtempSync(join(scratch, 'atomic-'));
    const bad = fixture()[0]!;
    bad.columns.push({ name: 'TEMP', values: Float64Array.of(1, 2, 3) });
    expect(await codeOf(writeParquetFile([fixture()[1]!, bad], join(dir, 'x.parquet')))).toBe('invalid_input');
    expect(readdirSync(dir)).toEqual([]);
    expect(await writeParquetFile(fixture(), join(dir, 'x.parquet'))).toBe(5);
    expect(readdirSync(dir)).toEqual(['x.parquet']);
  });
});

describe('Parquet in a worker thread (writeParquetFileInWorker)', () => {
  const fleet = (devices: number, rows: number) =>
    Array.from({ length: devices }, (_, d) => {
      const timestamps = Float64Array.from({ length: rows }, (_, r) => T0 + r * 10_000);
      return {
        id: `d${d}`,
        name: `device-${d}`,
        metadata: { tags: {} },
        timestamps,
        columns: ['temp', 'hum'].map((name, k) => ({
          name,
          values: Float64Array.from({ length: rows }, (_, r) => (r % 11 === d ? NaN : Math.sin(r / 30 + d + k))),
        })),
        labels: [],
      } satisfies TimeSeries;
    });

  it('writes the bytes writeParquetFile writes, the caller keeping its series, from a stream slower than the writer', async () => {
    const dir = mkdtempSync(join(scratch, 'worker-'));
    const series = fixture().concat(fleet(5, 300_000));
    async function* slowly() {
      for (const s of series) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        yield s;
      }
    }
    expect(await writeParquetFileInWorker(slowly(), join(dir, 'a.parquet'))).toBe(5 + 5 * 300_000);
    await writeParquetFile(series, join(dir, 'b.parquet'));
    expect(readFileSync(join(dir, 'a.parquet')).equals(readFileSync(join(dir, 'b.parquet')))).toBe(true);
    // copied to the worker, not moved: the series are whole afterwards
    expect(series[2]!.timestamps.length).toBe(300_000);
    expect(readdirSync(dir).sort()).toEqual(['a.parquet', 'b.parquet']);
  });

  it('throws the writer’s own error, and a failing source’s, leaving no file behind', async () => {
    const dir = mkdtempSync(join(scratch, 'worker-fail-'));
    const bad = fixture()[0]!;
    bad.columns.push({ name: 'TEMP', values: Float64Array.of(1, 2, 3) });
    const refused = writeParquetFileInWorker([fixture()[1]!, bad], join(dir, 'x.parquet'));
    await expect(refused).rejects.toThrow(/columns "temp" and "TEMP" differ only in letter case/);
    expect(await codeOf(refused)).toBe('invalid_input');
    expect(readdirSync(dir)).toEqual([]);
    async function* failing() {
      yield* fleet(3, 400_000);
      throw new TsiotError('cancelled', 'stopped by the test');
    }
    await expect(writeParquetFileInWorker(failing(), join(dir, 'y.parquet'))).rejects.toThrow('stopped by the test');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('labels', () => {
  it('exports labels as CSV and NDJSON', async () => {
    expect(Buffer.from(await exportLabels(fixture(), 'csv')).toString()).toBe(
      [
        'series,type,kind,column,start,end,details',
        'dev-1,spike,anomaly,temp,2024-01-01T00:00:00.000Z,2024-01-01T00:00:01.000Z,"{""magnitude"":3}"',
        '"pump ""B"", east",gap,imperfection,,1969-12-31T23:59:59.000Z,1970-01-01T00:00:00.000Z,',
        '',
      ].join('\n'),
    );
    expect(Buffer.from(await exportLabels(fixture(), 'ndjson', { timestamps: 'ms' })).toString()).toBe(
      [
        '{"series":"dev-1","type":"spike","kind":"anomaly","column":"temp","start":1704067200000,"end":1704067201000,"details":{"magnitude":3}}',
        '{"series":"pump \\"B\\", east","type":"gap","kind":"imperfection","column":null,"start":-1000,"end":0,"details":null}',
        '',
      ].join('\n'),
    );
  });
});

describe('determinism and streaming', () => {
  const formats: ExportFormat[] = ['csv', 'ndjson', 'line', 'parquet'];

  function large(n: number): TimeSeries[] {
    return [0, 1].map((k) => {
      const t = new Float64Array(n);
      const a = new Float64Array(n);
      const b = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        t[i] = T0 + i * 1_000;
        a[i] = Math.sin(i / 100) * 10 + k;
        b[i] = i % 13 === 0 ? NaN : i / 7;
      }
      return {
        id: `big-${k}`,
        name: `big ${k}`,
        metadata: { tags: { fleet: 'f' }, deviceId: `d${k}` },
        timestamps: t,
        columns: [
          { name: 'a', values: a },
          { name: k ? 'c' : 'b', values: b },
        ],
        labels: [],
      };
    });
  }
  const series = large(60_000);

  for (const format of formats) {
    it(`${format}: the same series give byte-identical output`, async () => {
      const one = await exportSeries(series, format);
      const two = await exportSeries(large(60_000), format);
      expect(one.length).toBeGreaterThan(100_000);
      expect(Buffer.compare(Buffer.from(one), Buffer.from(two))).toBe(0);
    });

    it(`${format}: streaming in chunks with backpressure equals the one-shot output`, async () => {
      const whole = Buffer.from(await exportSeries(series, format));
      const chunks: Buffer[] = [];
      let maxBuffered = 0;
      const slow = new Writable({
        highWaterMark: 16_384,
        write(chunk: Buffer, _encoding, callback) {
          chunks.push(chunk);
          setImmediate(callback);
        },
      });
      const original = slow.write.bind(slow);
      slow.write = ((chunk: Buffer) => {
        const ok = original(chunk);
        maxBuffered = Math.max(maxBuffered, slow.writableLength);
        return ok;
      }) as typeof slow.write;
      const written = await writeSeries(series, format, slow, { chunkBytes: 32_768 });
      expect(written).toBe(whole.length);
      expect(chunks.length).toBeGreaterThan(10);
      // without waiting for 'drain' the buffer would grow to the whole output
      expect(maxBuffered).toBeLessThanOrEqual(3 * 32_768);
      expect(Buffer.compare(Buffer.concat(chunks), whole)).toBe(0);

      const viaCallback: Uint8Array[] = [];
      await writeSeries(series, format, async (c) => void viaCallback.push(c), { chunkBytes: 100_000 });
      expect(Buffer.compare(Buffer.concat(viaCallback), whole)).toBe(0);
    });
  }

  it('parquet: a million values and more are encoded in a worker thread, to the same bytes, and a stream too', async () => {
    const big = large(200_000);
    const whole = Buffer.from(await exportSeries(big, 'parquet'));
    const viaWorker: Uint8Array[] = [];
    await writeSeries(big, 'parquet', async (c) => void viaWorker.push(c));
    expect(Buffer.concat(viaWorker).equals(whole)).toBe(true);
    async function* one() {
      yield* big;
    }
    const streamed: Uint8Array[] = [];
    await writeSeriesStream(one(), 'parquet', async (c) => void streamed.push(c));
    expect(Buffer.concat(streamed).equals(whole)).toBe(true);
  });

  it('removes its temporary Parquet files', async () => {
    const before = tempLeftovers();
    await exportSeries(series, 'parquet');
    await writeSeries(series, 'parquet', async () => undefined);
    expect(tempLeftovers()).toEqual(before);
  });

  it('stops with cancelled when the stream is destroyed mid-export', async () => {
    const sink = new Writable({
      highWaterMark: 1_024,
      write(_chunk, _encoding, callback) {
        setImmediate(callback);
      },
    });
    setImmediate(() => sink.destroy());
    expect(await codeOf(writeSeries(series, 'csv', sink, { chunkBytes: 4_096 }))).toBe('cancelled');
  });
});

describe('bad input', () => {
  it('answers invalid_input naming the problem', async () => {
    expect(await codeOf(exportSeries(fixture(), 'xml' as ExportFormat))).toBe('invalid_input');
    expect(await codeOf(exportSeries(fixture(), 'csv', { timestamps: 'unix' as 'ms' }))).toBe('invalid_input');
    expect(await codeOf(exportSeries(fixture(), 'line', { measurement: ' ' }))).toBe('invalid_input');
    expect(await codeOf(exportSeries(fixture(), 'csv', { chunkBytes: 0 }))).toBe('invalid_input');
    expect(await codeOf(exportLabels(fixture(), 'line' as 'csv'))).toBe('invalid_input');
    const reserved = fixture()[0]!;
    reserved.columns[1]!.name = 'Timestamp';
    expect(await codeOf(exportSeries([reserved], 'ndjson'))).toBe('invalid_input');
    const ragged = fixture()[0]!;
    ragged.columns[0]!.values = Float64Array.of(1);
    expect(await codeOf(exportSeries([ragged], 'csv'))).toBe('invalid_input');
    const farOut = fixture()[1]!;
    farOut.timestamps = Float64Array.of(0, 1e300);
    expect(await codeOf(exportSeries([farOut], 'csv'))).toBe('invalid_input');
    expect(existsSync(join(scratch, 'nothing'))).toBe(false);
  });

  it('exports an empty list as a header only', async () => {
    expect(Buffer.from(await exportSeries([], 'csv')).toString()).toBe('timestamp,series\n');
    expect((await exportSeries([], 'ndjson')).length).toBe(0);
    const file = join(scratch, 'empty.parquet');
    writeFileSync(file, await exportSeries([], 'parquet'));
    expect((await readParquet(file)).rows).toEqual([]);
  });
});

describe('writeSeriesStream', () => {
  const generators = createBuiltinFactory();
  const fleet = async () => {
    const gen = generators.create('statistical');
    const params = gen.paramsSchema.parse({
      devices: 3,
      duration: '6h',
      interval: '1m',
      sensors: [{ type: 'temperature' }, { type: 'humidity' }],
      imperfections: { missingRate: 0.05 },
    });
    return (await gen.generate(params, { rng: createRng(5) })).series;
  };
  async function* oneAtATime(series: TimeSeries[]) {
    for (const s of series) yield s;
  }
  const collect = async (run: (sink: (c: Uint8Array) => void) => Promise<number>) => {
    const parts: Uint8Array[] = [];
    const n = await run((c) => void parts.push(Buffer.from(c)));
    const all = Buffer.concat(parts);
    expect(all.length).toBe(n);
    return all;
  };

  for (const format of ['csv', 'ndjson', 'line', 'parquet'] as const) {
    it(`gives the bytes of writeSeries for a fleet taken one device at a time (${format})`, async () => {
      const series = await fleet();
      const whole = await collect((sink) => writeSeries(series, format, sink, { chunkBytes: 4096 }));
      const streamed = await collect((sink) =>
        writeSeriesStream(oneAtATime(series), format, sink, { chunkBytes: 1000 }),
      );
      expect(streamed.length).toBeGreaterThan(1000);
      expect(streamed.equals(whole)).toBe(true);
    });
  }

  it('refuses a later series with a column the CSV header lacks, naming it', async () => {
    const [a, b] = await fleet();
    b!.columns.push({ name: 'extra', values: new Float64Array(b!.timestamps.length) });
    const err = await writeSeriesStream(oneAtATime([a!, b!]), 'csv', () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TsiotError);
    expect((err as TsiotError).message).toContain('"extra"');
  });
});
