/** What every CLI command shares: the global options, the engines built from them, a tool context. */
import { LOCAL_CALLER } from '../core/caller.js';
import type { TsiotConfigInput } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { EngineOverrides, Engines } from '../engines/engines.js';

export interface GlobalOptions {
  dataDir?: string;
  storage?: string;
  config?: string;
  logLevel?: string;
}

/** The configuration from flags, environment and file (its schema is loaded here, not at start-up). */
export async function configFrom(globals: GlobalOptions, extra: TsiotConfigInput = {}) {
  const { loadConfig } = await import('../core/config.js');
  const env = { ...process.env, ...(globals.config ? { TSIOT_CONFIG: globals.config } : {}) };
  return loadConfig(
    {
      ...(globals.dataDir ? { dataDir: globals.dataDir } : {}),
      ...(globals.storage ? { storage: globals.storage } : {}),
      ...(globals.logLevel ? { logLevel: globals.logLevel as 'info' } : {}),
      ...extra,
    },
    env,
  );
}

export async function withEngines<T>(
  globals: GlobalOptions,
  fn: (engines: Engines, logger: Logger) => Promise<T>,
  extra: TsiotConfigInput = {},
  overrides: EngineOverrides = {},
): Promise<T> {
  const config = await configFrom(globals, extra);
  // files named on one's own command line are the local user's to read, wherever they are
  config.imports = { ...config.imports, localDirs: [...config.imports.localDirs, '/'] };
  const logger = await openLogger(config.logLevel);
  const engines = await openEngines(config, logger, overrides);
  try {
    return await fn(engines, logger);
  } finally {
    await engines.close();
    logger.flush();
  }
}

export async function openLogger(level: Parameters<typeof import('../core/logger.js').createLogger>[0]) {
  return (await import('../core/logger.js')).createLogger(level);
}

/**
 * The engines, loaded when a command first needs them: `tsiot --help` and the
 * commands that need no engine never load storage drivers, TensorFlow.js or
 * the cloud SDKs.
 */
export async function openEngines(...args: Parameters<typeof import('../engines/engines.js').createEngines>) {
  const { createEngines } = await import('../engines/engines.js');
  return createEngines(...args);
}

export function parseSeed(value: string): number | string {
  return /^\d+$/.test(value) && Number(value) <= Number.MAX_SAFE_INTEGER ? Number(value) : value;
}

export function toolContext(
  engines: Engines,
  logger: Logger,
  onProgress?: (p: { done: number; total: number }) => void,
) {
  return {
    engines,
    logger,
    signal: new AbortController().signal,
    progress: onProgress ?? (() => undefined),
    // the CLI is the local, trusted user
    caller: LOCAL_CALLER,
    transport: 'cli',
  };
}
