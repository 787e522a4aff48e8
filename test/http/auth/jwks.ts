import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT, type CryptoKey } from 'jose';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** A JWKS served by a real HTTP server on 127.0.0.1; its keys can be rotated, and it can go down. */
export interface JwksServer {
  url: string;
  issuer: string;
  keys: SigningKey[];
  /** How many times the key set was fetched. */
  fetches: number;
  stop(): Promise<void>;
}

export async function startJwksServer(keys: SigningKey[]): Promise<JwksServer> {
  const state: JwksServer = { url: '', issuer: '', keys, fetches: 0, stop: async () => {} };
  const server: Server = createServer((req, res) => {
    if (req.url === '/jwks.json') {
      state.fetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: state.keys.map((k) => k.jwk) }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  state.issuer = `http://127.0.0.1:${port}`;
  state.url = `${state.issuer}/jwks.json`;
  state.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

export interface TokenOptions {
  issuer: string;
  audience: string | string[];
  subject?: string;
  scope?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  notBefore?: number;
  claims?: Record<string, unknown>;
}

export function token(key: SigningKey, o: TokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...(o.scope !== undefined ? { scope: o.scope } : {}), ...o.claims })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setIssuer(o.issuer)
    .setAudience(o.audience)
    .setSubject(o.subject ?? 'alice')
    .setIssuedAt()
    .setExpirationTime(now + (o.expiresIn ?? 300));
  if (o.notBefore !== undefined) jwt.setNotBefore(now + o.notBefore);
  return jwt.sign(key.privateKey);
}

/** An unsigned token ("alg": "none"), which must never be accepted. */
export function unsignedToken(o: { issuer: string; audience: string; subject?: string }): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: o.issuer, aud: o.audience, sub: o.subject ?? 'alice', exp: now + 300, scope: 'admin' })}.`;
}
