import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import type { TsiotConfig } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { createEventBus, type OwnedEventBus } from './events/index.js';
import type { EventBus } from './events/types.js';
import { ExportFolder } from './export/folder.js';
import { FileCipher } from './files/cipher.js';
import { ImportFolder } from './files/imports.js';
import { sealedDocuments } from './files/sealed-documents.js';
import { CHECKPOINTS_COLLECTION, MODEL_STATES_COLLECTION } from './models/record.js';
import type { GeneratorFactory } from './generation/factory.js';
import { createBuiltinFactory } from './generation/builtin.js';
import { GenerationService } from './generation/service.js';
import { createJobEngine, defaultJobHandlers, type JobEngine } from './jobs/index.js';
import { createModelRegistry } from './models/engine.js';
import { SeriesStore } from './series/store.js';
import { ValidationEngine } from './validation/index.js';
import { WorkerPool } from './workers/pool.js';
import type { RulesInput } from './validation/schema.js';
import type { ModelRegistry } from './models/registry.js';
import { PrivacyEngine } from './privacy/engine.js';
import { privateGenerators } from './privacy/learners/index.js';
import { createStorage } from './storage/index.js';
import { ownershipOf } from './tenancy/ownership.js';
import { tenantStorage } from './tenancy/storage.js';
import { tenantValidation } from './tenancy/views.js';
import type { DocumentStore, Storage } from './storage/storage.js';
import {
  instrumentGeneration,
  instrumentJobHandlers,
  instrumentModels,
  instrumentStorage,
  instrumentValidation,
} from './telemetry/instrument.js';
import { createMetrics, type Metrics } from './telemetry/metrics.js';

/**
 * Everything a tool handler may use, built once at start and passed in (no
 * module-level singletons), so tests build exactly the context they need.
 */
export interface Engines {
  config: TsiotConfig;
  logger: Logger;
  /** The catalogue of every generator, fitted or not, plugins included. */
  generators: GeneratorFactory;
  /** Where series live: the embedded default or any backend chosen by URL. Read from it; write through `series`. */
  storage: Storage;
  /** The one way series are stored and deleted: all-or-nothing, announced on `events`. */
  series: SeriesStore;
  /** The one event bus (in-process, or Redis when TSIOT_REDIS_URL is set): series, job and model changes. */
  events: EventBus;
  /** Reports, models, jobs and events: the series storage when it keeps documents, else an embedded database in dataDir. */
  documents: DocumentStore;
  generation: GenerationService;
  jobs: JobEngine;
  /** Validators, the one report with its 0–100 score, and stored reports. */
  validation: ValidationEngine;
  /** Fitted models: saved, listed, sampled from a bounded pool. */
  models: ModelRegistry;
  /** The one folder server-side paths resolve in (data.csvPath). */
  imports: ImportFolder;
  /** Where export files are written and read back: one folder per tenant, encrypted when a key is configured. */
  exports?: ExportFolder;
  /** Worker threads running fits, long samplings, heavy validations, analyses and generations off the event loop. */
  workers: WorkerPool;
  /** This process's Prometheus metrics, served at /metrics. */
  metrics: Metrics;
  /** Differential privacy (mechanisms, the persisted budget ledger), k-anonymity and keyed pseudonyms. */
  privacy: PrivacyEngine;
  close(): Promise<void>;
}

export interface EngineOverrides {
  storage?: Storage;
  metrics?: Metrics;
  /** memory_limit of the embedded DuckDB files when their URL sets none (a one-shot bulk writer needs little cache). */
  duckdbMemoryLimit?: string;
}

function isDocumentStore(s: Storage): s is Storage & DocumentStore {
  return typeof (s as Partial<DocumentStore>).putDocument === 'function';
}

