import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../src/core/config.js';
import { createLogger } from '../../../src/core/logger.js';
import { ApiKeyStore } from '../../../src/http/auth/api-keys.js';
import { Authenticator, DEV_ISSUER } from '../../../src/http/auth/authenticator.js';
import { makeEngines, type TestEngines } from '../../helpers/engines.js';
import { type JwksServer, signingKey, startJwksServer, token, unsignedToken } from './jwks.js';

const AUD = 'http://127.0.0.1:9999';
const logger = createLogger('silent');
let jwks: JwksServer;
let engines: TestEngines;
let apiKeys: ApiKeyStore;
let auth: Authenticator;

function authenticator(overrides: Record<string, unknown> = {}, cooldownMs = 0): Authenticator {
  return new Authenticator({
    auth: ConfigSchema.shape.auth.parse({ issuer: jwks.issuer, jwksUrl: jwks.url, ...overrides }),
    audiences: () => [AUD, `${AUD}/mcp`],
    apiKeys,
    required: true,
    logger,
    jwksCooldownMs: cooldownMs,
  });
}
const bearer = (t: string) => ({ authorization: `Bearer ${t}`, url: '/v1/series' });

beforeAll(async () => {
  jwks = await startJwksServer([await signingKey('k1')]);
  engines = await makeEngines();
  apiKeys = new ApiKeyStore(engines.documents);
  auth = authenticator();
});
afterAll(async () => {
  await jwks.stop();
  await engines.close();
});

