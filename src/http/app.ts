import { type Context, Hono } from 'hono';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { isTsiotError, TsiotError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Engines } from '../engines/engines.js';
import { type AnyTool, fullDescription } from '../registry/tool.js';
import { createDnsRebindingGuard } from '../mcp/transports/dns-rebinding.js';
import { authMiddleware, callerOf, type HttpAuth } from './auth/index.js';
import { challenge, METADATA_PATH, protectedResourceMetadata } from './auth/metadata.js';
import { scopeEngines } from '../engines/tenancy/index.js';
import { toJsonSchema } from './json-schema.js';
import type { RateLimits } from './limits.js';
import { DEFAULT_MAX_BODY_BYTES } from './json-body.js';
import { DASHBOARD_CSP, isDashboardPath, mountDashboard } from './dashboard.js';
import { mountExports } from './exports-route.js';
import { mountJobEvents } from './job-events.js';
import type { McpHttpHandler } from './mcp-http.js';
import { type MetricsAccess, mountMetrics } from './metrics-route.js';
import { observeRequests } from './observe.js';
import { buildOpenApi } from './openapi.js';
import { problemResponse, toProblem } from './problem.js';
import { readiness } from './readiness.js';
import { mountToolRoutes, toolPath } from './tool-routes.js';

export interface HttpAppOptions {
  engines: Engines;
  tools: readonly AnyTool[];
  /** The Streamable HTTP endpoint, served at /mcp when given. */
  mcp?: McpHttpHandler;
  /** Reported by /healthz and in the OpenAPI document. */
  version: string;
  logger: Logger;
  /** Extra Origins allowed besides loopback ones and the server's own. */
  allowedOrigins?: readonly string[];
  /** Extra Host values allowed besides loopback ones. */
  allowedHosts?: readonly string[];
  /** Largest JSON body in bytes (413 above). Default 32 MiB. */
  maxBodyBytes?: number;
  /** How long /readyz waits for the storage health check. Default 5000 ms. */
  readyTimeoutMs?: number;
  /** Authentication: every route but the probes and the OAuth metadata needs credentials. */
  auth?: HttpAuth;
  /** Rate limits per client address (before authentication) and per subject (after). */
  rateLimits?: RateLimits;
  /** Browser origins allowed by CORS; none by default (no CORS headers at all). */
  corsOrigins?: readonly string[];
  /** Who may read /metrics. Default: callers authenticated with the "metrics" scope only. */
  metricsAccess?: MetricsAccess;
}

/** Paths any Host may reach: probes from orchestrators use the pod address. */
const UNGUARDED = new Set(['/healthz', '/readyz']);

/**
 * The REST API as a Hono app, built from the tool registry:
 *
 * - `POST /v1/tools/:name` (JSON body = tool input) and each tool's readable routes → `{ result, summary }`
 * - `GET /v1/tools` (catalogue with JSON Schemas), `GET /openapi.json` (OpenAPI 3.1)
 * - `GET /healthz` (alive), `GET /readyz` (storage health: 200 or 503), `GET /metrics` (Prometheus)
 * - `GET /v1/jobs/events` (Server-Sent Events feed of job events, job-events.ts)
 * - `GET /v1/exports`, `GET|DELETE /v1/exports/{name}`: the caller's tenant's export files (exports-route.ts)
 * - `/mcp` (MCP Streamable HTTP) when `mcp` is given
 * - `/` the web dashboard (dashboard.ts)
 *
 * Errors are RFC 9457 problem documents. Host and Origin are checked on every
 * route but the probes (DNS rebinding protection).
 */
