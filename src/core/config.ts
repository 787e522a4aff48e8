import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
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

/**
 * Build the configuration: defaults, then a JSON file (TSIOT_CONFIG or
 * explicit path), then environment variables, then explicit overrides.
 */
export function loadConfig(overrides: TsiotConfigInput = {}, env: NodeJS.ProcessEnv = process.env): TsiotConfig {
  let fromFile: Record<string, unknown> = {};
  const file = env.TSIOT_CONFIG;
  if (file) fromFile = JSON.parse(readFileSync(resolve(file), 'utf8')) as Record<string, unknown>;
  const fromEnv: Record<string, unknown> = {};
  if (env.TSIOT_DATA_DIR) fromEnv.dataDir = env.TSIOT_DATA_DIR;
  if (env.TSIOT_STORAGE) fromEnv.storage = env.TSIOT_STORAGE;
  if (env.TSIOT_MAX_POINTS) fromEnv.maxPointsPerRequest = Number(env.TSIOT_MAX_POINTS);
  if (env.TSIOT_PLUGINS)
    fromEnv.plugins = env.TSIOT_PLUGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (env.TSIOT_LOG_LEVEL) fromEnv.logLevel = env.TSIOT_LOG_LEVEL;
  const list = (v: string) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const httpEnv: Record<string, unknown> = {};
  if (env.TSIOT_HTTP_HOST) httpEnv.host = env.TSIOT_HTTP_HOST;
  if (env.TSIOT_HTTP_PORT) httpEnv.port = Number(env.TSIOT_HTTP_PORT);
  if (env.TSIOT_ALLOWED_HOSTS) httpEnv.allowedHosts = list(env.TSIOT_ALLOWED_HOSTS);
  if (env.TSIOT_ALLOWED_ORIGINS) httpEnv.allowedOrigins = list(env.TSIOT_ALLOWED_ORIGINS);
  const authEnv: Record<string, unknown> = {};
  if (env.TSIOT_AUTH_ISSUER) authEnv.issuer = env.TSIOT_AUTH_ISSUER;
  if (env.TSIOT_AUTH_JWKS_URL) authEnv.jwksUrl = env.TSIOT_AUTH_JWKS_URL;
  if (env.TSIOT_AUTH_PUBLIC_KEYS) authEnv.publicKeys = jwksKeys(env.TSIOT_AUTH_PUBLIC_KEYS);
  if (env.TSIOT_AUTH_AUDIENCE) authEnv.audience = list(env.TSIOT_AUTH_AUDIENCE);
  if (env.TSIOT_AUTH_TENANT_CLAIM) authEnv.tenantClaim = env.TSIOT_AUTH_TENANT_CLAIM;
  if (env.TSIOT_DEV_SECRET) authEnv.devSecret = env.TSIOT_DEV_SECRET;
  if (env.TSIOT_INSECURE_NO_AUTH === '1' || env.TSIOT_INSECURE_NO_AUTH === 'true') authEnv.insecureNoAuth = true;
  if (env.TSIOT_PUBLIC_URL) httpEnv.publicUrl = env.TSIOT_PUBLIC_URL;
  if (env.TSIOT_CORS_ORIGINS) httpEnv.corsOrigins = list(env.TSIOT_CORS_ORIGINS);
  if (env.TSIOT_TLS_CERT || env.TSIOT_TLS_KEY)
    httpEnv.tls = { certFile: env.TSIOT_TLS_CERT, keyFile: env.TSIOT_TLS_KEY };
  if (env.TSIOT_RATE_LIMIT) httpEnv.limits = { requestsPerSubject: Number(env.TSIOT_RATE_LIMIT) };
  const importsEnv: Record<string, unknown> = {};
  if (env.TSIOT_IMPORT_DIR) importsEnv.dir = env.TSIOT_IMPORT_DIR;
  const jobsEnv: Record<string, unknown> = {};
  if (env.TSIOT_REDIS_URL) jobsEnv.redisUrl = env.TSIOT_REDIS_URL;
  const merged = {
    ...fromFile,
    ...fromEnv,
    ...overrides,
    http: { ...((fromFile.http as object) ?? {}), ...httpEnv, ...((overrides.http as object) ?? {}) },
    auth: { ...((fromFile.auth as object) ?? {}), ...authEnv, ...((overrides.auth as object) ?? {}) },
    imports: {
      ...((fromFile.imports as object) ?? {}),
      ...importsEnv,
      ...((overrides.imports as object) ?? {}),
    },
    jobs: { ...((fromFile.jobs as object) ?? {}), ...jobsEnv, ...((overrides.jobs as object) ?? {}) },
  };
  return parseInput(ConfigSchema, merged, 'configuration');
}
