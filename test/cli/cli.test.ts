import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbStorage } from '../../src/engines/storage/duckdb/index.js';
import { runTool } from '../../src/registry/run-tool.js';
import { tools } from '../../tools/index.js';
import { makeEngines } from '../helpers/engines.js';
import { cliArgs } from '../helpers/cli.js';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'tsiot-cli-'));

async function tsiot(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, cliArgs(...args), {
      cwd: work,
      env: { ...process.env, TSIOT_LOG_LEVEL: 'silent', TSIOT_DATA_DIR: join(work, 'data') },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('tsiot CLI', () => {
  it('`tsiot generate --seed 42` prints one day of one temperature sensor at one-minute intervals as CSV, reproducibly', async () => {
    const a = await tsiot(['generate', '--seed', '42']);
    expect(a.code).toBe(0);
    const lines = a.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('timestamp,series,temperature');
    expect(lines).toHaveLength(1 + 1440);
    expect(lines[1]).toMatch(/^2025-01-01T00:00:00\.000Z,device-001,-?\d+(\.\d+)?$/);
    expect(lines[1440]).toMatch(/^2025-01-01T23:59:00\.000Z,/);
    const temps = lines.slice(1).map((l) => Number(l.split(',')[2]));
    expect(Math.min(...temps)).toBeGreaterThan(5);
    expect(Math.max(...temps)).toBeLessThan(40);
    const b = await tsiot(['generate', '--seed', '42']);
    expect(b.stdout).toBe(a.stdout);
    const c = await tsiot(['generate', '--seed', '43']);
    expect(c.stdout).not.toBe(a.stdout);
  });

  it('gives the same bytes as the MCP/REST path (generate_timeseries + export_series) for the same request and seed', async () => {
    const cli = await tsiot([
      'generate',
      '--seed',
      '42',
      '--devices',
      '2',
      '--sensors',
      'temperature,power',
      '--duration',
      '3h',
      '--format',
      'ndjson',
    ]);
    expect(cli.code).toBe(0);
    const engines = await makeEngines();
    try {
      const ctx = { engines, logger: engines.logger, signal: new AbortController().signal, progress: () => undefined };
      const gen = await runTool(
        tools.find((t) => t.name === 'generate_timeseries')!,
        { seed: 42, devices: 2, sensors: [{ type: 'temperature' }, { type: 'power' }], duration: '3h' },
        ctx,
      );
      const ids = (gen.structured.series as { id: string }[]).map((s) => s.id);
      const exp = await runTool(
        tools.find((t) => t.name === 'export_series')!,
        { ids, format: 'ndjson', inline: true },
        ctx,
      );
      expect(exp.structured.content).toBe(cli.stdout);
    } finally {
      await engines.close();
    }
  });

  it('writes every export format to files, with labels, and stores on request', async () => {
    for (const format of ['csv', 'ndjson', 'line', 'parquet']) {
      const out = join(work, `fleet.${format}`);
      const r = await tsiot([
        'generate',
        '--seed',
        '1',
        '--devices',
        '3',
        '--duration',
        '2h',
        '--anomaly',
        'spike:2',
        '--format',
        format,
        '--output',
        out,
        '--labels',
        join(work, 'labels.json'),
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(out).byteLength).toBeGreaterThan(100);
      expect(r.stderr).toContain('wrote 360 rows');
    }
    expect(readFileSync(join(work, 'fleet.parquet')).subarray(0, 4).toString()).toBe('PAR1');
    expect(readFileSync(join(work, 'fleet.line'), 'utf8').split('\n')[0]).toMatch(/ temperature=-?[\d.]+ \d{13}$/);
    const labels = JSON.parse(readFileSync(join(work, 'labels.json'), 'utf8'));
    expect(labels.filter((l: { type: string }) => l.type === 'spike')).toHaveLength(2);
    const stored = await tsiot([
      'generate',
      '--seed',
      '1',
      '--duration',
      '1h',
      '--store',
      '--output',
      join(work, 'x.csv'),
    ]);
    expect(stored.code, stored.stderr).toBe(0);
    expect(stored.stderr).toMatch(/stored in duckdb: ser_/);
    const listed = await tsiot(['call', 'list_series', '{}']);
    expect(JSON.parse(listed.stdout).total).toBe(1);
  });

  it('--store-only stores a fleet larger than one store batch with the data generate_timeseries gives for the seed, writing no data', async () => {
    // 30 devices × 17,280 rows × (1 + 2) values: about 1.6 M values, so the CLI commits more than one batch
    const dataDir = join(work, 'store-only');
    const fleet = ['--seed', '9', '--devices', '30', '--sensors', 'temperature,power', '--duration', '1d'];
    const r = await tsiot(['--data-dir', dataDir, 'generate', ...fleet, '--interval', '5s', '--store-only']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/stored in duckdb: 30 series, ser_\S+ … ser_\S+/);
    const storage = new DuckDbStorage({ path: join(dataDir, 'tsiot.duckdb') });
    const engines = await makeEngines();
    try {
      const ctx = { engines, logger: engines.logger, signal: new AbortController().signal, progress: () => undefined };
      const gen = await runTool(
        tools.find((t) => t.name === 'generate_timeseries')!,
        {
          seed: 9,
          devices: 30,
          sensors: [{ type: 'temperature' }, { type: 'power' }],
          duration: '1d',
          interval: '5s',
        },
        ctx,
      );
      const listed = await storage.list({ limit: 100 });
      expect(listed.total).toBe(30);
      const byName = new Map(listed.items.map((s) => [s.name, s.id]));
      for (const { id, name } of gen.structured.series as { id: string; name: string }[]) {
        const want = await engines.storage.retrieve({ id });
        const got = await storage.retrieve({ id: byName.get(name)! });
        expect(got.timestamps).toEqual(want.timestamps);
        expect(got.columns.map((c) => [c.name, c.values])).toEqual(want.columns.map((c) => [c.name, c.values]));
        expect(got.labels).toEqual(want.labels);
      }
    } finally {
      await storage.close();
      await engines.close();
    }
    // a generator that does not stream (generated whole, then stored) writes nothing either
    const spec = join(work, 'arima.json');
    writeFileSync(
      spec,
      JSON.stringify({
        length: 120,
        interval: '1m',
        columns: [{ name: 't', phi: [0.8], theta: [], mean: 20, sigma: 1 }],
      }),
    );
    const whole = await tsiot([
      '--data-dir',
      dataDir,
      'generate',
      '--generator',
      'arima',
      '--spec',
      spec,
      '--store-only',
    ]);
    expect(whole.code, whole.stderr).toBe(0);
    expect(whole.stdout).toBe('');
    expect(whole.stderr).toMatch(/stored in duckdb: ser_\S+\n/);
    const clash = await tsiot(['--data-dir', dataDir, 'generate', '--store-only', '--output', join(work, 'no.csv')]);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/--store-only writes no data, so --output has nothing to apply to/);
    expect(existsSync(join(work, 'no.csv'))).toBe(false);
  });

  it('fails with exit code 2 and a clear message on bad input, leaving no file behind', async () => {
    const out = join(work, 'bad.csv');
    const r = await tsiot(['generate', '--sensors', 'temprature', '--output', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--sensors: "temprature" is not a sensor type/);
    // a file is written one device at a time, so only a device that cannot fit in memory is refused
    const long = await tsiot(['generate', '--duration', '40000d', '--interval', '1s', '--output', out]);
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(/samples per device; at most 1,073,741,824 fit in memory/);
    const unknown = await tsiot(['generate', '--interval', 'soon', '--output', out]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/interval/);
    expect(existsSync(out)).toBe(false);
    const badFlag = await tsiot(['generate', '--no-such-flag']);
    expect(badFlag.code).toBe(2);
  });

  it('has --help on every command and lists generators and tools', async () => {
    for (const cmd of [[], ['generate'], ['serve'], ['mcp'], ['generators'], ['call']]) {
      const r = await tsiot([...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: tsiot/);
    }
    const g = await tsiot(['generators']);
    expect(g.stdout).toMatch(/^statistical — /m);
    const t = await tsiot(['tools']);
    expect(t.stdout).toMatch(/^generate_timeseries — /m);
  });
});