export async function createEngines(
  config: TsiotConfig,
  logger: Logger,
  overrides: EngineOverrides = {},
): Promise<Engines> {
  const generators = createBuiltinFactory(config.generators);
  for (const g of privateGenerators) generators.register(g);
  for (const plugin of config.plugins) {
    const names = await generators.loadPlugin(plugin);
    logger.info({ plugin, generators: names }, 'loaded generator plugin');
  }
  const metrics = overrides.metrics ?? createMetrics();
  const storageOptions = {
    logger,
    ...(overrides.duckdbMemoryLimit ? { duckdbMemoryLimit: overrides.duckdbMemoryLimit } : {}),
  };
  const storage = instrumentStorage(
    overrides.storage ??
      (await createStorage(config.storage ?? `duckdb://${config.dataDir}/tsiot.duckdb`, storageOptions)),
    metrics,
  );
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
      const meta = instrumentStorage(
        await createStorage(`duckdb://${config.dataDir}/tsiot-meta.duckdb`, storageOptions),
        metrics,
      );
      opened.push(meta);
      await meta.init();
      documents = meta as Storage & DocumentStore;
    }
    // heavy work runs in worker threads, leaving a core to the loop that answers every client
    const pool = new WorkerPool({ size: Math.max(1, availableParallelism() - 1) });
    opened.push(pool);
    // checks the configured rules first, so a bad configuration fails fast and names the field
    const validation = new ValidationEngine({
      documents,
      logger,
      pool,
      ...(config.validation ? { defaults: config.validation as RulesInput } : {}),
    });
    instrumentValidation(validation, metrics);
    const owned: OwnedEventBus = await createEventBus({
      documents,
      logger,
      ...(config.jobs.redisUrl ? { redisUrl: config.jobs.redisUrl } : {}),
    });
    opened.push(owned);
    const events = owned.bus;
    const series = new SeriesStore(storage, events, logger);
    // read before anything is written, so a malformed key stops the start (the message never quotes it)
    const cipher = FileCipher.fromConfig(config.encryption.key);
    // what a model learned from its data is encrypted at rest along with the exports
    const models = createModelRegistry(
      cipher ? sealedDocuments(documents, cipher, [MODEL_STATES_COLLECTION, CHECKPOINTS_COLLECTION]) : documents,
      generators,
      undefined,
      { pool },
    );
    instrumentModels(models, metrics);
    opened.push(models);
    const generation = new GenerationService({
      factory: generators,
      series,
      maxPoints: config.maxPointsPerRequest,
      models,
      pool,
      generatorConfig: config.generators,
    });
    instrumentGeneration(generation, metrics);
    const exports = new ExportFolder({ dataDir: config.dataDir, ...(cipher ? { cipher } : {}) });
    const ownership = ownershipOf(documents);
    // a job reads, stores, announces and reports as the tenant that started it
    const forTenant = (tenant: string) => {
      const scoped = tenantStorage(storage, tenant, config.tenancy);
      return {
        storage: scoped,
        series: new SeriesStore(scoped, events, logger, { tenant }),
        validation: tenantValidation(validation, ownership, tenant),
      };
    };
    const jobs = await createJobEngine({
      registry: instrumentJobHandlers(
        defaultJobHandlers({
          generators,
          storage,
          series,
          maxChunkValues: config.maxPointsPerRequest,
          validation,
          dataDir: config.dataDir,
          exports,
          forTenant,
        }),
        metrics,
      ),
      logger,
      documents,
      events,
      concurrency: config.jobs.concurrency,
      ...(config.jobs.redisUrl ? { redisUrl: config.jobs.redisUrl } : {}),
      ...(config.jobs.rateLimit ? { rateLimit: config.jobs.rateLimit } : {}),
    });
    opened.push(jobs);
    const imports = new ImportFolder({
      dir: config.imports.dir ?? join(config.dataDir, 'imports'),
      localDirs: config.imports.localDirs,
    });
    metrics.setJobSource(jobs);
    const privacy = new PrivacyEngine({
      documents,
      storage,
      series,
      budget: config.privacy.budget,
      ...(config.privacy.pseudonymKey ? { pseudonymKey: config.privacy.pseudonymKey } : {}),
    });
    let closing: Promise<void> | undefined;
    return {
      imports,
      exports,
      config,
      logger,
      generators,
      storage,
      series,
      events,
      documents,
      generation,
      jobs,
      models,
      validation,
      workers: pool,
      metrics,
      privacy,
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
