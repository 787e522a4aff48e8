/**
 * Where the storage tests find their servers, and what happens when one is
 * missing.
 *
 * URLs (environment variables, else the defaults below, which are what
 * scripts/services/start.sh starts; start.sh also writes them to the env file
 * named by TSIOT_SERVICES_ENV, default /tmp/tsiot-services/services.env, which
 * is read here when the variables are not set):
 *
 *   TSIOT_TEST_PG_URL     postgres://postgres@127.0.0.1:5432/test
 *   TSIOT_TEST_REDIS_URL  redis://127.0.0.1:6379/0
 *   TSIOT_TEST_INFLUX_URL influxdb://127.0.0.1:18086/tsiot_test          (InfluxDB 1.x)
 *   TSIOT_TEST_VM_URL     influxdb2://127.0.0.1:18428/tsiot_test?org=tsiot&reader=victoriametrics
 *   TSIOT_TEST_MQTT_URL   mqtt://127.0.0.1:1883                                   (Mosquitto)
 *   TSIOT_TEST_S3_URL     s3://S3RVER:S3RVER@tsiot-test/tsiot?endpoint=http%3A%2F%2F127.0.0.1%3A14568&region=us-east-1
 *                         (unset and no env file: the S3 tests start their own s3rver on a temp folder)
 *   WEAVIATE_URL          unset: the Weaviate tests are skipped (no server can be installed here)
 *
 * Missing servers: when CI=true an unreachable server FAILS its test file
 * (requireServer throws); otherwise the file's tests are skipped with a loud
 * warning naming the server. Weaviate is the exception: it is skipped loudly
 * even in CI unless WEAVIATE_URL is set, since no Weaviate server can be
 * installed on these machines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

const DEFAULTS = {
  TSIOT_TEST_PG_URL: 'postgres://postgres@127.0.0.1:5432/test',
  TSIOT_TEST_REDIS_URL: 'redis://127.0.0.1:6379/0',
  TSIOT_TEST_INFLUX_URL: 'influxdb://127.0.0.1:18086/tsiot_test',
  TSIOT_TEST_VM_URL: 'influxdb2://127.0.0.1:18428/tsiot_test?org=tsiot&reader=victoriametrics',
  TSIOT_TEST_MQTT_URL: 'mqtt://127.0.0.1:1883',
} as const;

export type ServerVar = keyof typeof DEFAULTS | 'TSIOT_TEST_S3_URL' | 'WEAVIATE_URL';

let fileEnv: Record<string, string> | undefined;

/** Variables from the services env file written by scripts/services/start.sh. */
function servicesEnv(): Record<string, string> {
  if (fileEnv) return fileEnv;
  fileEnv = {};
  const path = process.env.TSIOT_SERVICES_ENV ?? '/tmp/tsiot-services/services.env';
  if (existsSync(path)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (m) fileEnv[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
    }
  }
  return fileEnv;
}

/** The URL for a server: environment, then the services env file, then the default (undefined when none). */
export function serverUrl(name: ServerVar): string | undefined {
  return process.env[name] || servicesEnv()[name] || (DEFAULTS as Record<string, string>)[name];
}

export const inCi = process.env.CI === 'true';

/** True when something accepts a TCP connection at host:port within timeoutMs. */
export function tcpReachable(host: string, port: number, timeoutMs = 1_500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** host and port of a storage URL (with the scheme's default port). */
export function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || defaultPort) };
}

export interface ServerCheck {
  /** The server answered; run the tests. */
  ok: boolean;
  url: string;
}

/**
 * Check that a test server answers. In CI an unreachable server throws (the
 * test file fails); elsewhere it warns loudly and returns ok=false so the
 * caller skips its tests (describe.skipIf(!check.ok)).
 */
export async function requireServer(
  label: string,
  name: ServerVar,
  defaultPort: number,
  probe?: (url: string) => Promise<boolean>,
): Promise<ServerCheck> {
  const url = serverUrl(name);
  if (!url) return missing(label, name, '', `${name} is not set`);
  const { host, port } = hostPort(url, defaultPort);
  const ok = probe ? await probe(url).catch(() => false) : await tcpReachable(host, port);
  if (ok) return { ok, url };
  return missing(label, name, url, `nothing answers at ${host}:${port}`);
}

function missing(label: string, name: ServerVar, url: string, why: string): ServerCheck {
  const message = `${label} is unreachable (${why}); start it with scripts/services/start.sh or set ${name}.`;
  if (inCi) throw new Error(`CI=true and ${message}`);
  console.warn(`\n!!!!!!!! SKIPPING ${label} TESTS: ${message} !!!!!!!!\n`);
  return { ok: false, url };
}

/**
 * Weaviate: runs only when WEAVIATE_URL is set, in CI too (no Weaviate server
 * can be installed on these machines); skipped with a loud warning otherwise.
 */
export function weaviateServer(): ServerCheck {
  const url = serverUrl('WEAVIATE_URL');
  if (url) return { ok: true, url };
  console.warn(
    '\n!!!!!!!! SKIPPING Weaviate TESTS: WEAVIATE_URL is not set (no Weaviate server can be installed here; skipped even in CI) !!!!!!!!\n',
  );
  return { ok: false, url: '' };
}

/** A loopback port nothing listens on (for "server is down" tests). */
export async function closedPort(): Promise<number> {
  for (let port = 1; port < 1024; port++) if (!(await tcpReachable('127.0.0.1', port, 200))) return port;
  throw new Error('no closed port found below 1024');
}

/** A name unique to this test run, usable as an SQL schema or measurement name. */
export function runName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}`.toLowerCase();
}

/** A loopback port that was free a moment ago (for servers a test starts itself). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** The full path of an executable on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = `${dir}/${cmd}`;
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}
