import { networkInterfaces } from 'node:os';
import type { TsiotConfig } from '../../core/config.js';
import { TsiotError } from '../../core/errors.js';

/** Hosts that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

export interface AuthMode {
  /** Credentials are required on every route but the probes and the metadata. */
  required: boolean;
  /** Said loudly at start: a server reachable from the network with no authentication. */
  warning?: string;
}

/**
 * Whether a server on `host` authenticates: always once an issuer, a
 * development secret or an API key is configured (loopback included), and
 * always beyond loopback — where a server with nothing to check credentials
 * against refuses to start, unless told `insecureNoAuth`.
 */
export function authMode(auth: TsiotConfig['auth'], host: string, hasApiKeys: boolean): AuthMode {
  const configured = Boolean(auth.issuer || auth.devSecret) || hasApiKeys;
  if (configured) return { required: true };
  if (isLoopbackHost(host)) return { required: false };
  if (auth.insecureNoAuth) {
    return {
      required: false,
      warning: `WARNING: serving ${host} WITHOUT AUTHENTICATION (--insecure-no-auth): anyone who can reach this port can read, write and delete every series, model, report and job.`,
    };
  }
  throw new TsiotError(
    'invalid_input',
    `Refusing to serve ${host} without authentication: anyone on the network could read and delete every series, model and job.`,
    {
      details: { field: 'host' },
      hint: 'Configure credentials first: `tsiot keys create --name ops --scopes admin` (same --data-dir/--storage as serve), or an OAuth issuer (TSIOT_AUTH_ISSUER + TSIOT_AUTH_JWKS_URL). Or bind 127.0.0.1; --insecure-no-auth starts anyway, for throwaway test setups only.',
    },
  );
}

/** The addresses a server bound to `host` is really reachable at (every interface for a wildcard). */
export function reachableAddresses(host: string, port: number): string[] {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  if (!wildcard) return [`http://${bracket(host)}:${port}`];
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (host === '0.0.0.0' && a.family !== 'IPv4') continue;
      out.push(`http://${bracket(a.address)}:${port}`);
    }
  }
  return out;
}

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
