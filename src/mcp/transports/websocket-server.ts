import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../core/logger.js';
import { ANONYMOUS_NETWORK_CALLER, authInfoOf, type Caller } from '../../core/caller.js';
import { createDnsRebindingGuard } from './dns-rebinding.js';
import { type Admission, MCP_WS_SUBPROTOCOL, WebSocketServerTransport, WS_CLOSE } from './websocket.js';

/**
 * Prefix of the subprotocol that carries a bearer token (`bearer.<token>`
 * next to "mcp"), for browsers, which cannot set an Authorization header on
 * a WebSocket. The server never selects it, so the token is not echoed.
 */
export const BEARER_SUBPROTOCOL_PREFIX = 'bearer.';

export interface McpWebSocketOptions {
  /** URL path that accepts upgrades. Default "/ws". */
  path?: string;
  /** Builds the MCP server for one connection (for the caller that opened it); each connection gets its own. */
  createServer: (caller: Caller) => McpServer | Promise<McpServer>;
  /**
   * Checks the upgrade request's credentials: a caller, or a refusal whose
   * status and headers (a Bearer challenge) are sent back. Absent: every
   * connection is an anonymous network caller.
   */
  authenticate?: (request: IncomingMessage) => Promise<UpgradeAuth>;
  /** Most concurrent connections of one subject; more are refused with HTTP 429. Default 20. */
  maxConnectionsPerSubject?: number;
  /** Extra Origins allowed besides loopback ones (requests without Origin are allowed). */
  allowedOrigins?: readonly string[];
  /** Extra Host values allowed besides loopback ones. */
  allowedHosts?: readonly string[];
  logger: Logger;
  /** Largest accepted frame in bytes; bigger frames close the socket with 1009. Default 16 MiB. */
  maxPayload?: number;
  /** Most concurrent connections; more are refused with HTTP 503. Default 100. */
  maxConnections?: number;
  /** Ping interval used to drop dead peers (no pong by the next ping). 0 disables. Default 30000 ms. */
  pingIntervalMs?: number;
  /** Asked before each message of a connection is handled: the rate limit of its caller (or address). */
  admitMessage?: (caller: Caller, request: IncomingMessage) => Promise<Admission>;
}

/** Handle on the WebSocket endpoint. */
export interface McpWebSocketHandle {
  /** Number of open MCP sessions. */
  readonly size: number;
  /** Close every session (1001 going away) and stop accepting upgrades. */
  close(): Promise<void>;
}

/** The outcome of authenticating an upgrade. */
export type UpgradeAuth =
  | { ok: true; caller: Caller }
  | { ok: false; status: number; reason: string; headers?: Record<string, string> };

interface Session {
  subject: string;
  socket: WebSocket;
  transport: WebSocketServerTransport;
  server?: McpServer;
  alive: boolean;
}

const DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024;

/**
 * Serve MCP over WebSocket on an existing HTTP server: upgrades on `path` that
 * ask for the "mcp" subprotocol and pass the Host/Origin checks get their own
 * McpServer, closed when the socket closes. Other upgrade paths are left to
 * other listeners (or refused when there are none).
 */
