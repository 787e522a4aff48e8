import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { startHttpServer } from '../../src/http/server.js';
import { tools } from '../../tools/index.js';
import { resources } from '../../resources/index.js';
import { prompts } from '../../prompts/index.js';
import { makeEngines } from '../helpers/engines.js';
import { installGlobalWebSocket } from '../helpers/websocket.js';
import { describeToolSuite, type Connection } from './tool-suite.js';

// Node 20 has no global WebSocket; the SDK client transport expects one.
installGlobalWebSocket();

/** A real `tsiot serve` stack on a free loopback port, and a real SDK client over `kind`. */
async function connectOver(kind: 'ws' | 'http'): Promise<Connection> {
  const engines = await makeEngines();
  const server = await startHttpServer({
    engines,
    tools,
    createMcpServer: () => createMcpServer(engines, { tools, resources, prompts }),
    host: '127.0.0.1',
    port: 0,
    logger: engines.logger,
  });
  const transport =
    kind === 'ws'
      ? new WebSocketClientTransport(new URL(`${server.url.replace(/^http/, 'ws')}/ws`))
      : new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`));
  const client = new Client({ name: `tsiot-${kind}-test`, version: '0.0.0' });
  await client.connect(transport);
  return {
    client,
    async close() {
      await client.close();
      await server.close();
      await engines.close();
    },
  };
}

describeToolSuite('WebSocket (/ws)', () => connectOver('ws'));
describeToolSuite('Streamable HTTP (/mcp)', () => connectOver('http'));
