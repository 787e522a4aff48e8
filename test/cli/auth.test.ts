import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cliArgs } from '../helpers/cli.js';

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'tsiot-cli-auth-'));
const SECRET = 'dev-secret-for-this-test-only-0123456789';
const env = { ...process.env, TSIOT_LOG_LEVEL: 'silent', TSIOT_DEV_SECRET: SECRET };
let keyId = '';
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function tsiot(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return tsiotWith(env, ...args);
}

async function tsiotWith(
  environment: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(process.execPath, cliArgs('--data-dir', dataDir, ...args), {
      env: environment,
      timeout: 80_000,
    });
    return { ...r, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

/** `tsiot serve` on a free port; resolves with its base URL once it says it listens. */
function serve(...args: string[]): Promise<{ url: string; line: string; stop: () => void }> {
  const child = spawn(process.execPath, cliArgs('--data-dir', dataDir, 'serve', '--port', '0', ...args), { env });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/[^\s,]+)/.exec(err);
      if (m) resolve({ url: m[1]!, line: err, stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

describe('tsiot keys, token and serve with authentication', () => {
  it('refuses to serve 0.0.0.0 with nothing to authenticate against, saying how to configure it', async () => {
    // no development secret either: nothing at all to check credentials against
    const { TSIOT_DEV_SECRET: _secret, ...bare } = env;
    const r = await tsiotWith(bare, 'serve', '--host', '0.0.0.0', '--port', '0');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Refusing to serve 0.0.0.0 without authentication');
    expect(r.stderr).toContain('tsiot keys create');
  }, 90_000);

  it('creates a key shown once, lists keys without secrets, and a loopback server then needs credentials', async () => {
    const created = await tsiot('keys', 'create', '--name', 'ci', '--scopes', 'series:read');
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^tsk_[0-9a-f]{16}\./);
    const listed = await tsiot('keys', 'list');
    const keys = JSON.parse(listed.stdout) as { id: string; name: string; scopes: string[] }[];
    expect(keys).toMatchObject([{ name: 'ci', scopes: ['series:read'] }]);
    expect(listed.stdout).not.toContain(key.split('.')[1]);

    const server = await serve();
    try {
      expect(server.line).toContain('authentication required');
      expect((await fetch(`${server.url}/v1/series`)).status).toBe(401);
      const withKey = await fetch(`${server.url}/v1/series`, { headers: { authorization: `Bearer ${key}` } });
      expect(withKey.status).toBe(200);
      const minted = await tsiot('token', '--subject', 'dev', '--scopes', 'series:read', '--audience', server.url);
      expect(minted.code).toBe(0);
      const withToken = await fetch(`${server.url}/v1/series`, {
        headers: { authorization: `Bearer ${minted.stdout.trim()}` },
      });
      expect(withToken.status).toBe(200);
    } finally {
      server.stop();
    }
    keyId = keys[0]!.id;
  }, 120_000);

  it('revokes a key and refuses unknown scopes with exit code 2', async () => {
    const revoked = await tsiot('keys', 'revoke', keyId);
    expect(revoked.code).toBe(0);
    expect(revoked.stderr).toContain(`revoked API key ${keyId} "ci"`);
    const bad = await tsiot('keys', 'create', '--name', 'x', '--scopes', 'series:read,root');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--scopes: unknown scope "root"');
  }, 90_000);
});
