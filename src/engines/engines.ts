import type { TsiotConfig } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { GeneratorFactory } from './generation/factory.js';
import { registerBuiltinGenerators } from './generation/builtin.js';
import { GenerationService } from './generation/service.js';
import { createJobEngine, defaultJobHandlers, type JobEngine } from './jobs/index.js';
import { createModelRegistry } from './models/engine.js';
import { ValidationEngine } from './validation/index.js';
import type { RulesInput } from './validation/schema.js';
import type { ModelRegistry } from './models/registry.js';
import { createStorage } from './storage/index.js';
import type { DocumentStore, Storage } from './storage/storage.js';

/**
 * Everything a tool handler may use, built once at start and passed in (no
 * module-level singletons), so tests build exactly the context they need.
 */
export interface Engines {
  config: TsiotConfig;
  logger: Logger;
  generators: GeneratorFactory;
  /** Where series live: the embedded default or any backend chosen by URL. */
  storage: Storage;
  /** Reports, models, jobs and events: the series storage when it keeps documents, else an embedded database in dataDir. */
  documents: DocumentStore;
  generation: GenerationService;
  jobs: JobEngine;
  /** Validators, the one report with its 0–100 score, and stored reports. */
  validation: ValidationEngine;
  /** Fitted models: saved, listed, sampled from a bounded pool. */
  models: ModelRegistry;
  close(): Promise<void>;
}

export interface EngineOverrides {
  storage?: Storage;
}

function isDocumentStore(s: Storage): s is Storage & DocumentStore {
  return typeof (s as Partial<DocumentStore>).putDocument === 'function';
}

export async function createEngines(
  config: TsiotConfig,
  logger: Logger,
  overrides: EngineOverrides = {},
): Promise<Engines> {
  const generators = new GeneratorFactory(config.generators);
  registerBuiltinGenerators(generators);
  for (const plugin of config.plugins) {
    const names = await generators.loadPlugin(plugin);
    logger.info({ plugin, generators: names }, 'loaded generator plugin');
  }
  const storage =
    overrides.storage ?? (await createStorage(config.storage ?? `duckdb://${config.dataDir}/tsiot.duckdb`, { logger }));
  // what is open so far, closed in reverse if a later part fails to start
  const opened: { close(): Promise<void> | void }[] = [];
  try {
    opened.push(storage);
    await storage.init();
    let documents: DocumentStore;
    if (isDocumentStore(storage)) {
      documents = storage;
    } else {
      // series live elsewhere (PostgreSQL, InfluxDB …); reports, models and jobs go to an embedded file
      const meta = await createStorage(`duckdb://${config.dataDir}/tsiot-meta.duckdb`, { logger });
      opened.push(meta);
      await meta.init();
      documents = meta as Storage & DocumentStore;
    }
    // checks the configured rules first, so a bad configuration fails fast and names the field
    const validation = new ValidationEngine({
      documents,
      logger,
      ...(config.validation ? { defaults: config.validation as RulesInput } : {}),
    });
    let jobs: JobEngine | undefined;
    const generation = new GenerationService(generators, storage, config.maxPointsPerRequest, async (e) =>
      jobs?.events.publish(e),
    );
    jobs = await createJobEngine({
      registry: defaultJobHandlers({
        generators,
        storage,
        maxChunkValues: config.maxPointsPerRequest,
        validation,
        dataDir: config.dataDir,
      }),
      logger,
      documents,
      concurrency: config.jobs.concurrency,
      ...(config.jobs.redisUrl ? { redisUrl: config.jobs.redisUrl } : {}),
      ...(config.jobs.rateLimit ? { rateLimit: config.jobs.rateLimit } : {}),
    });
    opened.push(jobs);
    const models = createModelRegistry(documents);
    opened.push(models);
    let closing: Promise<void> | undefined;
    return {
      config,
      logger,
      generators,
      storage,
      documents,
      generation,
      jobs,
      models,
      validation,
      close() {
        closing ??= (async () => {
          for (const part of [...opened].reverse()) await part.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    for (const part of [...opened].reverse()) await Promise.resolve(part.close()).catch(() => undefined);
    throw e;
  }
}
