import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpServer } from '../../src/mcp/server.js';
import { tools } from '../../tools/index.js';
import { resources } from '../../resources/index.js';
import { prompts } from '../../prompts/index.js';
import { makeEngines, type TestEngines } from '../helpers/engines.js';
import { requireServer } from '../helpers/servers.js';

const pg = await requireServer('PostgreSQL', 'TSIOT_TEST_PG_URL', 5432);

/**
 * The whole stack with series in PostgreSQL: documents (reports, jobs,
 * models) then live in an embedded database beside it.
 */
describe.skipIf(!pg.ok)('tools with PostgreSQL as the series backend', () => {
  let engines: TestEngines;
  let client: Client;
  beforeAll(async () => {
    engines = await makeEngines({ storage: pg.url });
    const server = createMcpServer(engines, { tools, resources, prompts });
    const [c, s] = InMemoryTransport.createLinkedPair();
    await server.connect(s);
    client = new Client({ name: 'pg-stack', version: '0' });
    await client.connect(c);
  });
  afterAll(async () => {
    await client?.close();
    await engines?.close();
  });

  it('generates into PostgreSQL, validates with a stored report, and reads the series back', async () => {
    expect(engines.storage.kind).toBe('postgres');
    const gen = (await client.callTool({
      name: 'generate_timeseries',
      arguments: { devices: 2, duration: '2h', seed: 77, validate: true, tags: { suite: 'pg-stack' } },
    })) as unknown as {
      isError?: boolean;
      structuredContent: { backend: string; series: { id: string }[]; validation: { reportId: string; score: number } };
    };
    expect(gen.isError).toBeFalsy();
    expect(gen.structuredContent.backend).toBe('postgres');
    const report = await engines.validation.get(gen.structuredContent.validation.reportId);
    expect(report.score).toBe(gen.structuredContent.validation.score);
    const read = (await client.callTool({
      name: 'get_series',
      arguments: { id: gen.structuredContent.series[0]!.id, bucket: '1h' },
    })) as unknown as { structuredContent: { rows: number } };
    expect(read.structuredContent.rows).toBe(2);
    for (const s of gen.structuredContent.series) await engines.storage.delete(s.id);
  });
});