export function attachMcpWebSocket(httpServer: HttpServer, options: McpWebSocketOptions): McpWebSocketHandle {
  const path = options.path ?? '/ws';
  const logger = options.logger;
  const maxConnections = options.maxConnections ?? 100;
  const maxPerSubject = options.maxConnectionsPerSubject ?? 20;
  const guard = createDnsRebindingGuard(options);
  const sessions = new Set<Session>();
  let closing = false;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    handleProtocols: (protocols) => (protocols.has(MCP_WS_SUBPROTOCOL) ? MCP_WS_SUBPROTOCOL : false),
  });

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (pathOf(request) !== path) {
      // Another listener may own this path; refuse only when nobody else does.
      if (httpServer.listenerCount('upgrade') === 1) refuse(socket, 404, 'Not Found');
      return;
    }
    const denied = guard.check({ host: request.headers.host, origin: request.headers.origin });
    if (denied) {
      logger.warn({ path, reason: denied }, 'refused WebSocket upgrade');
      refuse(socket, 403, 'Forbidden', denied);
      return;
    }
    const protocols = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!protocols.includes(MCP_WS_SUBPROTOCOL)) {
      refuse(socket, 400, 'Bad Request', `WebSocket subprotocol "${MCP_WS_SUBPROTOCOL}" is required`);
      return;
    }
    if (closing) {
      refuse(socket, 503, 'Service Unavailable', 'server is shutting down');
      return;
    }
    if (sessions.size >= maxConnections) {
      refuse(socket, 503, 'Service Unavailable', `too many WebSocket sessions (limit ${maxConnections})`);
      return;
    }
    void authenticateThenUpgrade(request, socket, head);
  };

  async function authenticateThenUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    let outcome: UpgradeAuth = { ok: true, caller: ANONYMOUS_NETWORK_CALLER };
    try {
      if (options.authenticate) outcome = await options.authenticate(request);
    } catch (error) {
      logger.error({ err: error }, 'could not check the credentials of a WebSocket upgrade');
      outcome = { ok: false, status: 503, reason: 'credentials cannot be checked right now' };
    }
    if (!outcome.ok) {
      refuse(socket, outcome.status, STATUS_TEXT[outcome.status] ?? 'Refused', outcome.reason, outcome.headers);
      return;
    }
    const caller = outcome.caller;
    let own = 0;
    for (const s of sessions) if (s.subject === caller.subject) own++;
    if (own >= maxPerSubject) {
      refuse(socket, 429, 'Too Many Requests', `too many WebSocket sessions for this client (limit ${maxPerSubject})`, {
        'Retry-After': '30',
      });
      return;
    }
    if (closing || socket.destroyed) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      void open(ws, request, caller);
    });
  }

  async function open(socket: WebSocket, request: IncomingMessage, caller: Caller): Promise<void> {
    const admit = options.admitMessage;
    const transport = new WebSocketServerTransport(socket, {
      headers: withoutCredentials(request.headers),
      authInfo: authInfoOf(caller),
      ...(admit ? { admit: () => admit(caller, request) } : {}),
    });
    const session: Session = { subject: caller.subject, socket, transport, alive: true };
    sessions.add(session);
    // a connection lives no longer than its token: at expiry it is closed, and the client reconnects with a fresh one
    let expiry: NodeJS.Timeout | undefined;
    const expireAt = caller.expiresAt;
    if (expireAt !== undefined) {
      const arm = () => {
        const left = expireAt - Date.now();
        if (left <= 0) {
          socket.close(WS_CLOSE.tokenExpired, 'token expired; reconnect with a fresh token');
          return;
        }
        expiry = setTimeout(arm, Math.min(left, 2 ** 31 - 1));
        expiry.unref();
      };
      arm();
      socket.once('close', () => clearTimeout(expiry));
    }
    socket.on('pong', () => {
      session.alive = true;
    });
    transport.onerror = (error) =>
      logger.debug({ session: transport.sessionId, err: error.message }, 'WebSocket MCP error');
    transport.onclose = () => {
      sessions.delete(session);
      logger.debug({ session: transport.sessionId }, 'WebSocket MCP session closed');
    };
    try {
      session.server = await options.createServer(caller);
      await session.server.connect(transport);
      logger.debug({ session: transport.sessionId }, 'WebSocket MCP session opened');
    } catch (error) {
      logger.error({ err: error }, 'could not start an MCP session for a WebSocket connection');
      sessions.delete(session);
      socket.close(WS_CLOSE.tryAgainLater, 'server could not start a session');
    }
  }

  const pingIntervalMs = options.pingIntervalMs ?? 30_000;
  const pinger =
    pingIntervalMs > 0
      ? setInterval(() => {
          for (const session of sessions) {
            if (!session.alive) {
              session.socket.terminate();
              continue;
            }
            session.alive = false;
            session.socket.ping();
          }
        }, pingIntervalMs)
      : undefined;
  pinger?.unref();

  httpServer.on('upgrade', onUpgrade);

  return {
    get size() {
      return sessions.size;
    },
    async close() {
      closing = true;
      if (pinger) clearInterval(pinger);
      httpServer.off('upgrade', onUpgrade);
      const closes = [...sessions].map(async (session) => {
        session.socket.close(WS_CLOSE.goingAway, 'server shutting down');
        if (session.server) await session.server.close();
        else await session.transport.close();
      });
      await Promise.allSettled(closes);
      sessions.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** The upgrade headers as handlers see them: without the Authorization header or a bearer subprotocol. */
function withoutCredentials(headers: IncomingMessage['headers']): IncomingMessage['headers'] {
  const { authorization: _a, 'sec-websocket-protocol': protocols, ...rest } = headers;
  const kept = (protocols ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p && !p.startsWith(BEARER_SUBPROTOCOL_PREFIX));
  return kept.length ? { ...rest, 'sec-websocket-protocol': kept.join(', ') } : rest;
}

/**
 * The bearer token of an upgrade request: from the Authorization header, or
 * from one `bearer.<token>` subprotocol. Both at once, or two subprotocol
 * tokens, are refused (one credential per request).
 */
export function upgradeCredential(
  authorization: string | undefined,
  protocolsHeader: string | undefined,
): { ok: true; authorization: string | undefined } | { ok: false; reason: string } {
  const tokens = (protocolsHeader ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.startsWith(BEARER_SUBPROTOCOL_PREFIX))
    .map((p) => p.slice(BEARER_SUBPROTOCOL_PREFIX.length));
  if (tokens.length === 0) return { ok: true, authorization };
  if (tokens.length > 1 || authorization !== undefined)
    return { ok: false, reason: 'Send one credential: an Authorization header or one bearer.<token> subprotocol.' };
  if (!tokens[0]) return { ok: false, reason: 'The bearer.<token> subprotocol carries no token.' };
  return { ok: true, authorization: `Bearer ${tokens[0]}` };
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Answer a refused upgrade with a plain HTTP response and drop the socket. */
function refuse(
  socket: Duplex,
  status: number,
  statusText: string,
  detail?: string,
  headers: Record<string, string> = {},
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = detail ?? statusText;
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, ' ')}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\n${extra}Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};
