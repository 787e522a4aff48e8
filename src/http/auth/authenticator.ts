import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { type Caller, ANONYMOUS_NETWORK_CALLER } from '../../core/caller.js';
import type { TsiotConfig } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import { isScope } from '../../registry/scopes.js';
import { type ApiKeyStore, looksLikeApiKey, TENANT_PATTERN } from './api-keys.js';

/** Issuer of the development tokens `tsiot token` mints. */
export const DEV_ISSUER = 'urn:tsiot:dev';

/** Signature algorithms accepted from an authorization server: asymmetric only ("none" and HMAC never). */
const ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

export type AuthOutcome =
  | { ok: true; caller: Caller }
  | {
      ok: false;
      /** 400 for a malformed request, 401 for missing or bad credentials. */
      status: 400 | 401;
      /** RFC 6750 error code; absent when no credentials were sent at all. */
      error?: 'invalid_request' | 'invalid_token';
      /** Safe to show the caller: never the token. */
      description: string;
    };

export interface AuthenticatorOptions {
  auth: TsiotConfig['auth'];
  /** Accepted "aud" values: the resource URLs this server answers for. Read per request (the port may be known late). */
  audiences: () => readonly string[];
  apiKeys?: ApiKeyStore;
  /** Whether credentials are required: authentication is on. */
  required: boolean;
  /** After fetching the JWKS, how long before a token with an unknown key id may fetch it again. Default 30 s. */
  jwksCooldownMs?: number;
  logger: Logger;
}

/**
 * Turns an Authorization header into a Caller. tsiot is an OAuth 2.1
 * resource server: Bearer JWTs from the configured issuer, verified with
 * jose against its JWKS (fetched and cached: a JWKS URL that is down answers
 * 401, and keys fetched before keep serving) or configured public keys, with
 * issuer, audience (RFC 8707) and expiry checked; HS256 development tokens
 * when a development secret is configured; and tsiot API keys. The token is
 * used here only: it is never handed on to a backend or written to a log.
 */
/** The outcome of every call while credentials are not required (never changed by a caller). */
const ANONYMOUS: AuthOutcome = Object.freeze({ ok: true, caller: ANONYMOUS_NETWORK_CALLER });

export class Authenticator {
  readonly required: boolean;
  private readonly keys?: JWTVerifyGetKey;
  private readonly devKey?: Uint8Array;

  constructor(private readonly options: AuthenticatorOptions) {
    this.required = options.required;
    const { auth } = options;
    if (auth.jwksUrl)
      this.keys = createRemoteJWKSet(new URL(auth.jwksUrl), {
        timeoutDuration: 5_000,
        cooldownDuration: options.jwksCooldownMs ?? 30_000,
      });
    else if (auth.publicKeys.length) this.keys = createLocalJWKSet({ keys: auth.publicKeys as JWK[] });
    if (auth.devSecret) this.devKey = new TextEncoder().encode(auth.devSecret);
  }

  /** Whether this server can check any credential at all (an issuer, a development secret or API keys). */
  static configured(auth: TsiotConfig['auth']): boolean {
    return Boolean(auth.issuer || auth.devSecret);
  }

  async authenticate(request: { authorization: string | null | undefined; url: string }): Promise<AuthOutcome> {
    // without a "?" there is no query string to parse (most calls)
    const query = request.url.includes('?') ? new URL(request.url, 'http://localhost').searchParams : undefined;
    if (query && (query.has('access_token') || query.has('api_key') || query.has('token')))
      return refuse(
        400,
        'invalid_request',
        'Tokens in the query string are refused (they end up in logs); send "Authorization: Bearer <token>".',
      );
    const header = request.authorization;
    if (header === null || header === undefined || header === '') {
      if (!this.required) return ANONYMOUS;
      return { ok: false, status: 401, description: 'This server needs an access token or API key.' };
    }
    const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    if (!m)
      return refuse(
        400,
        'invalid_request',
        header.includes(',')
          ? 'Send one Authorization header with one credential.'
          : 'The Authorization header must be "Bearer <token>".',
      );
    if (!this.required) return ANONYMOUS;
    const token = m[1]!;
    if (looksLikeApiKey(token)) return this.apiKey(token);
    return this.jwt(token);
  }