export function createHttpApp(options: HttpAppOptions): Hono {
  const { engines, tools, logger, version } = options;
  const guard = createDnsRebindingGuard(options);
  const app = new Hono();
  const startedAt = Date.now();
  const metricsPolicy = options.metricsAccess ?? { open: false, checkHost: true };

  app.use('*', observeRequests({ logger, metrics: engines.metrics }));

  // an API answering JSON: no sniffing, no framing, no referrer, nothing cached by shared caches
  // (the dashboard's pages get their own policy: scripts, styles and images from this server)
  const common = { crossOriginResourcePolicy: 'same-origin', referrerPolicy: 'no-referrer' } as const;
  const apiHeaders = secureHeaders({
    ...common,
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  });
  const pageHeaders = secureHeaders({ ...common, contentSecurityPolicy: DASHBOARD_CSP });
  app.use('*', (c, next) => (isDashboardPath(c.req.path) ? pageHeaders : apiHeaders)(c, next));
  if (options.corsOrigins?.length) {
    app.use(
      '*',
      cors({
        origin: [...options.corsOrigins],
        allowHeaders: ['Authorization', 'Content-Type', 'Mcp-Session-Id', 'Mcp-Protocol-Version', 'Last-Event-ID'],
        exposeHeaders: [
          'WWW-Authenticate',
          'Mcp-Session-Id',
          'Retry-After',
          'RateLimit-Limit',
          'RateLimit-Remaining',
          'RateLimit-Reset',
        ],
        allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
        maxAge: 600,
      }),
    );
  }

  app.use('*', async (c, next) => {
    if (UNGUARDED.has(c.req.path) || c.req.path === '/mcp') return next();
    if (c.req.path === '/metrics' && !metricsPolicy.checkHost) return next();
    const denied = guard.check({
      host: c.req.header('host') ?? new URL(c.req.url).host,
      origin: c.req.header('origin'),
    });
    if (!denied) return next();
    logger.warn({ path: c.req.path, reason: denied }, 'refused HTTP request');
    return problemResponse(
      toProblem(
        new TsiotError('forbidden', `Forbidden: ${denied}`, {
          hint: 'Add the host or origin to http.allowedHosts / http.allowedOrigins in the configuration.',
        }),
        c.req.path,
      ),
    );
  });

  if (options.rateLimits) app.use('*', options.rateLimits.byIp);
  const auth = options.auth;
  if (auth) {
    const authenticate = authMiddleware(auth, logger);
    // an open /metrics (a scraper on a private network) is the one route policy exempts from credentials
    app.use('*', (c, next) => (metricsPolicy.open && c.req.path === '/metrics' ? next() : authenticate(c, next)));
    if (options.rateLimits) app.use('*', options.rateLimits.bySubject);
    const metadata = (c: Context) =>
      c.json(protectedResourceMetadata(auth.baseUrl(), c.req.path, auth.authorizationServers));
    app.get(METADATA_PATH, metadata);
    app.get(`${METADATA_PATH}/mcp`, metadata);
  }

  app.get('/healthz', (c) =>
    c.json({ status: 'ok', version, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) }),
  );

  app.get('/readyz', async (c) => {
    const ready = await readiness(engines, logger, options.readyTimeoutMs ?? 5_000);
    return c.json(ready, ready.ready ? 200 : 503);
  });

  const catalogue = {
    tools: tools.map((tool) => ({
      name: tool.name,
      title: tool.title,
      description: fullDescription(tool),
      ...(tool.annotations ? { annotations: tool.annotations } : {}),
      inputSchema: toJsonSchema(tool.inputSchema, 'input'),
      outputSchema: toJsonSchema(tool.outputSchema, 'output'),
      routes: [{ method: 'POST', path: toolPath(tool.name) }, ...(tool.routes ?? [])],
    })),
  };
  app.get('/v1/tools', (c) => c.json(catalogue));
  mountDashboard(app);

  mountMetrics(app, engines.metrics, metricsPolicy);

  const openapi = buildOpenApi(tools, { version, mcp: !!options.mcp });
  app.get('/openapi.json', (c) => c.json(openapi));

  if (options.mcp) {
    const mcp = options.mcp;
    app.all('/mcp', (c) => mcp.handle(c.req.raw, callerOf(c)));
  }

  // before the tool routes, so GET /v1/jobs/:id does not take "events" for a job id
  mountJobEvents(app, {
    events: () => engines.events,
    logger,
    ownsJob: (c) => {
      const jobs = scopeEngines(engines, callerOf(c)).jobs;
      return (jobId) =>
        jobs?.get(jobId).then(
          () => true,
          () => false,
        ) ?? Promise.resolve(false);
    },
  });

  mountExports(app, engines);

  mountToolRoutes(app, tools, { engines, logger, maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES });

  app.notFound((c) =>
    problemResponse(
      toProblem(
        new TsiotError('not_found', `No route for ${c.req.method} ${c.req.path}`, {
          hint: 'GET /openapi.json describes every route.',
        }),
        c.req.path,
      ),
    ),
  );

  app.onError((error, c) => {
    const problem = toProblem(error, c.req.path);
    const scope = isTsiotError(error) ? error.details?.requiredScope : undefined;
    if (auth && typeof scope === 'string') {
      // RFC 6750 §3.1: a token that lacks a scope gets a challenge naming the one needed
      return problemResponse(problem, {
        'WWW-Authenticate': challenge(auth.baseUrl(), c.req.path, {
          error: 'insufficient_scope',
          description: problem.detail,
          scope,
        }),
      });
    }
    if (problem.status >= 500)
      logger.error({ err: error, method: c.req.method, path: c.req.path }, 'HTTP request failed');
    else logger.debug({ code: problem.code, path: c.req.path }, 'HTTP request refused');
    return problemResponse(problem);
  });

  return app;
}
