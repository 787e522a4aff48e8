import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { tools } from '../../tools/index.js';
import { resources } from '../../resources/index.js';
import { prompts } from '../../prompts/index.js';
import { makeEngines } from '../helpers/engines.js';
import { describeToolSuite } from './tool-suite.js';

describeToolSuite('an in-memory pair', async () => {
  const engines = await makeEngines();
  const server = createMcpServer(engines, { tools, resources, prompts });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'tsiot-test', version: '0.0.0' });
  await client.connect(clientSide);
  return {
    client,
    async close() {
      await client.close();
      await server.close();
      await engines.close();
    },
  };
});
