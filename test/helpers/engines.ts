import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type TsiotConfigInput } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logger.js';
import { createEngines, type Engines } from '../../src/engines/engines.js';

export interface TestEngines extends Engines {
  dataDir: string;
}

/** Engines on an in-memory DuckDB and a temporary data folder, removed on close. */
export async function makeEngines(overrides: TsiotConfigInput = {}): Promise<TestEngines> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tsiot-test-'));
  const config = loadConfig({ dataDir, storage: 'duckdb://:memory:', logLevel: 'silent', ...overrides }, {});
  const engines = await createEngines(config, createLogger('silent'));
  const close = engines.close.bind(engines);
  return Object.assign(engines, {
    dataDir,
    async close() {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
