import { randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { ErrorCode, isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { isTsiotError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { createDnsRebindingGuard } from '../mcp/transports/dns-rebinding.js';
import { DEFAULT_MAX_BODY_BYTES, isJsonContentType, readJsonBody } from './json-body.js';

export interface McpHttpOptions {
  /** Builds the MCP server for one session; each session gets its own. */
  createServer: () => McpServer | Promise<McpServer>;
  logger: Logger;
  /** Extra Origins allowed besides loopback ones (requests without Origin are allowed). */
  allowedOrigins?: readonly string[];
  /** Extra Host values allowed besides loopback ones. */
  allowedHosts?: readonly string[];
  /** A session with no request and no open stream for this long is closed. Default 30 min. */
  sessionIdleTimeoutMs?: number;
  /** Most concurrent sessions; initialize beyond it gets 503. Default 100. */
  maxSessions?: number;
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
  handle(request: Request): Promise<Response>;
  /** Number of open sessions. */
  readonly sessionCount: number;
  /** Close every session (ending their SSE streams) and refuse new ones. */
  close(): Promise<void>;
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  /** Requests being handled plus response streams still open. */
  active: number;
  idleTimer?: NodeJS.Timeout;
}

const SESSION_HEADER = 'mcp-session-id';

export function createMcpHttpHandler(options: McpHttpOptions): McpHttpHandler {
  const logger = options.logger;
  const idleTimeoutMs = options.sessionIdleTimeoutMs ?? 30 * 60_000;
  const maxSessions = options.maxSessions ?? 100;
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
  async function delegate(session: Session, request: Request, parsedBody?: unknown): Promise<Response> {
    begin(session);
    let response: Response;
    try {
      response = await session.transport.handleRequest(request, parsedBody === undefined ? undefined : { parsedBody });
    } catch (error) {
      end(session);
      throw error;
    }
    return onBodyDone(response, () => end(session));
  }

  async function openSession(request: Request, body: unknown): Promise<Response> {
    if (sessions.size + starting >= maxSessions) {
      return rpcError(
        503,
        ErrorCode.ConnectionClosed,
        `Too many MCP sessions (limit ${maxSessions}); retry later or end unused sessions with DELETE.`,
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
      const server = await options.createServer();
      session = { transport, server, active: 0 };
      await server.connect(transport);
      const response = await delegate(session, request, body);
      const id = transport.sessionId;
      if (!id || sessions.get(id) !== session || closing) await closeSession(session);
      return response;
    } finally {
      starting--;
    }
  }

  async function route(request: Request): Promise<Response> {
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
    const session = sessionId ? sessions.get(sessionId) : undefined;
    if (sessionId && !session) return rpcError(404, -32001, 'Session not found');

    if (method !== 'POST') {
      if (!session) return rpcError(400, ErrorCode.ConnectionClosed, 'Bad Request: Mcp-Session-Id header is required');
      return delegate(session, request);
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
    if (session) return delegate(session, request, body);
    if (isInitializeRequest(body)) return openSession(request, body);
    return rpcError(
      400,
      ErrorCode.ConnectionClosed,
      'Bad Request: Mcp-Session-Id header is required (send initialize first)',
    );
  }

  return {
    get sessionCount() {
      return sessions.size;
    },
    async handle(request) {
      try {
        return await route(request);
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
