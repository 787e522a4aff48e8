import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Caller } from '../core/caller.js';
import { ConfigSchema, type TsiotConfig } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { toolScope } from '../registry/scopes.js';
import type { ApiKeyStore } from './auth/api-keys.js';
import { Authenticator } from './auth/authenticator.js';
import type { HttpAuth } from './auth/index.js';
import { challenge } from './auth/metadata.js';
import { authMode, reachableAddresses } from './auth/mode.js';
import { createRateLimits } from './limits.js';
import type { Engines } from '../engines/engines.js';
import { attachMcpWebSocket, upgradeCredential } from '../mcp/transports/websocket-server.js';
import type { AnyTool } from '../registry/tool.js';
import { createHttpApp } from './app.js';
import { trackConnections } from './connections.js';
import { createMcpHttpHandler } from './mcp-http.js';
import { metricsAccess } from './metrics-route.js';

export interface HttpServerOptions {
  engines: Engines;
  tools: readonly AnyTool[];
  /** Builds one MCP server per session (Streamable HTTP) or connection (WebSocket), for the caller that opens it. */
  createMcpServer: (caller: Caller, transport: 'streamable-http' | 'websocket') => McpServer | Promise<McpServer>;
  /**
   * Authentication settings and the API keys to accept. Whether credentials
   * are required follows auth/mode.ts: once anything is configured, and always
   * beyond loopback (where nothing configured refuses to start).
   */
  auth?: { config: TsiotConfig['auth']; apiKeys?: ApiKeyStore; publicUrl?: string };
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
  /** Streamable HTTP sessions idle this long are closed. Default 10 min. */
  sessionIdleTimeoutMs?: number;
  /** Most concurrent MCP sessions per transport (HTTP and WebSocket each); idle HTTP sessions make room. Default 1000. */
  maxSessions?: number;
  /** Most concurrent MCP sessions of one subject per transport. Default 20. */
  maxSessionsPerSubject?: number;
  /** How long close() lets in-flight requests finish before dropping connections. Default 5000 ms. */
  shutdownGraceMs?: number;
  /** Rate limits and the timeouts that keep slow clients from holding the server (defaults: see config). */
  limits?: Partial<TsiotConfig['http']['limits']>;
  /** Share rate-limit counters through this Redis. */
  rateLimitRedisUrl?: string;
  /** Key prefix of the rate-limit counters in Redis. Default "tsiot:rl". */
  rateLimitRedisPrefix?: string;
  /** Browser origins allowed by CORS (also allowed by the Origin check). */
  corsOrigins?: readonly string[];
  /** Serve HTTPS with this PEM certificate chain and key. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** metrics.open of the configuration: undefined = open only while bound to loopback. */
  metricsOpen?: boolean;
}

export interface RunningHttpServer {
  /** Base URL, e.g. "http://127.0.0.1:8080". */
  url: string;
  port: number;
  /** Every address the server can be reached at (each interface when bound to a wildcard). */
  addresses: string[];
  /** Whether requests need credentials. */
  authenticated: boolean;
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
  const allowedOrigins = [...(options.allowedOrigins ?? []), ...(options.corsOrigins ?? [])];
  const limits = ConfigSchema.shape.http.parse({}).limits;
  Object.assign(limits, options.limits ?? {});
  const authConfig = options.auth?.config ?? ConfigSchema.shape.auth.parse(undefined);
  const apiKeys = options.auth?.apiKeys;
  const mode = authMode(authConfig, host, apiKeys ? await apiKeys.anyActive() : false);
  if (mode.warning) {
    logger.warn({ host }, mode.warning);
    process.stderr.write(`\n${mode.warning}\n\n`);
  }
  // known once listening (port 0 picks one); requests only arrive after that
  let url = '';
  const baseUrl = (): string => (options.auth?.publicUrl ?? url).replace(/\/+$/, '');
  const authenticator = new Authenticator({
    auth: authConfig,
    audiences: () => authConfig.audience ?? [baseUrl(), `${baseUrl()}/`, `${baseUrl()}/mcp`],
    ...(apiKeys ? { apiKeys } : {}),
    required: mode.required,
    logger,
  });
  const httpAuth: HttpAuth = {
    authenticator,
    baseUrl,
    authorizationServers: authConfig.issuer ? [authConfig.issuer] : [],
  };
  const rateLimits = createRateLimits(
    {
      perSubject: limits.requestsPerSubject,
      perIp: limits.requestsPerIp,
      windowSeconds: limits.windowSeconds,
      ...(options.rateLimitRedisUrl ? { redisUrl: options.rateLimitRedisUrl } : {}),
      ...(options.rateLimitRedisPrefix ? { prefix: options.rateLimitRedisPrefix } : {}),
    },
    logger,
  );
  const scopeByTool = new Map(options.tools.map((t) => [t.name, toolScope(t)]));

