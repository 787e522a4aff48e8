import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * What the one log line of a request needs to know, filled in along the way:
 * the adapter opens the scope, the tool runner names the tool and its outcome.
 */
export interface RequestScope {
  /** From a well-formed X-Request-Id, else made here. */
  id: string;
  /** stdio, streamable-http, websocket, rest, cli. */
  transport: string;
  /** The tool called, once the runner knows it. */
  tool?: string;
  /** "ok" or the error code of the tool call. */
  toolStatus?: string;
  /** The request's span, when tracing is on. */
  traceId?: string;
  spanId?: string;
}

const scopes = new AsyncLocalStorage<RequestScope>();

export function runInRequest<T>(scope: RequestScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

/** The scope of the request being served, if any. */
export function currentRequest(): RequestScope | undefined {
  return scopes.getStore();
}

/** Letters, digits and `._:-`, 1–128 characters: anything else could forge or flood log lines. */
const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's request id when well-formed, else a fresh UUID. */
export function requestIdFrom(header: string | null | undefined): string {
  return header && WELL_FORMED.test(header) ? header : randomUUID();
}
