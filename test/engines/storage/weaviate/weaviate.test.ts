/**
 * Weaviate backend. No Weaviate server can be installed on these machines, so
 * the contract and similarity tests run only when WEAVIATE_URL is set
 * (e.g. weaviate://127.0.0.1:8080?grpcPort=50051) and are skipped with a loud
 * warning otherwise — in CI too. What needs no server (URL parsing, the
 * unavailable path) always runs.
 */
import weaviate from 'weaviate-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../../src/core/errors.js';
import type { TimeSeries } from '../../../../src/core/types.js';
import { createStorage } from '../../../../src/engines/storage/index.js';
import { WeaviateStorage, parseWeaviateUrl } from '../../../../src/engines/storage/weaviate/index.js';
import { closedPort, runName, weaviateServer } from '../../../helpers/servers.js';
import { describeStorageContract } from '../contract.js';

const server = weaviateServer();
const collection = `Tsiot${runName('t').replace(/[^a-z0-9]/g, '')}`;
const withCollection = (url: string) => `${url}${url.includes('?') ? '&' : '?'}collection=${collection}`;

function wave(id: string, f: (x: number) => number, n = 500): TimeSeries {
  return {
    id,
    name: id,
    metadata: { tags: {} },
    timestamps: Float64Array.from({ length: n }, (_, i) => i * 1_000),
    columns: [{ name: 'v', values: Float64Array.from({ length: n }, (_, i) => f(i / n)) }],
    labels: [],
  };
}

describe('weaviate backend without a server', () => {
  it('parses the URL, with the API key from the URL or WEAVIATE_API_KEY', () => {
    expect(parseWeaviateUrl('weaviate://:k3y@db.local:8081?grpcPort=50052&collection=Shapes&dims=32')).toEqual({
      httpHost: 'db.local',
      httpPort: 8081,
      grpcPort: 50052,
      secure: false,
      apiKey: 'k3y',
      collection: 'Shapes',
      dims: 32,
    });
    expect(parseWeaviateUrl('weaviate://h', { WEAVIATE_API_KEY: 'env-key' }).apiKey).toBe('env-key');
    expect(() => parseWeaviateUrl('weaviate://h?collection=lower')).toThrow(/capital/);
    expect(() => parseWeaviateUrl('weaviate://h?dims=3')).toThrow(/dims/);
  });

  it('reports a down server as unavailable quickly, and health as not ok', async () => {
    const port = await closedPort();
    const down = new WeaviateStorage({ url: `weaviate://:s3cret-key@127.0.0.1:${port}?grpcPort=${port}` });
    const started = performance.now();
    const health = await down.health();
    expect(health).toMatchObject({ ok: false, backend: 'weaviate' });
    expect(health.detail).not.toContain('s3cret-key');
    const err = await down.init().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TsiotError);
    expect((err as TsiotError).code).toBe('unavailable');
    expect((err as TsiotError).message).not.toContain('s3cret-key');
    expect(performance.now() - started).toBeLessThan(8_000);
    await down.close();
  });
});

describe.skipIf(!server.ok)('weaviate backend', () => {
  afterAll(async () => {
    const c = parseWeaviateUrl(server.url);
    const client = await weaviate.connectToCustom({
      httpHost: c.httpHost,
      httpPort: c.httpPort,
      grpcHost: c.httpHost,
      grpcPort: c.grpcPort,
      ...(c.apiKey ? { authCredentials: new weaviate.ApiKey(c.apiKey) } : {}),
    });
    await client.collections.delete(collection).catch(() => undefined);
    await client.collections.delete(`${collection}Chunk`).catch(() => undefined);
    await client.close();
  });

  describeStorageContract('weaviate', async () => (await createStorage(withCollection(server.url))) as WeaviateStorage);

  describe('shape similarity', () => {
    let storage: WeaviateStorage;
    beforeAll(async () => {
      storage = new WeaviateStorage({ url: withCollection(server.url) });
      await storage.init();
      await storage.store(wave('sim-sine', (x) => Math.sin(2 * Math.PI * 4 * x)));
      await storage.store(wave('sim-trend', (x) => x));
      await storage.store(wave('sim-square', (x) => (Math.floor(x * 8) % 2 ? 1 : -1)));
    });
    afterAll(async () => storage.close());

    it('finds the stored series nearest in shape first', async () => {
      const query = wave('q', (x) => 10 + 3 * Math.sin(2 * Math.PI * 4 * x + 0.1), 800);
      const found = await storage.findSimilar(query, { limit: 3 });
      expect(found[0]!.summary.id).toBe('sim-sine');
      expect(found[0]!.distance).toBeLessThan(found[1]!.distance);
    });
  });
});
