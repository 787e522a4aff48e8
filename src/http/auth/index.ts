import type { Context, MiddlewareHandler } from 'hono';
import { ANONYMOUS_NETWORK_CALLER, type Caller } from '../../core/caller.js';
import type { Logger } from '../../core/logger.js';
import { TsiotError } from '../../core/errors.js';
import { problemResponse, toProblem } from '../problem.js';
import type { Authenticator } from './authenticator.js';
import { challenge, METADATA_PATH } from './metadata.js';

/** What the HTTP app needs to authenticate requests and describe itself as an OAuth protected resource. */
export interface HttpAuth {
  authenticator: Authenticator;
  /** The public base URL, without a trailing slash (known once the server listens). */
  baseUrl(): string;
  /** Authorization servers named in the metadata (the configured issuer). */
  authorizationServers: readonly string[];
}

/**
 * Routes anyone may reach: probes, the metadata that tells a client how to
 * authenticate, and the dashboard's static files (they hold no data; the page
 * asks for a token and sends it with every API call).
 */
export function isPublicPath(path: string): boolean {
  // the API's own routes, asked about on every call (three times: limits and authentication)
  if (path.startsWith('/v1/')) return false;
  return (
    path === '/healthz' ||
    path === '/readyz' ||
    path === METADATA_PATH ||
    path.startsWith(`${METADATA_PATH}/`) ||
    path === '/' ||
    /^\/dashboard\/[\w.-]+$/.test(path)
  );
}

/**
 * Authenticate every request but the public ones; the caller is kept in the
 * context as "caller". Refusals are problem documents with a Bearer
 * challenge pointing at the Protected Resource Metadata.
 */
export function authMiddleware(auth: HttpAuth, logger: Logger): MiddlewareHandler {
  return async (c, next) => {
    if (isPublicPath(c.req.path)) return next();
    const outcome = await auth.authenticator.authenticate({
      authorization: c.req.header('authorization'),
      url: c.req.url,
    });
    if (outcome.ok) {
      c.set('caller' as never, outcome.caller as never);
      return next();
    }
    logger.debug({ path: c.req.path, status: outcome.status, reason: outcome.description }, 'refused credentials');
    const response = problemResponse(
      toProblem(
        new TsiotError(outcome.status === 400 ? 'invalid_input' : 'unauthorized', outcome.description, {
          hint: `Send "Authorization: Bearer <token>": a token from ${auth.authorizationServers[0] ?? 'the configured issuer'} or a tsiot API key (tsiot keys create). ${METADATA_PATH} describes this resource.`,
        }),
        c.req.path,
      ),
    );
    response.headers.set(
      'WWW-Authenticate',
      challenge(auth.baseUrl(), c.req.path, {
        ...(outcome.error ? { error: outcome.error, description: outcome.description } : {}),
      }),
    );
    return response;
  };
}

/** The caller the auth middleware found, or the anonymous one of a server without authentication. */
export function callerOf(c: Context): Caller {
  return (c.get('caller' as never) as Caller | undefined) ?? ANONYMOUS_NETWORK_CALLER;
}
