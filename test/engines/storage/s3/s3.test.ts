/**
 * S3 backend against a real S3-compatible server: TSIOT_TEST_S3_URL when set
 * (or written by scripts/services/start.sh), else an s3rver started here on a
 * temp folder. The shared contract, then the
 * objects themselves (CSV, NDJSON, Parquet, manifest), multipart uploads of
 * large objects, and health when the server is down.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../../src/core/errors.js';
import type { TimeSeries } from '../../../../src/core/types.js';
import { createStorage } from '../../../../src/engines/storage/index.js';
import { S3Storage, parseS3Url } from '../../../../src/engines/storage/s3/index.js';
import { closedPort, requireServer, runName, serverUrl } from '../../../helpers/servers.js';
import { describeStorageContract } from '../contract.js';

const external = serverUrl('TSIOT_TEST_S3_URL')
  ? await requireServer(
      'S3 (s3rver)',
      'TSIOT_TEST_S3_URL',
      443,
      async (u) => (await new S3Storage({ url: u }).health()).ok,
    )
  : undefined;
let baseUrl = external?.url ?? '';
let stopLocal: (() => Promise<void>) | undefined;

if (!external) {
  const dir = mkdtempSync(join(tmpdir(), 'tsiot-s3rver-'));
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: dir,
    silent: true,
    configureBuckets: [{ name: 'tsiot-test', configs: [] }],
  });
  const { port } = (await s3rver.run()) as { port: number };
  baseUrl = `s3://S3RVER:S3RVER@tsiot-test/tsiot?endpoint=${encodeURIComponent(`http://127.0.0.1:${port}`)}&region=us-east-1`;
  stopLocal = async () => {
    await s3rver.close();
    rmSync(dir, { recursive: true, force: true });
  };
}

const prefix = runName('run');
/** The base URL with this run's prefix and extra parameters. */
function url(params = ''): string {
  const u = new URL(baseUrl);
  u.pathname = `${u.pathname.replace(/\/$/, '')}/${prefix}`;
  for (const [k, v] of new URLSearchParams(params)) u.searchParams.set(k, v);
  return u.toString();
}

function series(id: string, n: number): TimeSeries {
  const timestamps = Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 1_000);
  return {
    id,
    name: `${id}, "quoted"\nname`,
    metadata: { tags: { site: 'Zürich' } },
    timestamps,
    columns: [
      { name: 'temp', values: Float64Array.from({ length: n }, (_, i) => (i % 7 === 3 ? NaN : 20 + i / 3)) },
      { name: 'hum', values: Float64Array.from({ length: n }, (_, i) => i * 1e-9) },
    ],
    labels: [],
  };
}

afterAll(async () => stopLocal?.());

describe.skipIf(external?.ok === false)('s3 backend', () => {
  describeStorageContract('s3', async () => (await createStorage(url())) as S3Storage);

  describe('s3 specifics', () => {
    let client: S3Client;
    let bucket: string;
    beforeAll(() => {
      const config = parseS3Url(url());
      client = new S3Client(config.client);
      bucket = config.bucket;
    });
    afterAll(() => client.destroy());

    const keysUnder = async (p: string) =>
      ((await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: p }))).Contents ?? []).map((o) => o.Key!);
    const text = async (key: string) =>
      (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
    const bytes = async (key: string) =>
      (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray();

    it('writes CSV, NDJSON and Parquet objects and a manifest naming them', async () => {
      const storage = new S3Storage({ url: url('formats=csv,ndjson,parquet') });
      await storage.store(series('formats', 4));
      const manifest = JSON.parse(await text(`tsiot/${prefix}/manifests/formats.json`));
      expect(manifest.objects.map((o: { format: string }) => o.format)).toEqual(['csv', 'ndjson', 'parquet']);
      const csv = await text(manifest.objects[0].key);
      expect(csv.split('\n')[0]).toBe('timestamp,series,temp,hum');
      expect(csv).toContain('1700000000000,"formats, ""quoted""\nname",20,0\n');
      expect(csv).toContain(`1700000003000,"formats, ""quoted""\nname",,${3 * 1e-9}\n`);
      const ndjson = (await text(manifest.objects[1].key))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(ndjson[3]).toEqual({
        timestamp: 1_700_000_003_000,
        series: 'formats, "quoted"\nname',
        temp: null,
        hum: 3 * 1e-9,
      });
      const parquet = await bytes(manifest.objects[2].key);
      expect(Buffer.from(parquet.subarray(0, 4)).toString()).toBe('PAR1');
      expect(Buffer.from(parquet.subarray(-4)).toString()).toBe('PAR1');
      const back = await storage.retrieve({ id: 'formats' });
      expect(Array.from(back.columns[1]!.values)).toEqual([0, 1e-9, 2e-9, 3 * 1e-9]);
      await storage.close();
    });

    it('reads back from NDJSON when there is no CSV', async () => {
      const storage = new S3Storage({ url: url('formats=ndjson') });
      const s = series('ndjson-only', 50);
      await storage.store(s);
      const back = await storage.retrieve({ id: s.id });
      expect(Array.from(back.columns[0]!.values)).toEqual(Array.from(s.columns[0]!.values));
      expect(back.name).toBe(s.name);
      await storage.close();
    });

    it('uploads large objects in multipart parts and drops the replaced generation', async () => {
      const storage = new S3Storage({ url: url(`formats=csv&partSize=${5 * 1024 * 1024}`) });
      const s = series('multipart', 400_000);
      await storage.store(s);
      const manifest = JSON.parse(await text(`tsiot/${prefix}/manifests/multipart.json`));
      expect(manifest.objects[0].parts).toBeGreaterThan(1);
      expect(manifest.objects[0].bytes).toBeGreaterThan(10 * 1024 * 1024);
      const back = await storage.retrieve({ id: s.id });
      expect(back.timestamps.length).toBe(400_000);
      let bad = 0;
      for (let i = 0; i < 400_000; i++) if (!Object.is(back.columns[0]!.values[i], s.columns[0]!.values[i])) bad++;
      expect(bad).toBe(0);
      await storage.store(series('multipart', 3), { overwrite: true });
      expect(await keysUnder(`tsiot/${prefix}/data/multipart/${manifest.gen}/`)).toEqual([]);
      await storage.close();
    }, 120_000);

    it('rejects a URL without a readable format', () => {
      expect(() => parseS3Url('s3://b/p?formats=parquet')).toThrow(/csv or ndjson/);
    });

    it('reports a down server as unavailable quickly, and health as not ok', async () => {
      const port = await closedPort();
      const down = new S3Storage({
        url: `s3://AKIA:s3cret-key@bucket/p?endpoint=${encodeURIComponent(`http://127.0.0.1:${port}`)}`,
      });
      const started = performance.now();
      const health = await down.health();
      expect(health).toMatchObject({ ok: false, backend: 's3' });
      expect(health.detail).not.toContain('s3cret-key');
      const err = await down.store(series('never', 3)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TsiotError);
      expect((err as TsiotError).code).toBe('unavailable');
      expect((err as TsiotError).message).not.toContain('s3cret-key');
      expect(performance.now() - started).toBeLessThan(5_000);
      await down.close();
    });
  });
});
