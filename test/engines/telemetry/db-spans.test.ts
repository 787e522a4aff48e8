/**
 * The pg and ioredis instrumentations against the real PostgreSQL and Redis:
 * a tool call storing to postgres:// with a Redis query cache and live feed
 * gives PostgreSQL and Redis client spans below the tool call's span, with
 * the database semantic-convention attributes and neither the SQL parameter
 * values nor the passwords of the storage URL in any attribute.
 *
 * The drivers are loaded (through this file's static imports) before tracing
 * starts, as in `tsiot serve`: the spans must appear all the same.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../../../src/engines/telemetry/tracing.js';
import { createMcpServer } from '../../../src/mcp/server.js';
import { prompts } from '../../../prompts/index.js';
import { resources } from '../../../resources/index.js';
import { tools } from '../../../tools/index.js';
import { makeEngines, type TestEngines } from '../../helpers/engines.js';
import { requireServer, runName } from '../../helpers/servers.js';

const postgres = await requireServer('PostgreSQL', 'TSIOT_TEST_PG_URL', 5432, async (url) => {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  await c.connect();
  await c.end();
  return true;
});
const redis = await requireServer('Redis', 'TSIOT_TEST_REDIS_URL', 6379);

// PostgreSQL here trusts loopback and Redis has no password: both accept a URL carrying one,
// so the passwords travel through the drivers as a deployment's would
const PG_PASSWORD = 'pg-pass-7d1e0c';
const REDIS_PASSWORD = 'redis-pass-5b9f3a';
const TAG_VALUE = 'tag-value-3c8a61';
const schema = runName('tsiot_otel');
const prefix = runName('tsiot-otel');

function withPassword(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username ||= user;
  u.password = password;
  return u.toString();
}

const exporter = new InMemorySpanExporter();
let tracing: Tracing | undefined;
let engines: TestEngines;

describe.skipIf(!postgres.ok || !redis.ok)('pg and ioredis spans', () => {
  beforeAll(async () => {
    tracing = await startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const redisUrl = encodeURIComponent(withPassword(redis.url, '', REDIS_PASSWORD));
    const storage = `${withPassword(postgres.url, 'postgres', PG_PASSWORD)}?schema=${schema}&cache=${redisUrl}&cachePrefix=${prefix}:qc&feed=${redisUrl}&feedPrefix=${prefix}`;
    engines = await makeEngines({ storage });
  }, 30_000);
  afterAll(async () => {
    await engines?.close();
    await tracing?.shutdown();
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('a tool call storing to postgres:// has pg and Redis spans below it, without values or secrets', async () => {
    const server = createMcpServer(engines, { tools, resources, prompts });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    const client = new Client({ name: 't', version: '0' });
    await client.connect(b);
    exporter.reset();
    const r = await client.callTool({
      name: 'generate_timeseries',
      arguments: { seed: 3, points: 50, name: 'otel-series', tags: { site: TAG_VALUE } },
    });
    expect(r.isError).toBeFalsy();
    const id = (r.structuredContent as { series: { id: string }[] }).series[0]!.id;
    const read = await client.callTool({ name: 'get_series', arguments: { id } });
    expect(read.isError).toBeFalsy();
    await client.close();

    const spans = exporter.getFinishedSpans();
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const ancestors = (s: ReadableSpan): string[] => {
      const out: string[] = [];
      for (let p = s.parentSpanContext?.spanId; p && byId.has(p); p = byId.get(p)!.parentSpanContext?.spanId)
        out.push(byId.get(p)!.name);
      return out;
    };

    const pgSpans = spans.filter((s) => s.attributes['db.system.name'] === 'postgresql' && s.name.startsWith('pg.'));
    expect(pgSpans.length, `spans: ${spans.map((s) => s.name).join(', ')}`).toBeGreaterThan(0);
    const pgQuery = pgSpans.find((s) => typeof s.attributes['db.query.text'] === 'string');
    expect(pgQuery).toBeDefined();
    expect(pgQuery!.kind).toBe(2); // CLIENT
    const { hostname, port, pathname } = new URL(postgres.url);
    expect(pgQuery!.attributes).toMatchObject({
      'db.namespace': pathname.slice(1),
      'server.address': hostname,
      'server.port': Number(port || 5432),
    });
    // the store's SQL below the tool call and the storage operation
    const stored = pgSpans.filter((s) => ancestors(s).includes('tools/call generate_timeseries'));
    expect(stored.length).toBeGreaterThan(0);
    expect(ancestors(stored[0]!)).toContain('storage store');
    // parameterised: the statement text names placeholders, never the values bound to them
    expect(pgSpans.some((s) => /\$1/.test(String(s.attributes['db.query.text'])))).toBe(true);

    const redisSpans = spans.filter((s) => s.attributes['db.system.name'] === 'redis');
    expect(redisSpans.length, `spans: ${spans.map((s) => s.name).join(', ')}`).toBeGreaterThan(0);
    expect(redisSpans[0]!.kind).toBe(2);
    expect(redisSpans[0]!.attributes['server.address']).toBe(new URL(redis.url).hostname);
    const underCall = redisSpans.filter((s) => ancestors(s).includes('tools/call generate_timeseries'));
    // the live feed's XADD of the stored series, inside the store
    const xadd = underCall.find((s) => /^(PIPELINE )?xadd$/.test(String(s.attributes['db.operation.name'])));
    expect(xadd, `redis spans below the call: ${underCall.map((s) => s.name).join(', ')}`).toBeDefined();
    expect(ancestors(xadd!)).toContain('storage store');
    // a command's values are not in its text: only the key, then a count of what follows
    expect(xadd!.attributes['db.query.text']).toMatch(/^xadd \S+ \[\d+ other arguments\]$/);
    // the query cache, below the read
    expect(redisSpans.some((s) => ancestors(s).includes('tools/call get_series'))).toBe(true);

    // nothing bound to a statement or sent as a command value, and no password, in any attribute
    const attributeText = JSON.stringify(spans.map((s) => s.attributes));
    for (const secret of [PG_PASSWORD, REDIS_PASSWORD, TAG_VALUE, 'otel-series'])
      expect(attributeText, `an attribute carries ${secret}`).not.toContain(secret);
  }, 60_000);
});
