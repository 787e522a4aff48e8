/**
 * A fleet stored by one request is visible whole or not at all, even when the
 * process is killed with SIGKILL part-way through the store: a child stores
 * the fleet and is killed at five points of the store's measured duration,
 * then the storage is opened again and the fleet counted. In the embedded
 * database, which also holds the event log, the fleet's series.created event
 * must be there exactly when the fleet is.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { EVENTS_COLLECTION } from '../../../src/engines/events/index.js';
import type { TsiotEvent } from '../../../src/engines/events/types.js';
import { createStorage } from '../../../src/engines/storage/index.js';
import { requireServer, runName } from '../../helpers/servers.js';

const DEVICES = 200;
const ROWS = 1_000;
const FRACTIONS = [0.1, 0.3, 0.5, 0.7, 0.9];

interface Run {
  /** The child said the store had returned before it was killed. */
  returned: boolean;
  ms?: number;
}

/** Start the child; kill it `killAfterMs` after it begins storing (never when undefined). */
function runChild(url: string, tag: string, killAfterMs?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/engines/series/store-child.ts', url, String(DEVICES), String(ROWS), tag],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (killAfterMs !== undefined && !timer && out.includes('storing\n')) {
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const m = /stored (\d+)/.exec(out);
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`child failed (${code}): ${err.slice(-2000)}`));
      else resolve({ returned: m !== null, ...(m ? { ms: Number(m[1]) } : {}) });
    });
  });
}

async function visible(url: string, tag: string): Promise<number> {
  const storage = await createStorage(url);
  await storage.init();
  try {
    const n = (await storage.list({ tags: { run: tag }, limit: 1 })).total;
    if (storage.listDocuments) {
      // the event log is in the same file: its series.created is there exactly when the fleet is
      const events = await storage.listDocuments<TsiotEvent>(EVENTS_COLLECTION);
      const created = events.filter((e) => e.doc.type === 'series.created');
      expect(
        created.map((e) => (e.doc.data.ids as string[]).length),
        `events with ${n} series visible`,
      ).toEqual(n ? [DEVICES] : []);
    }
    return n;
  } finally {
    await storage.close();
  }
}

/**
 * One test per point: a full store first (its duration sets the kill times),
 * then a kill at each fraction of it. Each child is a fresh process, so every
 * test stays well under a minute even on a loaded machine.
 */
function crashAtFivePoints(url: (i: number) => string): void {
  let duration = 0;
  let interrupted = 0;
  it('stores the whole fleet when not interrupted', { timeout: 60_000 }, async () => {
    const full = await runChild(url(0), 'full');
    expect(full.returned).toBe(true);
    expect(await visible(url(0), 'full')).toBe(DEVICES);
    duration = full.ms!;
  });
  for (const [i, f] of FRACTIONS.entries()) {
    it(`shows all or none of it after a kill at ${f * 100}% of the store`, { timeout: 60_000 }, async () => {
      expect(duration).toBeGreaterThan(0);
      const tag = `kill-${i}`;
      const run = await runChild(url(i + 1), tag, Math.round(duration * f));
      const n = await visible(url(i + 1), tag);
      if (run.returned) expect(n, `killed at ${f} after the store returned`).toBe(DEVICES);
      else {
        interrupted++;
        expect([0, DEVICES], `killed at ${f} of ${duration} ms: ${n} of ${DEVICES} series visible`).toContain(n);
      }
    });
  }
  it('had its kills land in stores in progress', () => {
    // or the tests above proved nothing
    expect(interrupted).toBeGreaterThanOrEqual(3);
  });
}

describe('a fleet store killed with SIGKILL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsiot-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  crashAtFivePoints((i) => `duckdb://${join(dir, `run-${i}.duckdb`)}`);
});

const server = await requireServer('PostgreSQL', 'TSIOT_TEST_PG_URL', 5432, async (url) => {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  await c.connect();
  await c.end();
  return true;
});

describe.skipIf(!server.ok)('a fleet store killed with SIGKILL (PostgreSQL)', () => {
  const schema = runName('tsiot_crash');
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  crashAtFivePoints(() => `${server.url}${server.url.includes('?') ? '&' : '?'}schema=${schema}`);
});
