import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { TsiotError } from '../../../src/core/errors.js';
import { ImportFolder } from '../../../src/engines/files/imports.js';
import { DataInputSchema, loadDataInput } from '../../../src/engines/models/input.js';
import type { Storage } from '../../../src/engines/storage/storage.js';

// Only CSV and inline input are read here: no stored series is asked for.
const noStorage = {} as Storage;
const load = (data: unknown) =>
  loadDataInput(DataInputSchema.parse(data), { storage: noStorage, imports: new ImportFolder({ dir: tmpdir() }) });

describe('loadDataInput', () => {
  it('reads CSV through the CSV reader: options before parsing, text columns as categories, a summary per column', async () => {
    const csv =
      'Date;Time;Zone;Flow;Level\n10/03/2004;18.00.00;A;2,5;-200\n10/03/2004;19.00.00;B;3,5;7\n11/03/2004;20.00.00;A;oops;8\n';
    const loaded = await load({ csv, missing: [-200], columns: ['Zone', 'Level'], timeZone: 'Europe/Rome' });
    expect(loaded.series.columns.map((c) => c.name)).toEqual(['Level']);
    expect(Array.from(loaded.series.columns[0]!.values)).toEqual([NaN, 7, 8]);
    expect(new Date(loaded.series.timestamps[0]!).toISOString()).toBe('2004-03-10T17:00:00.000Z');
    expect(loaded.categorical).toEqual([{ name: 'Zone', levels: ['A', 'B'], codes: Int32Array.from([0, 1, 0]) }]);
    expect(loaded.csvColumns!.find((c) => c.name === 'Flow')).toMatchObject({ role: 'dropped' });
    expect(loaded.notes).toContain('delimiter ";" detected');
    expect(loaded.notes.some((n) => n.includes('wall-clock time in Europe/Rome'))).toBe(true);
  });

  it('reads zone-less inline timestamps as UTC or in data.timeZone, and refuses CSV options on other inputs', async () => {
    const inline = { timestamps: ['2025-06-01T12:00:00', '2025-06-01T12:01:00'], values: { x: [1, 2] } };
    expect((await load(inline)).series.timestamps[0]).toBe(Date.UTC(2025, 5, 1, 12));
    expect((await load({ ...inline, timeZone: 'America/New_York' })).series.timestamps[0]).toBe(
      Date.UTC(2025, 5, 1, 16),
    );
    await expect(load({ ...inline, delimiter: ';' })).rejects.toThrow(
      'data.delimiter: applies to csv or csvPath input only',
    );
    await expect(load({ seriesId: 'ser_1', timeZone: 'UTC' })).rejects.toThrow(/data\.timeZone: stored series/);
    await expect(load({ ...inline, timeZone: 'Nowhere/Land' })).rejects.toBeInstanceOf(TsiotError);
    expect(DataInputSchema.safeParse({ csv: 'a', separator: ';' }).success).toBe(false);
  });
});
