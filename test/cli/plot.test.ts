import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { cliArgs } from '../helpers/cli.js';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'tsiot-cli-plot-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function tsiot(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, cliArgs(...args), {
      cwd: work,
      env: { ...process.env, TSIOT_LOG_LEVEL: 'silent', TSIOT_DATA_DIR: join(work, 'data') },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('tsiot plot', () => {
  it('draws a stored series to a PNG file, and names a missing series without writing one', async () => {
    const gen = await tsiot([
      'generate',
      '--seed',
      '5',
      '--duration',
      '6h',
      '--anomaly',
      'spike:1',
      '--store',
      '-o',
      'x.csv',
    ]);
    expect(gen.code, gen.stderr).toBe(0);
    const id = /stored in duckdb: (ser_\S+)/.exec(gen.stderr)![1]!;
    const out = join(work, 'plots', 'one.png');
    const r = await tsiot(['plot', id, '-o', out, '--width', '400', '--title', 'one sensor']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Plotted 1 series × 1 columns as a \d+×\d+ PNG, 1 labelled intervals shaded/);
    const png = PNG.sync.read(readFileSync(out));
    expect(png.width).toBeGreaterThan(400);
    let ink = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i]! < 200) ink++;
    expect(ink).toBeGreaterThan(500);

    const missing = await tsiot(['plot', 'ser_absent', '-o', join(work, 'none.png')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/series "ser_absent" does not exist/);
    expect(existsSync(join(work, 'none.png'))).toBe(false);
  }, 120_000); // three CLI processes, each loading the engines
});
