/**
 * The workflow commands end to end, as a new user would run them on a messy
 * field export (test/fixtures/csv/messy.csv: ";" and decimal ",", date and
 * time apart, -200 for missing, text columns, a saturating humidity, a
 * night-time zero, an angle, a counter, outages and a 90 %-missing column).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cliArgs } from '../helpers/cli.js';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'tsiot-workflow-'));
const MESSY = resolve('test/fixtures/csv/messy.csv');

async function tsiot(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, cliArgs(...args), {
      cwd: work,
      env: {
        ...process.env,
        TSIOT_LOG_LEVEL: 'silent',
        TSIOT_DATA_DIR: join(work, 'data'),
        TSIOT_PROGRESS_SECONDS: '0',
      },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A CSV without quoted fields (the copy's note column aside) as header + rows of cells. */
function table(text: string): { header: string[]; rows: string[][] } {
  const lines = text.trimEnd().split('\n');
  return { header: lines[0]!.split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

interface Check {
  name: string;
  column?: string;
  passed: boolean | null;
}

describe('tsiot fit / synthesize / validate / jobs', () => {
  it('`tsiot synthesize messy.csv` writes a copy inside the bounds, with the gaps and the categories, and a report', async () => {
    const copy = join(work, 'copy.csv');
    const report = join(work, 'report.json');
    const args = ['synthesize', MESSY, '--missing', '-200', '--seed', '1', '-o', copy, '--report', report];
    const r = await tsiot(args);
    expect(r.code, r.stderr).toBe(0);
    // Progress as plain lines (stderr is not a terminal here), then the summary.
    expect(r.stderr).toMatch(/^synthesize like: \d+%/m);
    expect(r.stderr).toMatch(/Synthetic copy with statistical/);
    const { header, rows } = table(readFileSync(copy, 'utf8').replace(/"[^"]*"/g, 'note'));
    expect(header).toEqual([
      'timestamp',
      'series',
      'RH (%)',
      'power_kw',
      'wind_dir',
      'visits',
      'energy_kwh',
      'firmware',
      'aux',
      'site',
      'mode',
      'note',
    ]);
    expect(rows).toHaveLength(720);
    const col = (name: string) => rows.map((row) => row[header.indexOf(name)]!);
    const numbers = (name: string) =>
      col(name)
        .filter((v) => v !== '')
        .map(Number);
    expect(Math.max(...numbers('RH (%)'))).toBeLessThanOrEqual(100);
    expect(Math.min(...numbers('power_kw'))).toBeGreaterThanOrEqual(0);
    expect(numbers('wind_dir').every((v) => v >= 0 && v < 360)).toBe(true);
    expect(numbers('visits').every(Number.isInteger)).toBe(true);
    const energy = numbers('energy_kwh');
    expect(energy.every((v, i) => i === 0 || v >= energy[i - 1]!)).toBe(true);
    expect(new Set(col('firmware'))).toEqual(new Set(['7']));
    expect(new Set(col('site'))).toEqual(new Set(['plant-3']));
    expect([...new Set(col('mode'))].every((m) => ['idle', 'run', 'maintenance'].includes(m))).toBe(true);
    // Gaps are copied: humidity is missing in about its real share (8.6 %), aux in about 90 %.
    const missing = (name: string) => col(name).filter((v) => v === '').length / rows.length;
    expect(missing('RH (%)')).toBeGreaterThan(0.04);
    expect(missing('RH (%)')).toBeLessThan(0.15);
    expect(missing('aux')).toBeGreaterThan(0.8);
    // The report checked what a broken copy would break, and found it intact.
    const checks = (JSON.parse(readFileSync(report, 'utf8')) as { checks: Check[] }).checks;
    const find = (name: string, column: string) => checks.find((c) => c.name === name && c.column === column);
    expect(find('out_of_range_rate', 'power_kw')?.passed).toBe(true);
    expect(find('missing_rate_difference', 'RH (%)')?.passed).toBe(true);
    expect(find('unknown_category_rate', 'mode')?.passed).toBe(true);
    expect(find('category_share_distance', 'mode')?.passed).toBe(true);
  }, 240_000);

  it('`tsiot validate` passes the copy against the real file, catches a broken one and fails under a score', async () => {
    // The copy the test above wrote.
    const copy = join(work, 'copy.csv');
    const v = await tsiot(['validate', copy, '--reference', MESSY, '--missing', '-200', '--detail', 'full']);
    expect(v.code, v.stderr).toBe(0);
    const good = JSON.parse(v.stdout) as { score: number; checks: Check[] };
    expect(good.checks.find((c) => c.name === 'unknown_category_rate' && c.column === 'mode')?.passed).toBe(true);
    const broken = readFileSync(copy, 'utf8')
      .split('\n')
      .map((line, i) => {
        if (i === 0 || i % 3 !== 0 || line === '') return line;
        const cells = line.split(',');
        cells[3] = '-50';
        cells[10] = 'exploded';
        return cells.join(',');
      })
      .join('\n');
    writeFileSync(join(work, 'broken.csv'), broken);
    const b = await tsiot([
      'validate',
      join(work, 'broken.csv'),
      '--reference',
      MESSY,
      '--missing',
      '-200',
      '--fail-under',
      String(good.score - 1),
    ]);
    expect(b.code).toBe(1);
    const failed = (JSON.parse(b.stdout) as { checks: Check[] }).checks.filter((c) => c.passed === false);
    expect(failed.map((c) => `${c.name}:${c.column}`)).toEqual(
      expect.arrayContaining(['out_of_range_rate:power_kw', 'unknown_category_rate:mode']),
    );
  }, 240_000);

  it('`tsiot fit` saves a model that another command samples', async () => {
    const f = await tsiot([
      'fit',
      MESSY,
      '--missing',
      '-200',
      '--generator',
      'statistical',
      '--seed',
      '1',
      '--options',
      '{"periods": [24]}',
    ]);
    expect(f.code, f.stderr).toBe(0);
    const out = JSON.parse(f.stdout) as { id: string; status: string; model: { layers: unknown } };
    expect(out.status).toBe('ready');
    expect(out.model.layers).toEqual({ constraints: true, missingness: true, categorical: ['site', 'mode', 'note'] });
    const g = await tsiot([
      'call',
      'generate_from_model',
      JSON.stringify({ id: out.id, length: 48, seed: 2, preview: 2 }),
    ]);
    expect(g.code, g.stderr).toBe(0);
    const sample = JSON.parse(g.stdout) as { preview: { columns: string[] } };
    expect(sample.preview.columns).toContain('mode');
  }, 240_000);

  it('bad input is refused by name; `tsiot jobs list` lists jobs', async () => {
    const missing = await tsiot(['synthesize', join(work, 'nope.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/data: ".*nope\.csv" is neither a readable file nor a stored series id/);
    const jobs = await tsiot(['jobs', 'list']);
    expect(jobs.code, jobs.stderr).toBe(0);
    expect(JSON.parse(jobs.stdout)).toHaveProperty('jobs');
  }, 240_000);
});
