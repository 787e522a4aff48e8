import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Progress, TimeSeries } from '../../../src/core/types.js';
import { InProcessEventBus } from '../../../src/engines/events/memory-bus.js';
import { exportJobHandler } from '../../../src/engines/jobs/handlers/export.js';
import { InProcessJobEngine } from '../../../src/engines/jobs/in-process.js';
import { JobHandlerRegistry } from '../../../src/engines/jobs/registry.js';
import type { JobEngine, JobRunContext, JobView } from '../../../src/engines/jobs/types.js';
import { DuckDbStorage } from '../../../src/engines/storage/duckdb/index.js';
import type { Storage } from '../../../src/engines/storage/storage.js';
import { runTool } from '../../../src/registry/run-tool.js';
import type { ToolContext } from '../../../src/registry/tool.js';
import { exportSeriesTool } from '../../../tools/export-series.js';
import { startJob } from '../../../tools/start-job.js';
import { makeEngines, type TestEngines } from '../../helpers/engines.js';
import { waitFor } from './helpers/redis.js';
import { logger } from './helpers/setup.js';

/** Three devices with different column sets (so the CSV header is a union) and some missing values. */
function fleet(): TimeSeries[] {
  const layouts = [['temperature', 'humidity'], ['humidity', 'pressure'], ['temperature']];
  return layouts.map((cols, d) => {
    const n = 3000 + 250 * d;
    const timestamps = Float64Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + i * 60_000);
    const columns = cols.map((name, c) => ({
      name,
      values: Float64Array.from({ length: n }, (_, i) =>
        i % 97 === 13 ? NaN : Math.sin(i / (20 + c)) * (d + 1) + i / 1000,
      ),
    }));
    return {
      id: `ev-dev-${d}`,
      name: `device-00${d + 1}`,
      metadata: { deviceId: `device-00${d + 1}`, tags: { fleet: 'ev' } },
      timestamps,
      columns,
      labels: [],
    };
  });
}

/** Entries of a folder; none when it does not exist yet. */
function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

function until(jobs: JobEngine, id: string, states: JobView['state'][]) {
  return waitFor(`${id} in ${states.join('|')}`, async () => {
    const j = await jobs.get(id);
    return states.includes(j.state) && j;
  });
}

let engines: TestEngines;
let ctx: ToolContext;
const ids = fleet().map((s) => s.id);

beforeAll(async () => {
  engines = await makeEngines();
  ctx = { engines, logger: engines.logger, signal: new AbortController().signal, progress: () => undefined };
  for (const s of fleet()) await engines.storage.store(s);
});
afterAll(() => engines.close());

