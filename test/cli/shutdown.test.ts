import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServeProcess, startServe } from '../helpers/serve.js';

/**
 * SIGTERM to a real `tsiot serve` while a chunked generation job runs: the
 * process exits within its grace period, the job is handed back, and the
 * next start resumes it from its checkpoint to the same result, with every
 * part stored once.
 */

const GRACE_MS = 1_000;
const work = mkdtempSync(join(tmpdir(), 'tsiot-shutdown-'));
const env = {
  TSIOT_DATA_DIR: work,
  TSIOT_STORAGE: `duckdb://${join(work, 'tsiot.duckdb')}`,
  TSIOT_SHUTDOWN_GRACE_MS: String(GRACE_MS),
};
let serve: ServeProcess | undefined;

afterAll(async () => {
  if (serve && serve.child.exitCode === null) {
    serve.child.kill('SIGKILL');
    await serve.exited;
  }
  rmSync(work, { recursive: true, force: true });
});

async function call(url: string, tool: string, input: unknown): Promise<any> {
  const res = await fetch(`${url}/v1/tools/${tool}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result: unknown; detail?: string };
  if (res.status !== 200) throw new Error(`${tool}: ${res.status} ${body.detail}`);
  return body.result;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 40_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('graceful shutdown', () => {
  it('exits within the grace period on SIGTERM, hands the running job back, and the next start finishes it once', async () => {
    // the same data folder and database file across both starts (the data folder is not removed by stop)
    serve = await startServe(env);
    // enough small chunks (each a commit and a checkpoint) that the rest outlasts the grace period
    const chunks = 150;
    const perChunk = 1_000;
    const started = await call(serve.url, 'start_job', {
      type: 'generation',
      data: { params: { points: chunks * perChunk, interval: '1s' }, seed: 11, chunkValues: perChunk },
    });
    const id = started.job.id as string;
    const running = await until('the job to store a few chunks', async () => {
      const { job } = await call(serve!.url, 'get_job', { id });
      if (job.state === 'completed') throw new Error('the job finished before SIGTERM: make it longer');
      return job.state === 'running' && (job.progress?.done ?? 0) >= 2 ? job : undefined;
    });
    expect(running.progress.done).toBeLessThan(chunks);

    const signalled = Date.now();
    serve.child.kill('SIGTERM');
    const { code } = await serve.exited;
    const tookMs = Date.now() - signalled;
    expect(code).toBe(0);
    // the grace period plus closing the database, far below the hard deadline (grace + 5 s)
    expect(tookMs).toBeLessThan(GRACE_MS + 4_000);
    const log = serve.logLines();
    expect(log.find((l) => l.msg === 'handing back running jobs')).toMatchObject({ jobs: [id] });
    expect(log.some((l) => l.msg === 'stopped')).toBe(true);

    serve = await startServe(env);
    const done = await until(
      'the resumed job to complete',
      async () => {
        const { job } = await call(serve!.url, 'get_job', { id });
        return job.state === 'completed' ? job : undefined;
      },
      80_000,
    );
    expect(done.result).toMatchObject({ chunks, values: chunks * perChunk, parts: chunks });
    const listed = await call(serve.url, 'list_series', { tags: { 'tsiot.job': id }, limit: 1 });
    expect(listed.total).toBe(chunks);
    await serve.stop();
  }, 120_000);
});
