/**
 * Who is making a call, as every adapter tells the engines: the local user of
 * stdio and the CLI (trusted, on this machine), or a network client (REST,
 * Streamable HTTP, WebSocket) identified by a token or an API key — or not
 * identified at all when authentication is off on a loopback server.
 */
export interface Caller {
  /** local: stdio MCP and the CLI; network: REST, Streamable HTTP, WebSocket. */
  origin: 'local' | 'network';
  /** Stable identity: the token's subject, `key:<id>` for an API key, "local" or "anonymous". */
  subject: string;
  /** Owner of every object this caller stores; the default tenant holds objects stored before tenancy. */
  tenant: string;
  /** Granted scopes; "all" for the local user and for a server without authentication. */
  scopes: ReadonlySet<string> | 'all';
  /** When the credential stops being valid (a token's "exp"), epoch ms; absent for API keys and local callers. */
  expiresAt?: number;
}

/** The tenant of objects stored without one (embedded databases from before tenancy, the local user). */
export const DEFAULT_TENANT = 'default';

/** The local user of stdio and the CLI. */
export const LOCAL_CALLER: Caller = Object.freeze({
  origin: 'local',
  subject: 'local',
  tenant: DEFAULT_TENANT,
  scopes: 'all',
});

/** A network client of a server running without authentication (loopback only, or explicitly insecure). */
export const ANONYMOUS_NETWORK_CALLER: Caller = Object.freeze({
  origin: 'network',
  subject: 'anonymous',
  tenant: DEFAULT_TENANT,
  scopes: 'all',
});

/** Scope that grants every other one. */
export const ADMIN_SCOPE = 'admin';

export function hasScope(caller: Caller, scope: string): boolean {
  return caller.scopes === 'all' || caller.scopes.has(ADMIN_SCOPE) || caller.scopes.has(scope);
}

/**
 * The caller as MCP request handlers receive it (`extra.authInfo`), put there
 * by network transports on every message: the caller, never the token itself.
 */
export function authInfoOf(caller: Caller): {
  token: string;
  clientId: string;
  scopes: string[];
  extra: { caller: Caller };
} {
  return {
    token: '',
    clientId: caller.subject,
    scopes: caller.scopes === 'all' ? [ADMIN_SCOPE] : [...caller.scopes],
    extra: { caller },
  };
}
