import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { TsiotConfigInput } from '../../../src/core/config.js';
import { ConfigSchema } from '../../../src/core/config.js';
import { ApiKeyStore } from '../../../src/http/auth/api-keys.js';
import { type HttpServerOptions, type RunningHttpServer, startHttpServer } from '../../../src/http/server.js';
import { createMcpServer } from '../../../src/mcp/server.js';
import { prompts } from '../../../prompts/index.js';
import { resources } from '../../../resources/index.js';
import { tools } from '../../../tools/index.js';
import { makeEngines, type TestEngines } from '../../helpers/engines.js';
import { type JwksServer, signingKey, startJwksServer, token } from './jwks.js';

/**
 * A real `tsiot serve` HTTP server that authenticates: bearer JWTs checked
 * against a JWKS served by a real local HTTP server, and API keys kept in the
 * engines' document store. Shared by the authentication and tenancy tests.
 */
export interface ProtectedServer {
  jwks: JwksServer;
  engines: TestEngines;
  server: RunningHttpServer;
  /** A valid token for this server: `subject` with the space-separated `scope`. */
  tokenFor(subject: string, scope: string): Promise<string>;
  close(): Promise<void>;
}

export async function startProtectedServer(
  options: { config?: TsiotConfigInput; limits?: HttpServerOptions['limits'] } = {},
): Promise<ProtectedServer> {
  const jwks = await startJwksServer([await signingKey('k1')]);
  const engines = await makeEngines(options.config);
  const server = await startHttpServer({
    engines,
    tools,
    createMcpServer: (caller, transport) =>
      createMcpServer(engines, { tools, resources, prompts }, { caller, transport }),
    host: '127.0.0.1',
    port: 0,
    logger: engines.logger,
    ...(options.limits ? { limits: options.limits } : {}),
    auth: {
      config: ConfigSchema.shape.auth.parse({ issuer: jwks.issuer, jwksUrl: jwks.url }),
      apiKeys: new ApiKeyStore(engines.documents),
    },
  });
  return {
    jwks,
    engines,
    server,
    tokenFor: (subject, scope) => token(jwks.keys[0]!, { issuer: jwks.issuer, audience: server.url, subject, scope }),
    async close() {
      await server.close();
      await engines.close();
      await jwks.stop();
    },
  };
}

/** Callers by name, each with its token: REST calls and MCP clients over Streamable HTTP as that caller. */
export function callersOf<Who extends string>(server: () => RunningHttpServer, tokens: Record<Who, string>) {
  return {
    async rest(who: Who, method: string, path: string, body?: unknown) {
      const r = await fetch(`${server().url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${tokens[who]}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await r.text();
      let parsed: Record<string, any> = {};
      try {
        parsed = JSON.parse(text) as Record<string, any>;
      } catch {
        parsed = { text };
      }
      return { status: r.status, body: parsed, text };
    },
    async mcpClient(who: Who): Promise<Client> {
      const client = new Client({ name: who, version: '0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${server().url}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${tokens[who]}` } },
        }),
      );
      return client;
    },
  };
}
