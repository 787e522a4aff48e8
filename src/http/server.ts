import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Logger } from '../core/logger.js';
import type { Engines } from '../engines/engines.js';
import { attachMcpWebSocket } from '../mcp/transports/websocket-server.js';
import type { AnyTool } from '../registry/tool.js';
import { createHttpApp } from './app.js';
import { trackConnections } from './connections.js';
import { createMcpHttpHandler } from './mcp-http.js';
import { metricsAccess } from './metrics-route.js';

export interface HttpServerOptions {
  engines: Engines;
  tools: readonly AnyTool[];
  /** Builds one MCP server per session (Streamable HTTP) or connection (WebSocket). */
  createMcpServer: (transport: 'streamable-http' | 'websocket') => McpServer | Promise<McpServer>;
  /** Interface to bind. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Port; 0 picks a free one. Default 8080. */
  port?: number;
  logger: Logger;
  /** Reported by /healthz and OpenAPI. Default "0.0.0". */
  version?: string;
  /** Extra Origins allowed besides loopback ones (on REST, /mcp and /ws). */
  allowedOrigins?: readonly string[];
  /** Extra Host values allowed besides loopback ones and the bound address. */
  allowedHosts?: readonly string[];
  /** Largest JSON body in bytes for REST and /mcp. Default 32 MiB. */
  maxBodyBytes?: number;
  /** Streamable HTTP sessions idle this long are closed. Default 30 min. */
  sessionIdleTimeoutMs?: number;
  /** Most concurrent MCP sessions per transport (HTTP and WebSocket each). Default 100. */
  maxSessions?: number;
  /** How long close() lets in-flight requests finish before dropping connections. Default 5000 ms. */
  shutdownGraceMs?: number;
  /** metrics.open of the configuration: undefined = open only while bound to loopback. */
  metricsOpen?: boolean;
}

export interface RunningHttpServer {
  /** Base URL, e.g. "http://127.0.0.1:8080". */
  url: string;
  port: number;
  /** Close MCP sessions and WebSockets, let in-flight requests finish, then stop listening. */
  close(): Promise<void>;
}

/** Addresses that bind every interface, so they say nothing about the Host clients will use. */
const WILDCARD = new Set(['0.0.0.0', '::', '']);

/**
 * One HTTP server on one port: the REST API, MCP Streamable HTTP at /mcp and
 * MCP over WebSocket at /ws. Binds loopback unless told otherwise; a specific
 * bound address is itself an allowed Host.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { logger } = options;
  const host = options.host ?? '127.0.0.1';
  const allowedHosts = [...(options.allowedHosts ?? []), ...(WILDCARD.has(host) ? [] : [hostEntry(host)])];
  const allowedOrigins = options.allowedOrigins ?? [];

  const mcp = createMcpHttpHandler({
    createServer: () => options.createMcpServer('streamable-http'),
    logger,
    allowedOrigins,
    allowedHosts,
    sessionIdleTimeoutMs: options.sessionIdleTimeoutMs,
    maxSessions: options.maxSessions,
    maxBodyBytes: options.maxBodyBytes,
  });
  const app = createHttpApp({
    engines: options.engines,
    tools: options.tools,
    mcp,
    version: options.version ?? '0.0.0',
    logger,
    allowedOrigins,
    allowedHosts,
    maxBodyBytes: options.maxBodyBytes,
    metricsAccess: metricsAccess(options.metricsOpen, host),
  });
  const server = createServer(getRequestListener(app.fetch, { overrideGlobalObjects: false }));
  const connections = trackConnections(server);
  const ws = attachMcpWebSocket(server, {
    path: '/ws',
    createServer: () => options.createMcpServer('websocket'),
    logger,
    allowedOrigins,
    allowedHosts,
    maxConnections: options.maxSessions,
  });

  try {
    await listen(server, options.port ?? 8080, host);
  } catch (error) {
    await ws.close();
    await mcp.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${hostEntry(WILDCARD.has(host) ? '127.0.0.1' : host)}:${port}`;
  logger.info(
    { address: url, rest: `${url}/v1/tools`, mcp: `${url}/mcp`, ws: `${url.replace('http', 'ws')}/ws` },
    'tsiot HTTP server listening',
  );

  const graceMs = options.shutdownGraceMs ?? 5_000;
  const shutdown = async (): Promise<void> => {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.allSettled([ws.close(), mcp.close()]);
    connections.endIdle();
    const grace = setTimeout(() => server.closeAllConnections(), graceMs);
    grace.unref();
    await stopped;
    clearTimeout(grace);
    logger.info({ address: url }, 'tsiot HTTP server closed');
  };
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** An IPv6 literal needs brackets in a Host header and a URL. */
function hostEntry(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
