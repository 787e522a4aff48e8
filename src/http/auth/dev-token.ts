import { SignJWT } from 'jose';
import type { TsiotConfig } from '../../core/config.js';
import { TsiotError } from '../../core/errors.js';
import { parseDuration } from '../../core/time.js';
import { isScope, SCOPE_NAMES } from '../../registry/scopes.js';
import { TENANT_PATTERN } from './api-keys.js';
import { DEV_ISSUER } from './authenticator.js';

const MAX_TTL_MS = 24 * 3600_000;

export interface DevTokenOptions {
  subject: string;
  tenant?: string;
  scopes: readonly string[];
  /** The resource the token is for; default the public URL, else the configured loopback address. */
  audience?: string;
  /** Lifetime, e.g. "1h". */
  ttl: string;
}

/** A short-lived HS256 token for development, signed with the configured development secret. */
export async function mintDevToken(config: TsiotConfig, options: DevTokenOptions): Promise<string> {
  const secret = config.auth.devSecret;
  if (!secret)
    throw new TsiotError('invalid_input', 'TSIOT_DEV_SECRET: set a development secret (32+ characters) first', {
      details: { field: 'auth.devSecret', example: 'export TSIOT_DEV_SECRET=$(openssl rand -hex 32)' },
      hint: 'The server must run with the same TSIOT_DEV_SECRET to accept the token.',
    });
  const unknown = options.scopes.filter((s) => !isScope(s));
  if (unknown.length || options.scopes.length === 0)
    throw new TsiotError('invalid_input', `--scopes: give scopes among ${SCOPE_NAMES.join(', ')}`, {
      details: { field: 'scopes', unknown, example: 'series:read,models' },
    });
  const tenant = options.tenant ?? options.subject;
  if (!TENANT_PATTERN.test(tenant) || !TENANT_PATTERN.test(options.subject))
    throw new TsiotError('invalid_input', '--subject/--tenant: letters, digits and . _ : @ | - only, e.g. "alice"', {
      details: { field: 'subject' },
    });
  const ttlMs = parseDuration(options.ttl, 'ttl');
  if (ttlMs <= 0 || ttlMs > MAX_TTL_MS)
    throw new TsiotError('invalid_input', '--ttl: between 1s and 24h, e.g. "1h"', { details: { field: 'ttl' } });
  const audience =
    options.audience ?? config.http.publicUrl ?? `http://${config.http.host}:${config.http.port || 8080}`;
  const claims: Record<string, unknown> = { scope: [...new Set(options.scopes)].join(' ') };
  if (config.auth.tenantClaim !== 'sub') claims[config.auth.tenantClaim] = tenant;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(DEV_ISSUER)
    .setSubject(options.subject)
    .setAudience(audience.replace(/\/+$/, ''))
    .setIssuedAt()
    .setExpirationTime(Math.floor((Date.now() + ttlMs) / 1000))
    .sign(new TextEncoder().encode(secret));
}