describe('Authenticator', () => {
  it('accepts a token of the issuer for this resource: subject, tenant and known scopes', async () => {
    const t = await token(jwks.keys[0]!, {
      issuer: jwks.issuer,
      audience: `${AUD}/mcp`,
      scope: 'series:read models bogus',
      claims: { org: 'acme' },
    });
    const out = await auth.authenticate(bearer(t));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.caller).toMatchObject({ origin: 'network', subject: 'alice', tenant: 'alice' });
    expect([...(out.caller.scopes as Set<string>)].sort()).toEqual(['models', 'series:read']);
    const byOrg = await authenticator({ tenantClaim: 'org' }).authenticate(bearer(t));
    expect(byOrg.ok && byOrg.caller.tenant).toBe('acme');
    const noOrg = await authenticator({ tenantClaim: 'tenant' }).authenticate(bearer(t));
    expect(noOrg).toMatchObject({
      ok: false,
      status: 401,
      description: 'The token\'s "tenant" claim does not name a tenant.',
    });
  });

  it.each([
    ['expired', { expiresIn: -60 }, 'The token has expired.'],
    ['not yet valid', { notBefore: 600 }, 'The token is not valid yet.'],
    [
      'from another issuer',
      { issuer: 'https://evil.example' },
      'The token was issued by another authorization server.',
    ],
    [
      'for another resource',
      { audience: 'https://other.example/mcp' },
      'The token was issued for another resource (audience).',
    ],
  ])('refuses a token %s with 401 invalid_token', async (_what, o, description) => {
    const t = await token(jwks.keys[0]!, { issuer: jwks.issuer, audience: AUD, ...o });
    expect(await auth.authenticate(bearer(t))).toEqual({ ok: false, status: 401, error: 'invalid_token', description });
  });

  it('refuses a bad signature, alg none, HS256 without a dev secret and garbage', async () => {
    const other = await signingKey('k1'); // same kid, other key: the signature cannot verify
    const forged = await token(other, { issuer: jwks.issuer, audience: AUD });
    expect(await auth.authenticate(bearer(forged))).toMatchObject({
      status: 401,
      description: 'The token signature does not verify.',
    });
    expect(await auth.authenticate(bearer(unsignedToken({ issuer: jwks.issuer, audience: AUD })))).toMatchObject({
      status: 401,
      error: 'invalid_token',
    });
    const hs = await new SignJWT({ scope: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(jwks.issuer)
      .setAudience(AUD)
      .setSubject('mallory')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('x'.repeat(32)));
    expect(await auth.authenticate(bearer(hs))).toMatchObject({ ok: false, status: 401, error: 'invalid_token' });
    expect(await auth.authenticate(bearer('not-a-token'))).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses malformed headers, several credentials and tokens in the query string with 400', async () => {
    for (const authorization of ['Basic dXNlcjpwdw==', 'Bearer', 'Bearer a b', 'Bearer a, Bearer b', 'Bearer "x"']) {
      expect(await auth.authenticate({ authorization, url: '/v1/series' })).toMatchObject({
        ok: false,
        status: 400,
        error: 'invalid_request',
      });
    }
    expect(await auth.authenticate({ authorization: undefined, url: '/v1/series?access_token=abc' })).toMatchObject({
      status: 400,
      error: 'invalid_request',
    });
    // no credentials at all: 401 without an error code (RFC 6750 §3.1)
    expect(await auth.authenticate({ authorization: undefined, url: '/v1/series' })).toEqual({
      ok: false,
      status: 401,
      description: 'This server needs an access token or API key.',
    });
  });

  it('follows a key rotation, keeps serving cached keys while the JWKS is down, and answers 401 (not a crash) for new ones', async () => {
    const rotating = authenticator({}, 0);
    const k1 = jwks.keys[0]!;
    const t1 = await token(k1, { issuer: jwks.issuer, audience: AUD });
    expect((await rotating.authenticate(bearer(t1))).ok).toBe(true);
    const k2 = await signingKey('k2');
    jwks.keys = [k2, k1];
    const t2 = await token(k2, { issuer: jwks.issuer, audience: AUD });
    const before = jwks.fetches;
    expect((await rotating.authenticate(bearer(t2))).ok).toBe(true);
    expect(jwks.fetches).toBeGreaterThan(before);
    await jwks.stop();
    // the cached set still verifies both keys
    expect((await rotating.authenticate(bearer(t1))).ok).toBe(true);
    expect((await rotating.authenticate(bearer(t2))).ok).toBe(true);
    const k3 = await signingKey('k3');
    const t3 = await token(k3, { issuer: jwks.issuer, audience: AUD });
    const down = await rotating.authenticate(bearer(t3));
    expect(down).toEqual({
      ok: false,
      status: 401,
      error: 'invalid_token',
      description: "The authorization server's keys cannot be fetched right now; retry later.",
    });
    // a fresh authenticator with no cached keys and the JWKS down: 401 too
    expect(await authenticator().authenticate(bearer(t1))).toMatchObject({ ok: false, status: 401 });
  });

  it('accepts API keys until revoked, compares them whole, and refuses unknown scopes at creation', async () => {
    const created = await apiKeys.create({ name: 'ci', scopes: ['series:read'], tenant: 'acme' });
    expect(created.key).toMatch(/^tsk_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    const ok = await auth.authenticate(bearer(created.key));
    expect(ok.ok && ok.caller).toMatchObject({ subject: `key:${created.info.id}`, tenant: 'acme' });
    const tampered = `${created.key.slice(0, -1)}${created.key.endsWith('A') ? 'B' : 'A'}`;
    expect(await auth.authenticate(bearer(tampered))).toMatchObject({ ok: false, status: 401 });
    const listed = await apiKeys.list();
    expect(JSON.stringify(listed)).not.toContain(created.key.split('.')[1]!);
    expect(listed[0]).not.toHaveProperty('hash');
    await apiKeys.revoke(created.info.id);
    expect(await auth.authenticate(bearer(created.key))).toMatchObject({
      ok: false,
      description: 'The API key is unknown or revoked.',
    });
    await expect(apiKeys.create({ name: 'x', scopes: ['series:read', 'root'] })).rejects.toThrow(
      '--scopes: unknown scope "root"',
    );
    await expect(apiKeys.create({ name: 'x', scopes: [] })).rejects.toThrow('--scopes: give at least one');
  });

  it('accepts HS256 development tokens only with the configured secret and issuer', async () => {
    const secret = 's'.repeat(40);
    const dev = authenticator({ devSecret: secret });
    const mint = (key: string, iss = DEV_ISSUER) =>
      new SignJWT({ scope: 'models' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(iss)
        .setAudience(AUD)
        .setSubject('bob')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(key));
    expect((await dev.authenticate(bearer(await mint(secret)))).ok).toBe(true);
    expect((await dev.authenticate(bearer(await mint('t'.repeat(40))))).ok).toBe(false);
    expect((await dev.authenticate(bearer(await mint(secret, jwks.issuer)))).ok).toBe(false);
  });
});