describe('export jobs', () => {
  for (const format of ['csv', 'parquet', 'ndjson', 'line'] as const) {
    it(`writes the same ${format} bytes as export_series, streamed one series at a time`, async () => {
      const tool = await runTool(exportSeriesTool, { ids, format, fileName: `tool-${format}.out` }, ctx);
      const reference = readFileSync(tool.structured.path as string);
      const job = await engines.jobs.start({ type: 'export', data: { ids, format } });
      const done = await until(engines.jobs, job.id, ['completed', 'dead']);
      expect(done.error).toBeUndefined();
      const result = done.result as { path: string; bytes: number; rows: number; sha256: string; series: number };
      const written = readFileSync(result.path);
      expect(written.equals(reference)).toBe(true);
      expect(result).toMatchObject({
        bytes: reference.length,
        rows: tool.structured.rows,
        sha256: tool.structured.sha256,
        series: 3,
      });
      expect(result.rows).toBe(3000 + 3250 + 3500);
      expect(basename(result.path)).toBe(`export-${result.sha256.slice(0, 16)}.${format === 'line' ? 'lp' : format}`);
      const history = await engines.jobs.events.history(job.id);
      expect(history.find((e) => e.type === 'export.completed')?.data).toMatchObject({
        path: result.path,
        sha256: result.sha256,
      });
      expect(history.filter((e) => e.type === 'job.progress').at(-1)?.data).toMatchObject({ done: 3, total: 3 });
    });
  }

  it('selects series by tag and device, and honours a time range', async () => {
    const start = Date.UTC(2024, 0, 1, 10);
    const end = Date.UTC(2024, 0, 1, 12);
    const tool = await runTool(exportSeriesTool, { ids, format: 'ndjson', start, end, fileName: 'range.ndjson' }, ctx);
    const job = await engines.jobs.start({
      type: 'export',
      data: { selection: { tags: { fleet: 'ev' } }, format: 'ndjson', start, end, fileName: 'job-range.ndjson' },
    });
    const done = await until(engines.jobs, job.id, ['completed', 'dead']);
    const result = done.result as { path: string; rows: number };
    expect(basename(result.path)).toBe('job-range.ndjson');
    expect(readFileSync(result.path).equals(readFileSync(tool.structured.path as string))).toBe(true);
    expect(result.rows).toBe(3 * 121);

    const one = await engines.jobs.start({
      type: 'export',
      data: { selection: { deviceId: 'device-002' }, format: 'csv' },
    });
    const oneDone = await until(engines.jobs, one.id, ['completed', 'dead']);
    expect(oneDone.result).toMatchObject({ series: 1, rows: 3250 });
    expect(readFileSync((oneDone.result as { path: string }).path, 'utf8').split('\n')[0]).toBe(
      'timestamp,series,humidity,pressure',
    );
  });

  it('reports progress after every series', async () => {
    const handler = exportJobHandler({ storage: engines.storage, dataDir: engines.dataDir });
    const seen: Progress[] = [];
    const run: JobRunContext = {
      jobId: 'job_progress',
      attempt: 1,
      signal: new AbortController().signal,
      progress: (p) => void seen.push(p),
      log: logger,
      checkpoint: { get: () => undefined, save: async () => undefined },
      emit: async () => undefined,
    };
    for (const format of ['csv', 'parquet'] as const) {
      seen.length = 0;
      const data = handler.prepare!(handler.schema.parse({ ids, format, fileName: `progress.${format}` }));
      await handler.run(data, run);
      expect(seen.map((p) => [p.done, p.total])).toEqual([
        [1, 3],
        [2, 3],
        [3, 3],
      ]);
    }
  });

  it('refuses bad data before queueing', async () => {
    await expect(engines.jobs.start({ type: 'export', data: { format: 'csv' } })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(
      engines.jobs.start({ type: 'export', data: { ids, selection: { namePrefix: 'd' } } }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(engines.jobs.start({ type: 'export', data: { ids, format: 'xlsx' } })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(
      engines.jobs.start({ type: 'export', data: { ids, fileName: '../escape.csv' } }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('fails an unknown id with not_found at once, without retries, and leaves no file', async () => {
    const before = entries(join(engines.dataDir, 'exports'));
    const job = await engines.jobs.start({
      type: 'export',
      data: { ids: [ids[0], 'ser_missing'], format: 'csv' },
      attempts: 5,
      backoffMs: 10,
    });
    const dead = await until(engines.jobs, job.id, ['dead', 'completed']);
    expect(dead).toMatchObject({ state: 'dead', attempts: 1, error: { code: 'not_found' } });
    expect(dead.error!.message).toContain('ser_missing');
    expect(entries(join(engines.dataDir, 'exports'))).toEqual(before);

    const none = await engines.jobs.start({
      type: 'export',
      data: { selection: { tags: { fleet: 'nobody' } } },
      attempts: 5,
      backoffMs: 10,
    });
    expect(await until(engines.jobs, none.id, ['dead', 'completed'])).toMatchObject({
      state: 'dead',
      attempts: 1,
      error: { code: 'not_found' },
    });
  });

  it('cancelled part-way, it removes its temporary file and publishes nothing', async () => {
    // the second series is held back until the test has cancelled the job
    let reached!: () => void;
    const atSecond = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const storage: Storage = Object.create(engines.storage, {
      retrieve: {
        value: async (q: { id: string }) => {
          if (q.id === ids[1]) {
            reached();
            await gate;
          }
          return engines.storage.retrieve(q);
        },
      },
    });
    const docs = new DuckDbStorage({ path: ':memory:' });
    await docs.init();
    const dataDir = join(engines.dataDir, 'cancel');
    const jobs = new InProcessJobEngine({
      documents: docs,
      registry: new JobHandlerRegistry().register(exportJobHandler({ storage, dataDir })),
      events: new InProcessEventBus(docs),
      logger,
    });
    await jobs.init();
    try {
      for (const format of ['csv', 'parquet'] as const) {
        const job = await jobs.start({ type: 'export', data: { ids, format, fileName: `cancelled.${format}` } });
        await atSecond;
        const exports = join(dataDir, 'exports');
        if (format === 'csv') expect(readdirSync(exports)).toEqual([`.export-${job.id}.tmp`]);
        expect((await jobs.cancel(job.id)).state).toBe('cancelled');
        release();
        await waitFor('temporary file removed', async () => readdirSync(exports).length === 0, 5_000, 20);
        await new Promise((r) => setTimeout(r, 200));
        expect(readdirSync(exports)).toEqual([]);
        expect(existsSync(join(exports, `cancelled.${format}`))).toBe(false);
        expect((await jobs.events.history(job.id)).some((e) => e.type === 'export.completed')).toBe(false);
      }
    } finally {
      release();
      await jobs.close();
      await docs.close();
    }
  });
});

describe('validation jobs', () => {
  it('stores a report readable with engines.validation.get and publishes validation.completed', async () => {
    const job = await engines.jobs.start({
      type: 'validation',
      data: {
        synthetic: [ids[0], ids[2]],
        reference: [ids[0]],
        rules: { validators: ['quality', 'temporal', 'statistical'] },
      },
    });
    const done = await until(engines.jobs, job.id, ['completed', 'dead']);
    expect(done.error).toBeUndefined();
    const result = done.result as { reportId: string; score: number | null; verdict: string };
    expect(result.reportId).toMatch(/^rep_/);
    const report = await engines.validation.get(result.reportId);
    expect(report.score).toBe(result.score);
    expect(report.verdict).toBe(result.verdict);
    expect(report.validators.map((v) => v.name).sort()).toEqual(['quality', 'statistical', 'temporal']);
    const history = await engines.jobs.events.history(job.id);
    expect(history.find((e) => e.type === 'validation.completed')?.data).toMatchObject({
      reportId: result.reportId,
      verdict: result.verdict,
    });
  });

  it('refuses bad rules at submission and fails unknown ids with not_found without retrying', async () => {
    await expect(
      engines.jobs.start({ type: 'validation', data: { synthetic: ids, rules: { validators: ['nonsense'] } } }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(engines.jobs.start({ type: 'validation', data: { synthetic: [] } })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    const job = await engines.jobs.start({
      type: 'validation',
      data: { synthetic: [ids[0]], reference: ['ser_nope'] },
      attempts: 4,
      backoffMs: 10,
    });
    const dead = await until(engines.jobs, job.id, ['dead', 'completed']);
    expect(dead).toMatchObject({ state: 'dead', attempts: 1, error: { code: 'not_found' } });
    expect(dead.error!.message).toContain('ser_nope');
  });
});

describe('start_job', () => {
  it('refuses training with unsupported, pointing at fit_model', async () => {
    const e = await runTool(startJob, { type: 'training', data: {} }, ctx).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'unsupported', hint: expect.stringContaining('fit_model') });
  });
});