  private async apiKey(token: string): Promise<AuthOutcome> {
    const info = this.options.apiKeys ? await this.options.apiKeys.verify(token) : undefined;
    if (!info) return refuse(401, 'invalid_token', 'The API key is unknown or revoked.');
    return {
      ok: true,
      caller: { origin: 'network', subject: `key:${info.id}`, tenant: info.tenant, scopes: new Set(info.scopes) },
    };
  }

  private async jwt(token: string): Promise<AuthOutcome> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return refuse(401, 'invalid_token', 'The token is not a JWT or tsiot API key.');
    }
    const audience = [...this.options.audiences()];
    let payload: JWTPayload;
    try {
      if (alg === 'HS256' && this.devKey) {
        ({ payload } = await jwtVerify(token, this.devKey, {
          algorithms: ['HS256'],
          issuer: DEV_ISSUER,
          audience,
          requiredClaims: ['exp', 'sub'],
          clockTolerance: 5,
        }));
      } else {
        const { issuer } = this.options.auth;
        if (!issuer || !this.keys) return refuse(401, 'invalid_token', 'This server accepts no such token.');
        ({ payload } = await jwtVerify(token, this.keys, {
          algorithms: ASYMMETRIC,
          issuer,
          audience,
          requiredClaims: ['exp', 'sub'],
          clockTolerance: 5,
        }));
      }
    } catch (error) {
      return refuse(401, 'invalid_token', this.reason(error));
    }
    const tenantClaim = this.options.auth.tenantClaim;
    const tenant = payload[tenantClaim];
    if (typeof tenant !== 'string' || !TENANT_PATTERN.test(tenant))
      return refuse(401, 'invalid_token', `The token's "${tenantClaim}" claim does not name a tenant.`);
    const subject = String(payload.sub);
    return {
      ok: true,
      caller: {
        origin: 'network',
        subject,
        tenant,
        scopes: scopesOf(payload),
        ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}),
      },
    };
  }

  /** Why a token was refused, in words safe to send back (jose's messages name claims, never values). */
  private reason(error: unknown): string {
    if (error instanceof errors.JWTExpired) return 'The token has expired.';
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === 'nbf') return 'The token is not valid yet.';
      if (error.claim === 'iss') return 'The token was issued by another authorization server.';
      if (error.claim === 'aud') return 'The token was issued for another resource (audience).';
      return `The token's "${error.claim}" claim is missing or invalid.`;
    }
    if (error instanceof errors.JOSEAlgNotAllowed) return 'The token is signed with an algorithm this server refuses.';
    if (error instanceof errors.JWSSignatureVerificationFailed) return 'The token signature does not verify.';
    if (error instanceof errors.JWKSNoMatchingKey) return 'No key of the authorization server matches the token.';
    if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || isFetchFailure(error)) {
      this.options.logger.warn(
        { err: (error as Error).message },
        "could not fetch the authorization server's keys; refusing tokens until they can be read",
      );
      return "The authorization server's keys cannot be fetched right now; retry later.";
    }
    if (error instanceof errors.JOSEError) return 'The token is malformed or cannot be verified.';
    this.options.logger.error({ err: error }, 'token verification failed unexpectedly');
    return 'The token cannot be verified.';
  }
}

function isFetchFailure(error: unknown): boolean {
  return error instanceof TypeError || (error instanceof Error && /fetch|ECONNREFUSED|network/i.test(error.message));
}

function refuse(
  status: 400 | 401,
  error: 'invalid_request' | 'invalid_token',
  description: string,
): Extract<AuthOutcome, { ok: false }> {
  return { ok: false, status, error, description };
}

/** Scopes from "scope" (space-separated, RFC 8693/9068) or "scp" (an array, as some servers send); unknown ones dropped. */
function scopesOf(payload: JWTPayload): Set<string> {
  const raw = payload.scope ?? payload.scp;
  const list = typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw.map(String) : [];
  return new Set(list.filter(isScope));
}
