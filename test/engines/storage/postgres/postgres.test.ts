/**
 * PostgreSQL backend against a real server (TSIOT_TEST_PG_URL): the shared
 * contract, then what is specific to it — the layout without TimescaleDB,
 * health and errors when the server is down, and a store whose connection is
 * killed mid-COPY (retried whole, or reported with nothing stored).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../../src/core/errors.js';
import type { TimeSeries } from '../../../../src/core/types.js';
import { createStorage } from '../../../../src/engines/storage/index.js';
import { PostgresStorage } from '../../../../src/engines/storage/postgres/index.js';
import { closedPort, requireServer, runName } from '../../../helpers/servers.js';
import { describeStorageContract } from '../contract.js';

const server = await requireServer('PostgreSQL', 'TSIOT_TEST_PG_URL', 5432, async (url) => {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  await c.connect();
  await c.end();
  return true;
});

const schema = runName('tsiot_test');
const withSchema = (url: string, s = schema) => `${url}${url.includes('?') ? '&' : '?'}schema=${s}`;

function bigSeries(id: string, n: number): TimeSeries {
  const timestamps = new Float64Array(n);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    timestamps[i] = 1_700_000_000_000 + i * 1_000;
    v[i] = i * 0.5;
  }
  return { id, name: id, metadata: { tags: {} }, timestamps, columns: [{ name: 'v', values: v }], labels: [] };
}

describe.skipIf(!server.ok)('postgres backend', () => {
  const admin = new pg.Pool({ connectionString: server.url, max: 2 });

  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.end();
  });

  describeStorageContract('postgres', async () => (await createStorage(withSchema(server.url))) as PostgresStorage);

  describe('postgres specifics', () => {
    let storage: PostgresStorage;
    beforeAll(async () => {
      storage = new PostgresStorage({ url: withSchema(server.url) });
      await storage.init();
    });
    afterAll(async () => storage.close());

    it('creates a plain points table with a BRIN time index when TimescaleDB is absent', async () => {
      const ext = await admin.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`);
      expect(ext.rowCount).toBe(0);
      const idx = await admin.query<{ indexdef: string }>(
        `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'points'`,
        [schema],
      );
      expect(idx.rows.map((r) => r.indexdef).join('\n')).toMatch(/USING brin \(ts\)/);
      const health = await storage.health();
      expect(health.detail).toMatch(/plain table with BRIN time index/);
    });

    it('stores timestamps as timestamptz and missing values as SQL NULL', async () => {
      const id = `${schema}-sql`;
      await storage.store({
        id,
        name: id,
        metadata: { tags: {} },
        timestamps: Float64Array.of(0, 1_500),
        columns: [{ name: 'a', values: Float64Array.of(1.25, NaN) }],
        labels: [],
      });
      const r = await admin.query<{ ts: Date; v: number | null }>(
        `SELECT ts, vals[1] AS v FROM "${schema}".points WHERE series_id = $1 ORDER BY seq`,
        [id],
      );
      expect(r.rows.map((x) => [x.ts.toISOString(), x.v])).toEqual([
        ['1970-01-01T00:00:00.000Z', 1.25],
        ['1970-01-01T00:00:01.500Z', null],
      ]);
    });

    it('keeps microsecond fractions of a millisecond', async () => {
      const id = `${schema}-micro`;
      const timestamps = Float64Array.of(1_700_000_000_000.25, 1_700_000_000_000.5, 1_700_000_000_001.125);
      await storage.store({
        id,
        name: id,
        metadata: { tags: {} },
        timestamps,
        columns: [{ name: 'a', values: Float64Array.of(1, 2, 3) }],
        labels: [],
      });
      expect(Array.from((await storage.retrieve({ id })).timestamps)).toEqual(Array.from(timestamps));
    });

    it('reports a down server as unavailable quickly, and health as not ok', async () => {
      const port = await closedPort();
      const down = new PostgresStorage({ url: `postgres://tsiot:s3cret-pw@127.0.0.1:${port}/test`, storeAttempts: 2 });
      const started = performance.now();
      const health = await down.health();
      expect(health.ok).toBe(false);
      expect(health.detail).toMatch(/unavailable/);
      expect(health.detail).not.toContain('s3cret-pw');
      let caught: unknown;
      try {
        await down.store(bigSeries('never', 10));
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(TsiotError);
      expect((caught as TsiotError).code).toBe('unavailable');
      expect((caught as TsiotError).message).not.toContain('s3cret-pw');
      expect(performance.now() - started).toBeLessThan(5_000);
      await down.close();
    });

    /** Terminate the server process serving the first COPY into our points table, as a crash of that session would. */
    async function killCopyWhenItStarts(): Promise<number> {
      for (let i = 0; i < 400; i++) {
        const r = await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE application_name = 'tsiot' AND query LIKE $1 AND state = 'active'`,
          [`COPY "${schema}".points%FROM STDIN%`],
        );
        if (r.rows.length) {
          await admin.query('SELECT pg_terminate_backend($1)', [r.rows[0]!.pid]);
          return r.rows[0]!.pid;
        }
        await new Promise((res) => setTimeout(res, 5));
      }
      throw new Error('the COPY never started');
    }

    it('reports a store whose connection dies mid-COPY, leaving nothing behind', async () => {
      const once = new PostgresStorage({ url: withSchema(server.url), storeAttempts: 1 });
      const id = `${schema}-killed`;
      const [outcome] = await Promise.allSettled([once.store(bigSeries(id, 400_000)), killCopyWhenItStarts()]);
      expect(outcome.status).toBe('rejected');
      const err = (outcome as PromiseRejectedResult).reason as TsiotError;
      expect(err).toBeInstanceOf(TsiotError);
      expect(err.code).toBe('unavailable');
      expect(await storage.describe(id)).toBeUndefined();
      const left = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".points WHERE series_id = $1`, [id]);
      expect(left.rows[0].n).toBe(0);
      await once.close();
    });

    it('retries a store whose connection dies mid-COPY and lands it whole', async () => {
      const id = `${schema}-retried`;
      const series = bigSeries(id, 400_000);
      const [outcome, killed] = await Promise.allSettled([storage.store(series), killCopyWhenItStarts()]);
      expect(killed.status).toBe('fulfilled');
      expect(outcome.status).toBe('fulfilled');
      const back = await storage.retrieve({ id });
      expect(back.timestamps.length).toBe(series.timestamps.length);
      expect(back.columns[0]!.values[399_999]).toBe(series.columns[0]!.values[399_999]);
      const rows = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".points WHERE series_id = $1`, [id]);
      expect(rows.rows[0].n).toBe(400_000);
    });
  });
});