  const mcp = createMcpHttpHandler({
    createServer: (caller) => options.createMcpServer(caller, 'streamable-http'),
    logger,
    allowedOrigins,
    allowedHosts,
    sessionIdleTimeoutMs: options.sessionIdleTimeoutMs,
    maxSessions: options.maxSessions,
    maxSessionsPerSubject: options.maxSessionsPerSubject,
    maxBodyBytes: options.maxBodyBytes ?? limits.maxBodyBytes,
    requiredScope: (message) => messageScope(message, scopeByTool),
    scopeChallenge: (scope) =>
      challenge(baseUrl(), '/mcp', {
        error: 'insufficient_scope',
        description: `This request needs the scope "${scope}"`,
        scope,
      }),
  });
  const app = createHttpApp({
    engines: options.engines,
    tools: options.tools,
    mcp,
    version: options.version ?? '0.0.0',
    logger,
    allowedOrigins,
    allowedHosts,
    maxBodyBytes: options.maxBodyBytes ?? limits.maxBodyBytes,
    auth: httpAuth,
    rateLimits,
    ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
    metricsAccess: metricsAccess(options.metricsOpen, host),
  });
  // node-server's own Request and Response (the default): a JSON answer is written with its headers in one
  // write, where the global Response would be read back through a web stream first (a third of a small call)
  const listener = getRequestListener(app.fetch);
  // slow clients cannot hold sockets: headers and whole requests have deadlines, checked every second
  const serverOptions = {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: 1_000,
  };
  const server: Server = options.tls
    ? createHttpsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, listener)
    : createServer(serverOptions, listener);
  server.keepAliveTimeout = 5_000;
  const connections = trackConnections(server);
  const ws = attachMcpWebSocket(server, {
    path: '/ws',
    createServer: (caller) => options.createMcpServer(caller, 'websocket'),
    logger,
    allowedOrigins,
    allowedHosts,
    maxConnections: options.maxSessions,
    maxConnectionsPerSubject: options.maxSessionsPerSubject,
    admitMessage: (caller, request) =>
      caller.subject === 'anonymous'
        ? rateLimits.admit('ip', request.socket.remoteAddress ?? 'unknown')
        : rateLimits.admit('sub', caller.subject),
    authenticate: async (request) => {
      // browsers cannot set headers on a WebSocket: the token may come as a bearer.<token> subprotocol instead
      const credential = upgradeCredential(
        singleHeader(request.headers.authorization, request.rawHeaders),
        request.headers['sec-websocket-protocol'],
      );
      const outcome = credential.ok
        ? await authenticator.authenticate({ authorization: credential.authorization, url: request.url ?? '/' })
        : ({ ok: false, status: 400, error: 'invalid_request', description: credential.reason } as const);
      if (outcome.ok) return outcome;
      return {
        ok: false,
        status: outcome.status,
        reason: outcome.description,
        headers: {
          'WWW-Authenticate': challenge(baseUrl(), '/ws', {
            ...(outcome.error ? { error: outcome.error, description: outcome.description } : {}),
          }),
        },
      };
    },
  });

  try {
    await rateLimits.ready();
    await listen(server, options.port ?? 8080, host);
  } catch (error) {
    await ws.close();
    await mcp.close();
    await rateLimits.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const scheme = options.tls ? 'https' : 'http';
  url = `${scheme}://${hostEntry(WILDCARD.has(host) ? '127.0.0.1' : host)}:${port}`;
  const addresses = reachableAddresses(host, port).map((a) => a.replace(/^http:/, `${scheme}:`));
  logger.info(
    {
      address: url,
      reachableAt: addresses,
      authentication: mode.required ? 'required' : 'off',
      rest: `${url}/v1/tools`,
      mcp: `${url}/mcp`,
      ws: `${url.replace('http', 'ws')}/ws`,
    },
    'tsiot HTTP server listening',
  );

  const graceMs = options.shutdownGraceMs ?? 5_000;
  const shutdown = async (): Promise<void> => {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.allSettled([ws.close(), mcp.close(), rateLimits.close()]);
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
    addresses,
    authenticated: mode.required,
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

/** The scope a JSON-RPC message needs: its tool's for tools/call, read access for resources. */
function messageScope(message: unknown, scopeByTool: ReadonlyMap<string, string>): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { method, params } = message as { method?: unknown; params?: { name?: unknown; uri?: unknown } };
  if (method === 'tools/call' && typeof params?.name === 'string') return scopeByTool.get(params.name);
  if (method === 'resources/read' || method === 'resources/subscribe') {
    const uri = typeof params?.uri === 'string' ? params.uri : '';
    if (uri.startsWith('tsiot://jobs')) return 'jobs';
    if (uri.startsWith('tsiot://models')) return 'models';
    return 'series:read';
  }
  return undefined;
}

/**
 * The Authorization header of an upgrade as sent: Node keeps only the first
 * of duplicate Authorization headers, so duplicates are joined here to be
 * refused like any malformed header.
 */
function singleHeader(value: string | undefined, raw: readonly string[]): string | undefined {
  const all: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'authorization') all.push(raw[i + 1]!);
  return all.length > 1 ? all.join(', ') : value;
}
