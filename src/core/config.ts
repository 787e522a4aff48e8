import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { TsiotError } from './errors.js';
import { parseInput } from './input-errors.js';

export const ConfigSchema = z.object({
  dataDir: z.string().default('./data').describe('Where the embedded database and other files live.'),
  storage: z
    .string()
    .optional()
    .describe(
      'Storage URL: duckdb:///path/file.duckdb, duckdb://:memory:, postgres://…, influxdb://…, redis://…, s3://bucket/prefix?endpoint=…. Default: duckdb in dataDir.',
    ),
  maxPointsPerRequest: z
    .number()
    .int()
    .positive()
    .default(5_000_000)
    .describe('Refuse generation requests above this many values (rows × columns × devices).'),
  maxReturnPoints: z
    .number()
    .int()
    .positive()
    .default(2_000)
    .describe('Most rows a read tool returns inline to an agent.'),
  auth: z
    .object({
      issuer: z
        .url()
        .optional()
        .describe('OAuth authorization server whose tokens are accepted: the exact "iss" (env TSIOT_AUTH_ISSUER).'),
      jwksUrl: z
        .url()
        .optional()
        .describe("The issuer's JSON Web Key Set URL, fetched and cached (env TSIOT_AUTH_JWKS_URL)."),
      publicKeys: z
        .array(z.record(z.string(), z.unknown()))
        .default([])
        .describe(
          'Instead of jwksUrl: the public JWKs tokens are signed with (env TSIOT_AUTH_PUBLIC_KEYS, a JWKS JSON).',
        ),
      audience: z
        .array(z.string().min(1))
        .optional()
        .describe(
          'Accepted "aud" values (RFC 8707 resource indicators). Default: the public URL and its /mcp endpoint (env TSIOT_AUTH_AUDIENCE, comma list).',
        ),
      tenantClaim: z
        .string()
        .min(1)
        .default('sub')
        .describe('Token claim naming the tenant that owns what the caller stores (env TSIOT_AUTH_TENANT_CLAIM).'),
      devSecret: z
        .string()
        .min(32)
        .optional()
        .describe(
          'Secret of the HS256 development tokens `tsiot token` mints (env TSIOT_DEV_SECRET); at least 32 characters.',
        ),
      insecureNoAuth: z
        .boolean()
        .default(false)
        .describe(
          'Serve a non-loopback address without authentication (a loud warning at start). Never in production.',
        ),
    })
    .strict()
    .prefault({}),
  imports: z
    .object({
      dir: z
        .string()
        .optional()
        .describe(
          'The one folder server-side paths (data.csvPath) resolve in, default <dataDir>/imports (env TSIOT_IMPORT_DIR).',
        ),
      localDirs: z
        .array(z.string())
        .default([])
        .describe('Further folders the local user (stdio MCP, the CLI) may read; network callers never can.'),
    })
    .strict()
    .prefault({}),
  plugins: z
    .array(z.string())
    .default([])
    .describe('Generator plugin modules to load at start (paths or package names).'),
  generators: z
    .record(z.string(), z.record(z.string(), z.unknown()))
    .default({})
    .describe('Per-generator configuration.'),
  http: z
    .object({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      allowedOrigins: z
        .array(z.string())
        .default([])
        .describe('Extra Origins allowed on /mcp and /ws besides loopback ones.'),
      allowedHosts: z.array(z.string()).default([]).describe('Extra Host header values allowed besides loopback ones.'),
      corsOrigins: z
        .array(z.string())
        .default([])
        .describe(
          'Browser origins allowed by CORS (e.g. https://dash.example.com); none by default (env TSIOT_CORS_ORIGINS).',
        ),
      tls: z
        .object({
          certFile: z.string().min(1).describe('PEM certificate chain.'),
          keyFile: z.string().min(1).describe('PEM private key.'),
        })
        .strict()
        .optional()
        .describe('Serve HTTPS from these files (env TSIOT_TLS_CERT, TSIOT_TLS_KEY).'),
      limits: z
        .object({
          requestsPerSubject: z
            .number()
            .int()
            .min(1)
            .default(1200)
            .describe('Per token subject or API key, per window.'),
          requestsPerIp: z.number().int().min(1).default(2400).describe('Per client address, per window.'),
          windowSeconds: z.number().int().min(1).default(60),
          headersTimeoutMs: z
            .number()
            .int()
            .min(1000)
            .default(10_000)
            .describe('A client must send its request headers within this time.'),
          requestTimeoutMs: z
            .number()
            .int()
            .min(1000)
            .default(120_000)
            .describe('A client must send its whole request (headers and body) within this time.'),
          maxHeaderBytes: z.number().int().min(1024).default(16_384).describe('Largest request head.'),
          maxBodyBytes: z
            .number()
            .int()
            .min(1024)
            .default(32 * 1024 * 1024)
            .describe('Largest JSON body (413 above).'),
        })
        .strict()
        .prefault({})
        .describe('Abuse limits (env TSIOT_RATE_LIMIT = requests per subject per minute).'),
      publicUrl: z
        .url()
        .optional()
        .describe(
          'The URL clients reach this server at (e.g. https://tsiot.example.com), the OAuth resource tokens are issued for (env TSIOT_PUBLIC_URL). Default: the bound address.',
        ),
    })
    .prefault({}),
  validation: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      "Default validation rules (which validators and checks, thresholds, weights); a request's own rules override them. Checked at start.",
    ),
  jobs: z
    .object({
      redisUrl: z
        .string()
        .optional()
        .describe(
          'redis://host:port/db: jobs go to BullMQ queues served by `tsiot worker`, and events (series, jobs) to a Redis stream every process reads; absent: jobs and events stay in-process.',
        ),
      concurrency: z.number().int().min(1).max(64).default(2).describe('Jobs run at once in this process.'),
      rateLimit: z
        .object({ burst: z.number().int().min(1), perSecond: z.number().positive() })
        .optional()
        .describe('Per-tenant token bucket applied when jobs are started.'),
    })
    .prefault({}),
  metrics: z
    .object({
      open: z
        .boolean()
        .optional()
        .describe(
          'Serve /metrics to any caller (a scraper on a private network). Default: open only while the server is bound to loopback; otherwise a caller authenticated with the "metrics" scope.',
        ),
    })
    .prefault({}),
  shutdownGraceMs: z
    .number()
    .int()
    .min(0)
    .max(600_000)
    .default(25_000)
    .describe(
      'On SIGTERM, how long in-flight requests and jobs may run before they are cut off (keep it under the orchestrator grace period).',
    ),
  privacy: z
    .object({
      budget: z
        .object({
          epsilon: z.number().positive().default(10).describe('Total ε a dataset may spend over all its releases.'),
          delta: z.number().positive().lt(1).default(1e-5).describe('Total δ a dataset may spend.'),
        })
        .prefault({})
        .describe('The privacy budget a dataset starts with (privacy_budget can set another one per dataset).'),
      pseudonymKey: z
        .string()
        .min(16)
        .optional()
        .describe(
          'Secret key for keyed pseudonyms (HMAC-SHA-256, FF1); at least 16 characters. Never logged. Absent: anonymize_identifiers is refused.',
        ),
    })
    .prefault({}),
  tenancy: z
    .object({
      maxStoredValues: z
        .number()
        .int()
        .positive()
        .optional()
        .describe(
          'Most values (rows × columns) one tenant may keep stored; a store past it is refused with 429 (env TSIOT_QUOTA_STORED_VALUES). Absent: no quota.',
        ),
      maxRunningJobs: z
        .number()
        .int()
        .positive()
        .optional()
        .describe(
          'Most jobs one tenant may have queued or running at once; more are refused with 429 (env TSIOT_QUOTA_RUNNING_JOBS). Absent: no quota.',
        ),
    })
    .strict()
    .prefault({}),
  encryption: z
    .object({
      key: z
        .string()
        .optional()
        .describe(
          'AES-256-GCM key for what tsiot writes itself (export files, saved model states): 64 hex digits or base64 of 32 bytes (env TSIOT_ENCRYPTION_KEY). Never logged. Absent: written in the clear.',
        ),
    })
    .strict()
    .prefault({}),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The keys of a JWKS given as JSON text (or a bare array of keys). */
function jwksKeys(text: string): unknown {
  try {
    const parsed = JSON.parse(text) as { keys?: unknown } | unknown[];
    return Array.isArray(parsed) ? parsed : parsed.keys;
  } catch {
    return 'TSIOT_AUTH_PUBLIC_KEYS is not JSON';
  }
}

export type TsiotConfig = z.output<typeof ConfigSchema>;
export type TsiotConfigInput = z.input<typeof ConfigSchema>;

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Environment variable values that mean true / false for a boolean setting. */
function flag(name: string, v: string): boolean {
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new TsiotError('invalid_input', `${name}: expected true or false, got "${v.slice(0, 20)}"`, {
    details: { field: name, example: 'true' },
  });
}

/**
 * Every environment variable the configuration reads, and where its value
 * goes: the one list, so the deployment manifests can be checked against
 * what the server really reads.
 */
export const CONFIG_ENV = [
  { name: 'TSIOT_DATA_DIR', path: ['dataDir'], parse: (v: string) => v },
  { name: 'TSIOT_STORAGE', path: ['storage'], parse: (v: string) => v },
  { name: 'TSIOT_MAX_POINTS', path: ['maxPointsPerRequest'], parse: Number },
  { name: 'TSIOT_PLUGINS', path: ['plugins'], parse: list },
  { name: 'TSIOT_LOG_LEVEL', path: ['logLevel'], parse: (v: string) => v },
  { name: 'TSIOT_HTTP_HOST', path: ['http', 'host'], parse: (v: string) => v },
  { name: 'TSIOT_HTTP_PORT', path: ['http', 'port'], parse: Number },
  { name: 'TSIOT_ALLOWED_HOSTS', path: ['http', 'allowedHosts'], parse: list },
  { name: 'TSIOT_ALLOWED_ORIGINS', path: ['http', 'allowedOrigins'], parse: list },
  { name: 'TSIOT_PUBLIC_URL', path: ['http', 'publicUrl'], parse: (v: string) => v },
  { name: 'TSIOT_CORS_ORIGINS', path: ['http', 'corsOrigins'], parse: list },
  { name: 'TSIOT_TLS_CERT', path: ['http', 'tls', 'certFile'], parse: (v: string) => v },
  { name: 'TSIOT_TLS_KEY', path: ['http', 'tls', 'keyFile'], parse: (v: string) => v },
  { name: 'TSIOT_RATE_LIMIT', path: ['http', 'limits', 'requestsPerSubject'], parse: Number },
  { name: 'TSIOT_AUTH_ISSUER', path: ['auth', 'issuer'], parse: (v: string) => v },
  { name: 'TSIOT_AUTH_JWKS_URL', path: ['auth', 'jwksUrl'], parse: (v: string) => v },
  { name: 'TSIOT_AUTH_PUBLIC_KEYS', path: ['auth', 'publicKeys'], parse: (v: string) => jwksKeys(v) },
  { name: 'TSIOT_AUTH_AUDIENCE', path: ['auth', 'audience'], parse: list },
  { name: 'TSIOT_AUTH_TENANT_CLAIM', path: ['auth', 'tenantClaim'], parse: (v: string) => v },
  { name: 'TSIOT_DEV_SECRET', path: ['auth', 'devSecret'], parse: (v: string) => v },
  {
    name: 'TSIOT_INSECURE_NO_AUTH',
    path: ['auth', 'insecureNoAuth'],
    parse: (v: string) => flag('TSIOT_INSECURE_NO_AUTH', v),
  },
  { name: 'TSIOT_IMPORT_DIR', path: ['imports', 'dir'], parse: (v: string) => v },
  { name: 'TSIOT_PSEUDONYM_KEY', path: ['privacy', 'pseudonymKey'], parse: (v: string) => v },
  { name: 'TSIOT_REDIS_URL', path: ['jobs', 'redisUrl'], parse: (v: string) => v },
  { name: 'TSIOT_METRICS_OPEN', path: ['metrics', 'open'], parse: (v: string) => flag('TSIOT_METRICS_OPEN', v) },
  { name: 'TSIOT_SHUTDOWN_GRACE_MS', path: ['shutdownGraceMs'], parse: Number },
  { name: 'TSIOT_QUOTA_STORED_VALUES', path: ['tenancy', 'maxStoredValues'], parse: Number },
  { name: 'TSIOT_QUOTA_RUNNING_JOBS', path: ['tenancy', 'maxRunningJobs'], parse: Number },
  { name: 'TSIOT_ENCRYPTION_KEY', path: ['encryption', 'key'], parse: (v: string) => v },
] as const satisfies readonly { name: string; path: readonly string[]; parse: (v: string) => unknown }[];

/** Sections of the configuration that are objects, merged key by key across file, environment and overrides. */
const SECTIONS = ['http', 'auth', 'imports', 'jobs', 'metrics', 'privacy', 'tenancy', 'encryption'] as const;

/**
 * Build the configuration: defaults, then a JSON file (TSIOT_CONFIG or
 * explicit path), then environment variables, then explicit overrides.
 */
export function loadConfig(overrides: TsiotConfigInput = {}, env: NodeJS.ProcessEnv = process.env): TsiotConfig {
  let fromFile: Record<string, unknown> = {};
  const file = env.TSIOT_CONFIG;
  if (file) fromFile = JSON.parse(readFileSync(resolve(file), 'utf8')) as Record<string, unknown>;
  const fromEnv: Record<string, unknown> = {};
  for (const setting of CONFIG_ENV) {
    const raw = env[setting.name];
    if (!raw) continue;
    const path = setting.path as readonly string[];
    let at = fromEnv;
    for (const key of path.slice(0, -1)) {
      at[key] ??= {};
      at = at[key] as Record<string, unknown>;
    }
    at[path[path.length - 1]!] = setting.parse(raw);
  }
  const merged: Record<string, unknown> = { ...fromFile, ...fromEnv, ...overrides };
  const sources = [fromFile, fromEnv, overrides as Record<string, unknown>];
  for (const section of SECTIONS)
    merged[section] = Object.assign({}, ...sources.map((s) => (s[section] as object | undefined) ?? {}));
  return parseInput(ConfigSchema, merged, 'configuration');
}
