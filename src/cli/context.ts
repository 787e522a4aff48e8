/** What every CLI command shares: the global options, the engines built from them, a tool context. */
import { LOCAL_CALLER } from '../core/caller.js';
import { loadConfig, type TsiotConfigInput } from '../core/config.js';
import { createLogger, type Logger } from '../core/logger.js';
import { createEngines, type Engines } from '../engines/engines.js';

export interface GlobalOptions {
  dataDir?: string;
  storage?: string;
  config?: string;
  logLevel?: string;
}

export function configFrom(globals: GlobalOptions, extra: TsiotConfigInput = {}) {
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
): Promise<T> {
  const config = configFrom(globals, extra);
  // files named on one's own command line are the local user's to read, wherever they are
  config.imports = { ...config.imports, localDirs: [...config.imports.localDirs, '/'] };
  const logger = createLogger(config.logLevel);
  const engines = await createEngines(config, logger);
  try {
    return await fn(engines, logger);
  } finally {
    await engines.close();
    logger.flush();
  }
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
  };
}
