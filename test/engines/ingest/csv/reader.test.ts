import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TsiotError } from '../../../../src/core/errors.js';
import { type CsvTable, readCsv } from '../../../../src/engines/ingest/csv/index.js';

const fixture = (name: string) => join('test/fixtures/csv', name);
const iso = (t: number) => new Date(t).toISOString();
const column = (t: CsvTable, name: string) => {
  const c = t.series.columns.find((c) => c.name === name);
  if (!c) throw new Error(`no column ${name}`);
  return c.values;
};
const summary = (t: CsvTable, name: string) => t.columns.find((c) => c.name === name)!;

async function failure(p: Promise<unknown>): Promise<TsiotError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TsiotError);
    return e as TsiotError;
  }
  throw new Error('expected a failure');
}

describe('CSV reader', () => {
  it('reads a European air-quality export: ";", decimal ",", date + time columns, -200 markers, a 90 %-missing column', async () => {
    const t = await readCsv({ path: fixture('air-quality.csv') }, { missing: [-200] });
    expect(t.delimiter).toBe(';');
    expect(t.decimal).toBe(',');
    expect(t.rows).toBe(200);
    expect(t.notes).toContain('time from the columns "Date" + "Time"');
    expect(t.notes.some((n) => n.includes('day/month/year'))).toBe(true);
    expect(t.notes.some((n) => n.includes('read as UTC'))).toBe(true);
    expect(iso(t.series.timestamps[0]!)).toBe('2004-03-10T18:00:00.000Z');
    expect(iso(t.series.timestamps[199]!)).toBe('2004-03-19T01:00:00.000Z');
    expect(t.series.columns.map((c) => c.name)).toEqual(['CO(GT)', 'PT08.S1(CO)', 'NMHC(GT)', 'T', 'RH', 'AH']);
    expect(column(t, 'CO(GT)')[0]).toBe(1.3);
    expect(column(t, 'AH')[0]).toBe(0.7774);
    // -200 is missing everywhere, not a value
    for (const c of t.series.columns) expect(c.values.includes(-200)).toBe(false);
    expect(Number.isNaN(column(t, 'CO(GT)')[7]!)).toBe(true);
    const nmhc = summary(t, 'NMHC(GT)');
    expect(nmhc.missingRate).toBeCloseTo(0.9, 10);
    expect(nmhc.notes).toContain('90 % missing — warned');
    expect(t.warnings).toContain('column "NMHC(GT)" is 90 % missing');
    expect(summary(t, 'PT08.S1(CO)')).toMatchObject({ role: 'numeric', integer: true, missing: 0 });
    // the two unnamed trailing columns are empty: dropped and said so; the all-";" rows are skipped
    expect(t.columns.filter((c) => c.role === 'dropped').map((c) => c.name)).toEqual(['column_9', 'column_10']);
    expect(t.notes).toContain('2 row(s) with every field empty were skipped');
  });

  it('keeps text columns as categories and constant columns flagged; quoted fields keep commas, quotes and line breaks', async () => {
    const t = await readCsv({ path: fixture('stations.csv') });
    expect(t.rows).toBe(96);
    expect(t.series.columns.map((c) => c.name)).toEqual(['temperature', 'humidity', 'firmware']);
    expect(t.categorical.map((c) => c.name)).toEqual(['station', 'status', 'comment']);
    const status = t.categorical.find((c) => c.name === 'status')!;
    expect(new Set(status.levels)).toEqual(new Set(['ok', 'degraded', 'offline']));
    expect(status.levels[status.codes[40]!]).toBe('offline');
    const comment = t.categorical.find((c) => c.name === 'comment')!;
    expect(comment.levels[comment.codes[5]!]).toBe('door opened, sensor wiped\nthen closed');
    expect(comment.levels[comment.codes[50]!]).toBe('said "recalibrate", done');
    expect(comment.codes[6]).toBe(-1);
    expect(summary(t, 'comment').notes).toContain('98 % missing — warned');
    expect(summary(t, 'station').notes).toContain('constant: kept and flagged');
    expect(summary(t, 'firmware').notes).toContain('constant (3): kept and flagged');
    expect(summary(t, 'status').levels![0]).toMatchObject({ value: 'ok' });
    expect(summary(t, 'timestamp')).toMatchObject({ role: 'time', unique: 96 });
  });

  it('reads zone-less stamps as UTC, or in the zone given, whatever TZ the server runs in', async () => {
    const utc = await readCsv({ path: fixture('stations.csv') });
    expect(iso(utc.series.timestamps[0]!)).toBe('2024-03-09T00:00:00.000Z');
    const run = (tz: string, options = '') =>
      JSON.parse(
        execFileSync(
          process.execPath,
          ['--import', 'tsx', 'test/engines/ingest/csv/read-child.ts', fixture('stations.csv'), options],
          { env: { ...process.env, TZ: tz }, encoding: 'utf8' },
        ),
      ) as { offsetMinutes: number; timestamps: number[]; columns: [string, number[]][] };
    const ny = run('America/New_York');
    const kolkata = run('Asia/Kolkata');
    // the children really run in those zones
    expect(ny.offsetMinutes).toBe(300);
    expect(kolkata.offsetMinutes).toBe(-330);
    expect(ny.timestamps).toEqual(Array.from(utc.series.timestamps));
    expect(kolkata.timestamps).toEqual(ny.timestamps);
    expect(kolkata.columns).toEqual(ny.columns);
    // an explicit zone: New York wall clock, across its 2024-03-10 change to daylight time
    const zoned = run('Asia/Kolkata', JSON.stringify({ timeZone: 'America/New_York' }));
    expect(iso(zoned.timestamps[0]!)).toBe('2024-03-09T05:00:00.000Z');
    // 02:00 on the 10th does not exist in New York: it lands on 03:00 EDT, the same instant as the next row
    expect(iso(zoned.timestamps[26]!)).toBe('2024-03-10T07:00:00.000Z');
    expect(iso(zoned.timestamps[27]!)).toBe('2024-03-10T07:00:00.000Z');
    expect(iso(zoned.timestamps[28]!)).toBe('2024-03-10T08:00:00.000Z');
  });

  it('reads wind.csv (dates like 2020/1/1 0:15, seven numeric columns) with default options', async () => {
    const t = await readCsv({ path: 'bench/data/wind.csv' });
    expect(t.rows).toBe(48_673);
    expect(t.series.columns.map((c) => c.name)).toEqual([
      'pred_w_speed',
      'pred_w_dir',
      'pred_temp',
      'pred_pressure',
      'pred_humidity',
      'ture_w_speed',
      'target',
    ]);
    expect(iso(t.series.timestamps[1]!)).toBe('2020-01-01T00:15:00.000Z');
    expect(iso(t.series.timestamps.at(-1)!)).toBe('2021-05-22T00:00:00.000Z');
    expect(t.categorical).toHaveLength(0);
    expect(t.warnings).toEqual([]);
    expect(column(t, 'pred_w_dir')[0]).toBe(248);
    expect(summary(t, 'pred_w_dir')).toMatchObject({ integer: true, min: 0, max: 359, missing: 0 });
    for (const c of t.series.columns) expect(c.values.every(Number.isFinite)).toBe(true);
  });

  it('reads a time format string, epoch seconds, the delimiter and decimal given as options, and only the columns asked for', async () => {
    const text = 'when|a|b|c\n03-Mar-2025 6:05 PM|1,5|x|7\n03-Mar-2025 6:20 PM|2,5|y|8\n';
    const t = await readCsv(
      { text },
      { delimiter: '|', decimal: ',', timeFormat: '%d-%b-%Y %I:%M %p', timeZone: 'Europe/Berlin', columns: ['a'] },
    );
    expect(Array.from(t.series.timestamps, iso)).toEqual(['2025-03-03T17:05:00.000Z', '2025-03-03T17:20:00.000Z']);
    expect(Array.from(column(t, 'a'))).toEqual([1.5, 2.5]);
    expect(t.categorical).toHaveLength(0);
    expect(t.columns.map((c) => [c.name, c.role])).toEqual([
      ['when', 'time'],
      ['a', 'numeric'],
      ['b', 'dropped'],
      ['c', 'dropped'],
    ]);
    const epoch = await readCsv({ text: 'ts,v\n1735689600,1\n1735689660,2\n' });
    expect(Array.from(epoch.series.timestamps, iso)).toEqual(['2025-01-01T00:00:00.000Z', '2025-01-01T00:01:00.000Z']);
    expect(epoch.notes.some((n) => n.includes('epoch seconds'))).toBe(true);
    const us = await readCsv({ text: 'date,v\n01/13/2025,1\n01/14/2025,2\n' });
    expect(Array.from(us.series.timestamps, iso)).toEqual(['2025-01-13T00:00:00.000Z', '2025-01-14T00:00:00.000Z']);
  });

  it('names the row and column of a bad cell without quoting a file the caller did not send', async () => {
    let e = await failure(readCsv({ path: fixture('bad-cell.csv') }));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain('row 6, column "value": not a number');
    expect(e.message).not.toContain('SECRET');
    expect(JSON.stringify(e.toJSON())).not.toContain('SECRET');
    expect(e.hint).toContain('missing');
    // the caller's own text may be quoted back
    const own = await failure(
      readCsv({
        text: 'time,v\n2025-01-01T00:00:00Z,1\n2025-01-01T00:01:00Z,2\n2025-01-01T00:02:00Z,3\n2025-01-01T00:03:00Z,4\n2025-01-01T00:04:00Z,5\n2025-01-01T00:05:00Z,6\n2025-01-01T00:06:00Z,7\n2025-01-01T00:07:00Z,8\n2025-01-01T00:08:00Z,9\n2025-01-01T00:09:00Z,10\n2025-01-01T00:10:00Z,oops\n',
      }),
    );
    expect(own.message).toContain('row 12, column "v": not a number ("oops")');
    // ...and declared as a marker, it is missing
    const marked = await readCsv({ path: fixture('bad-cell.csv') }, { missing: ['SECRET-7731'] });
    expect(Number.isNaN(column(marked, 'value')[4]!)).toBe(true);
    e = await failure(readCsv({ path: fixture('bad-fields.csv') }));
    expect(e.message).toBe('data.csvPath row 8: 3 fields, but the header has 2');
    e = await failure(readCsv({ path: fixture('stations.csv') }, { timeFormat: '%Y/%m/%d %H:%M' }));
    expect(e.message).toContain('row 2, column "timestamp": not a date-time the reader knows');
    expect(e.message).not.toContain('2024-03-09');
    e = await failure(readCsv({ text: 'time,v\n2025-01-01T00:00:00Z,"unclosed\n' }));
    expect(e.message).toMatch(/^data\.csv: malformed CSV at line \d+ \(quote not closed\)$/);
    e = await failure(readCsv({ text: 'date,v\n01/02/2025,1\n' }));
    expect(e.message).toContain('could be day-first or month-first');
    e = await failure(readCsv({ path: fixture('stations.csv') }, { timestampColumn: 'when' }));
    // a file's header is its content: counted, not quoted
    expect(e.message).toBe('data.timestampColumn: "when" is not in the CSV header (7 columns)');
    expect(e.details).toEqual({ field: 'data.timestampColumn', columns: 7 });
    e = await failure(readCsv({ path: fixture('stations.csv') }, { timeZone: 'Mars/Olympus' }));
    expect(e.message).toContain('data.timeZone: expected an IANA time zone name');
  });

  it('refuses a file over the size cap before reading it, and a stream that grows past it', async () => {
    let e = await failure(readCsv({ path: fixture('sensors.csv') }, {}, { maxBytes: 10_000 }));
    expect(e.code).toBe('too_large');
    expect(e.message).toBe('data.csvPath: the CSV has 0.1 MiB, more than the 0.0 MiB this server reads');
    async function* endless() {
      yield 'time,v\n';
      for (let i = 0; ; i++) yield `${i},${i}\n`;
    }
    e = await failure(readCsv({ chunks: endless() }, {}, { maxBytes: 100_000, field: 'body' }));
    expect(e.code).toBe('too_large');
    expect(e.details).toMatchObject({ field: 'body', maxBytes: 100_000 });
  });

  it('streams a large file in chunks with the same result as the text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsiot-csv-'));
    const lines = ['time;x;y'];
    for (let i = 0; i < 30_000; i++) lines.push(`${i * 60};${(i % 7) / 2};${i % 3 === 0 ? 'NA' : i}`.replace('.', ','));
    const text = `${lines.join('\n')}\n`;
    writeFileSync(join(dir, 'big.csv'), text);
    const fromFile = await readCsv({ path: join(dir, 'big.csv') });
    const fromText = await readCsv({ text });
    expect(fromFile.rows).toBe(30_000);
    expect(fromFile.decimal).toBe(',');
    expect(Array.from(fromFile.series.timestamps)).toEqual(Array.from(fromText.series.timestamps));
    expect(Array.from(column(fromFile, 'x'))).toEqual(Array.from(column(fromText, 'x')));
    expect(column(fromFile, 'x')[3]).toBe(1.5);
    expect(summary(fromFile, 'y').missing).toBe(10_000);
  });
});
