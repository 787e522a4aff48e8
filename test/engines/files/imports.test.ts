import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS_NETWORK_CALLER, LOCAL_CALLER } from '../../../src/core/caller.js';
import { TsiotError } from '../../../src/core/errors.js';
import { ImportFolder } from '../../../src/engines/files/imports.js';
import { DataInputSchema, loadDataInput } from '../../../src/engines/models/input.js';
import type { Storage } from '../../../src/engines/storage/storage.js';

const SECRET = 'root:x:0:0:hunter2-do-not-leak';
let base: string;
let imports: string;
let outside: string;
let folder: ImportFolder;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'tsiot-imports-'));
  imports = join(base, 'imports');
  outside = join(base, 'outside');
  mkdirSync(join(imports, 'plant-3'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(imports, 'plant-3', 'readings.csv'), 'time,t\n2025-01-01T00:00:00Z,1\n2025-01-01T00:01:00Z,2\n');
  writeFileSync(join(outside, 'secret.csv'), `${SECRET}\n${SECRET}\n`);
  symlinkSync(join(outside, 'secret.csv'), join(imports, 'link-out.csv'));
  symlinkSync(outside, join(imports, 'dir-out'));
  symlinkSync(join(imports, 'plant-3', 'readings.csv'), join(imports, 'link-in.csv'));
  folder = new ImportFolder({ dir: imports });
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function refusal(p: Promise<unknown>): Promise<TsiotError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TsiotError);
  const err = e as TsiotError;
  expect(err.message).not.toContain('hunter2');
  expect(JSON.stringify(err.toJSON())).not.toContain('hunter2');
  return err;
}

describe('ImportFolder', () => {
  it('resolves relative paths, and absolute ones inside, to the real file', async () => {
    const real = await folder.resolve('plant-3/readings.csv', 'data.csvPath', ANONYMOUS_NETWORK_CALLER);
    expect(real.endsWith(join('plant-3', 'readings.csv'))).toBe(true);
    expect(await folder.resolve(join(imports, 'plant-3', 'readings.csv'), 'f', ANONYMOUS_NETWORK_CALLER)).toBe(real);
    // a link that stays inside is followed
    expect(await folder.resolve('link-in.csv', 'f', ANONYMOUS_NETWORK_CALLER)).toBe(real);
  });

  it.each([
    ['..', '../outside/secret.csv'],
    ['.. in the middle', 'plant-3/../../outside/secret.csv'],
    ['an absolute path outside', '/etc/passwd'],
    ['an absolute path to the secret', '<outside>/secret.csv'],
    ['a symlink out', 'link-out.csv'],
    ['a folder symlink out', 'dir-out/secret.csv'],
    ['a missing file outside', '../outside/none.csv'],
    ['the folder itself', '.'],
  ])('refuses %s with a clear error that quotes only the given path', async (_what, raw) => {
    const path = raw.replace('<outside>', outside);
    const e = await refusal(folder.resolve(path, 'data.csvPath', ANONYMOUS_NETWORK_CALLER));
    expect(e.code).toBe('forbidden');
    expect(e.message).toMatch(/^data\.csvPath: ".*" is (outside the import folder|not a regular file)/);
    expect(e.message).toContain(path);
    // a network caller is not told where the folder is
    expect(`${e.message} ${e.hint}`).not.toContain(imports);
  });

  it('refuses a NUL byte and says a missing file inside is missing', async () => {
    expect((await refusal(folder.resolve('a\0b.csv', 'f', ANONYMOUS_NETWORK_CALLER))).code).toBe('forbidden');
    const missing = await refusal(folder.resolve('plant-3/none.csv', 'data.csvPath', ANONYMOUS_NETWORK_CALLER));
    expect(missing.code).toBe('not_found');
    expect(missing.message).toBe('data.csvPath: "plant-3/none.csv" does not exist in the import folder');
  });

  it('widens for the local user by configuration only, never for a network caller', async () => {
    const wide = new ImportFolder({ dir: imports, localDirs: [outside] });
    expect(await wide.resolve(join(outside, 'secret.csv'), 'f', LOCAL_CALLER)).toContain('secret.csv');
    expect(await wide.resolve('link-out.csv', 'f', LOCAL_CALLER)).toContain('secret.csv');
    const e = await refusal(wide.resolve(join(outside, 'secret.csv'), 'f', ANONYMOUS_NETWORK_CALLER));
    expect(e.code).toBe('forbidden');
    expect((await refusal(folder.resolve(join(outside, 'secret.csv'), 'f', LOCAL_CALLER))).code).toBe('forbidden');
    // the local user is shown where the folder is
    expect((await refusal(folder.resolve('../x', 'f', LOCAL_CALLER))).hint).toContain(imports);
  });

  it('is what loadDataInput reads csvPath through, and no file content reaches an error', async () => {
    const sources = { storage: {} as Storage, imports: folder };
    const ok = await loadDataInput(DataInputSchema.parse({ csvPath: 'plant-3/readings.csv' }), sources);
    expect(ok.series.columns[0]!.values.length).toBe(2);
    for (const csvPath of ['../outside/secret.csv', join(outside, 'secret.csv'), 'link-out.csv']) {
      const e = await refusal(loadDataInput(DataInputSchema.parse({ csvPath }), sources));
      expect(e.code).toBe('forbidden');
    }
    // a file inside whose header does not have the asked-for column: the header is not quoted back
    writeFileSync(join(imports, 'odd.csv'), `${SECRET},v\n2025-01-01T00:00:00Z,1\n2025-01-01T00:01:00Z,2,hunter2\n`);
    let e = await refusal(
      loadDataInput(DataInputSchema.parse({ csvPath: 'odd.csv', timestampColumn: 'time' }), sources),
    );
    expect(e.message).toBe('data.timestampColumn: "time" is not in the CSV header (2 columns)');
    e = await refusal(loadDataInput(DataInputSchema.parse({ csvPath: 'odd.csv' }), sources));
    expect(e.message).toBe('data.csvPath row 3: 3 fields, but the header has 2');
    // the same file sent as text may be quoted: the caller sent it
    const sent = await loadDataInput(
      DataInputSchema.parse({ csv: `time,v\n2025-01-01T00:00:00Z,1\n`, timestampColumn: 'when' }),
      sources,
    ).catch((err: TsiotError) => err);
    expect((sent as TsiotError).message).toBe('data.timestampColumn: "when" is not in the CSV header (time, v)');
  });
});
