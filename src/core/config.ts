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
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

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
  const privacyEnv: Record<string, unknown> = {};
  if (env.TSIOT_PSEUDONYM_KEY) privacyEnv.pseudonymKey = env.TSIOT_PSEUDONYM_KEY;
  const jobsEnv: Record<string, unknown> = {};
  if (env.TSIOT_REDIS_URL) jobsEnv.redisUrl = env.TSIOT_REDIS_URL;
  const merged = {
    ...fromFile,
    ...fromEnv,
    ...overrides,
    http: { ...((fromFile.http as object) ?? {}), ...httpEnv, ...((overrides.http as object) ?? {}) },
    jobs: { ...((fromFile.jobs as object) ?? {}), ...jobsEnv, ...((overrides.jobs as object) ?? {}) },
    privacy: { ...((fromFile.privacy as object) ?? {}), ...privacyEnv, ...((overrides.privacy as object) ?? {}) },
  };
  return parseInput(ConfigSchema, merged, 'configuration');
}
