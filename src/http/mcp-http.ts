import { randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { ErrorCode, isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { ANONYMOUS_NETWORK_CALLER, authInfoOf, type Caller, hasScope } from '../core/caller.js';
import { isTsiotError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { createDnsRebindingGuard } from '../mcp/transports/dns-rebinding.js';
import { DEFAULT_MAX_BODY_BYTES, isJsonContentType, readJsonBody } from './json-body.js';

export interface McpHttpOptions {
  /** Builds the MCP server for one session (for the caller that opens it); each session gets its own. */
  createServer: (caller: Caller) => McpServer | Promise<McpServer>;
  logger: Logger;
  /** Extra Origins allowed besides loopback ones (requests without Origin are allowed). */
  allowedOrigins?: readonly string[];
  /** Extra Host values allowed besides loopback ones. */
  allowedHosts?: readonly string[];
  /** A session with no request and no open stream for this long is closed. Default 10 min. */
  sessionIdleTimeoutMs?: number;
  /** Most concurrent sessions in all; at the cap an idle session is closed to make room, else 503. Default 1000. */
  maxSessions?: number;
  /** Most concurrent sessions of one subject; at the cap its least recently used idle session is closed, else 429. Default 20. */
  maxSessionsPerSubject?: number;
  /** The scope a JSON-RPC request needs (tools/call of a tool), checked before the session sees it. */
  requiredScope?: (message: unknown) => string | undefined;
  /** The WWW-Authenticate challenge of a request that lacks `scope`. */
  scopeChallenge?: (scope: string) => string;
  /** Largest POST body in bytes (413 above). Default 32 MiB. */
  maxBodyBytes?: number;
}

/**
 * The Streamable HTTP endpoint as a web-standard handler: mount it on any
 * path of a Hono app (`app.all('/mcp', (c) => mcp.handle(c.req.raw))`) or any
 * fetch-style server. Stateful: initialize opens a session with an
 * unguessable id and its own McpServer; later requests are routed by the
 * `mcp-session-id` header.
 */
export interface McpHttpHandler {
  /** `caller`: who sent the request (authenticated by the app); sessions belong to its subject. */
  handle(request: Request, caller?: Caller): Promise<Response>;
  /** Number of open sessions. */
  readonly sessionCount: number;
  /** Close every session (ending their SSE streams) and refuse new ones. */
  close(): Promise<void>;
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  /** The subject that opened the session: only it may use the session id. */
  subject: string;
  /** Requests being handled plus response streams still open. */
  active: number;
  /** When the session last finished a request (for eviction). */
  lastUsed: number;
  idleTimer?: NodeJS.Timeout;
}

const SESSION_HEADER = 'mcp-session-id';

export function createMcpHttpHandler(options: McpHttpOptions): McpHttpHandler {
  const logger = options.logger;
  const idleTimeoutMs = options.sessionIdleTimeoutMs ?? 10 * 60_000;
  const maxSessions = options.maxSessions ?? 1000;
  const maxPerSubject = options.maxSessionsPerSubject ?? 20;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const guard = createDnsRebindingGuard(options);
  const sessions = new Map<string, Session>();
  let starting = 0;
  let closing = false;

  function begin(session: Session): void {
    session.active++;
    if (session.idleTimer) clearTimeout(session.idleTimer);
    session.idleTimer = undefined;
  }

  function end(session: Session): void {
    session.active--;
    session.lastUsed = Date.now();
    if (session.active > 0 || !session.transport.sessionId || !sessions.has(session.transport.sessionId)) return;
    session.idleTimer = setTimeout(() => {
      logger.info({ session: session.transport.sessionId, idleMs: idleTimeoutMs }, 'closing idle MCP session');
      void closeSession(session);
    }, idleTimeoutMs);
    session.idleTimer.unref();
  }

  async function closeSession(session: Session): Promise<void> {
    try {
      await session.server.close();
    } catch (error) {
      logger.warn({ err: error }, 'error while closing an MCP session');
    }
  }

  /** Hand a request to a session's transport, keeping the session busy until its response stream ends. */
  async function delegate(session: Session, request: Request, caller: Caller, parsedBody?: unknown): Promise<Response> {
    begin(session);
    let response: Response;
    try {
      response = await session.transport.handleRequest(request, {
        authInfo: authInfoOf(caller),
        ...(parsedBody === undefined ? {} : { parsedBody }),
      });
    } catch (error) {
      end(session);
      throw error;
    }
    return onBodyDone(response, () => end(session));
  }

  /** The least recently used idle session among `candidates`, closed to make room. */
  async function evictIdle(candidates: Iterable<Session>): Promise<boolean> {
    let oldest: Session | undefined;
    for (const s of candidates) if (s.active === 0 && (!oldest || s.lastUsed < oldest.lastUsed)) oldest = s;
    if (!oldest) return false;
    logger.info(
      { session: oldest.transport.sessionId },
      'closing the least recently used idle MCP session to make room',
    );
    const id = oldest.transport.sessionId;
    if (id) sessions.delete(id);
    await closeSession(oldest);
    return true;
  }

  async function openSession(request: Request, body: unknown, caller: Caller): Promise<Response> {
    const own = [...sessions.values()].filter((s) => s.subject === caller.subject);
    if (own.length >= maxPerSubject && !(await evictIdle(own))) {
      return rpcError(
        429,
        ErrorCode.ConnectionClosed,
        `Too many MCP sessions for this client (limit ${maxPerSubject}, all busy); end unused sessions with DELETE or retry later.`,
        { 'Retry-After': '30' },
      );
    }
    if (sessions.size + starting >= maxSessions && !(await evictIdle(sessions.values()))) {
      return rpcError(
        503,
        ErrorCode.ConnectionClosed,
        `Too many MCP sessions (limit ${maxSessions}, all busy); retry later or end unused sessions with DELETE.`,
        {
          'Retry-After': '30',
        },
      );
    }
    starting++;
    try {
      let session: Session | undefined;
      const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          if (!session) return;
          sessions.set(id, session);
          logger.debug({ session: id }, 'MCP HTTP session opened');
        },
      });
      transport.onerror = (error) => logger.debug({ err: error.message }, 'MCP HTTP transport error');
      transport.onclose = () => {
        const id = transport.sessionId;
        if (session?.idleTimer) clearTimeout(session.idleTimer);
        if (id && session && sessions.get(id) === session) {
          sessions.delete(id);
          logger.debug({ session: id }, 'MCP HTTP session closed');
        }
      };
      const server = await options.createServer(caller);
      session = { transport, server, subject: caller.subject, active: 0, lastUsed: Date.now() };
      await server.connect(transport);
      const response = await delegate(session, request, caller, body);
      const id = transport.sessionId;
      if (!id || sessions.get(id) !== session || closing) await closeSession(session);
      return response;
    } finally {
      starting--;
    }
  }

  async function route(request: Request, caller: Caller): Promise<Response> {
    const denied = guard.check({
      host: request.headers.get('host') ?? new URL(request.url).host,
      origin: request.headers.get('origin'),
    });
    if (denied) {
      logger.warn({ reason: denied }, 'refused MCP HTTP request');
      return rpcError(403, ErrorCode.ConnectionClosed, `Forbidden: ${denied}`);
    }
    if (closing) return rpcError(503, ErrorCode.ConnectionClosed, 'Server is shutting down');
    const method = request.method;
    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') {
      return rpcError(405, ErrorCode.ConnectionClosed, 'Method not allowed.', { Allow: 'GET, POST, DELETE' });
    }

    const sessionId = request.headers.get(SESSION_HEADER);
    const found = sessionId ? sessions.get(sessionId) : undefined;
    // another subject's session id is answered as if it did not exist
    const session = found && found.subject === caller.subject ? found : undefined;
    if (sessionId && !session) return rpcError(404, -32001, 'Session not found');

    if (method !== 'POST') {
      if (!session) return rpcError(400, ErrorCode.ConnectionClosed, 'Bad Request: Mcp-Session-Id header is required');
      return delegate(session, request, caller);
    }

    if (!isJsonContentType(request.headers.get('content-type'))) {
      return rpcError(415, ErrorCode.ConnectionClosed, 'Unsupported Media Type: Content-Type must be application/json');
    }
    let body: unknown;
    try {
      body = await readJsonBody(request, maxBodyBytes);
    } catch (error) {
      if (isTsiotError(error) && error.code === 'too_large')
        return rpcError(413, ErrorCode.ConnectionClosed, error.message);
      if (isTsiotError(error)) return rpcError(400, ErrorCode.ParseError, `Parse error: ${error.message}`);
      throw error;
    }
    if (body === undefined) return rpcError(400, ErrorCode.ParseError, 'Parse error: the request body is empty');
    const lacking = missingScope(body, caller);
    if (lacking) {
      return rpcError(403, ErrorCode.InvalidRequest, `Forbidden: this request needs the scope "${lacking}"`, {
        ...(options.scopeChallenge ? { 'WWW-Authenticate': options.scopeChallenge(lacking) } : {}),
      });
    }
    if (session) return delegate(session, request, caller, body);
    if (isInitializeRequest(body)) return openSession(request, body, caller);
    return rpcError(
      400,
      ErrorCode.ConnectionClosed,
      'Bad Request: Mcp-Session-Id header is required (send initialize first)',
    );
  }

  /** The first scope a message (or batch) needs that the caller lacks. */
  function missingScope(body: unknown, caller: Caller): string | undefined {
    if (!options.requiredScope) return undefined;
    for (const message of Array.isArray(body) ? body : [body]) {
      const scope = options.requiredScope(message);
      if (scope && !hasScope(caller, scope)) return scope;
    }
    return undefined;
  }

  return {
    get sessionCount() {
      return sessions.size;
    },
    async handle(request, caller = ANONYMOUS_NETWORK_CALLER) {
      try {
        return await route(request, caller);
      } catch (error) {
        logger.error({ err: error }, 'MCP HTTP request failed');
        return rpcError(500, ErrorCode.InternalError, 'Internal error; the server log has details.');
      }
    },
    async close() {
      closing = true;
      const all = [...sessions.values()];
      await Promise.allSettled(all.map((session) => closeSession(session)));
      sessions.clear();
    },
  };
}

function rpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/** The same response, with `done` called once its body has been fully sent or abandoned by the client. */
function onBodyDone(response: Response, done: () => void): Response {
  if (!response.body) {
    done();
    return response;
  }
  let finished = false;
  const finish = (): void => {
    if (!finished) {
      finished = true;
      done();
    }
  };
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: ended, value } = await reader.read();
        if (ended) {
          controller.close();
          finish();
        } else {
          controller.enqueue(value);
        }
      } catch (error) {
        controller.error(error);
        finish();
      }
    },
    async cancel(reason) {
      finish();
      await reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
