import type { Logger } from '../../core/logger.js';
import { InProcessEventBus } from '../events/memory-bus.js';
import type { EventBus } from '../events/types.js';
import type { ExportFolder } from '../export/folder.js';
import type { GeneratorFactory } from '../generation/factory.js';
import type { SeriesStore } from '../series/store.js';
import type { DocumentStore, Storage } from '../storage/storage.js';
import type { ValidationEngine } from '../validation/index.js';
import { cleanupJobHandler } from './handlers/cleanup.js';
import { exportJobHandler } from './handlers/export.js';
import { generationJobHandler } from './handlers/generation.js';
import { validationJobHandler } from './handlers/validation.js';
import { InProcessJobEngine } from './in-process.js';
import type { RateLimit } from './rate-limit.js';
import { JobHandlerRegistry } from './registry.js';
import type { JobEngine, TenantScope } from './types.js';

export { JobHandlerRegistry } from './registry.js';
export type { BullWorkers, BullWorkerOptions } from './bull/worker.js';

/** BullMQ workers (bull/worker.ts), loaded when a process serves jobs: BullMQ is not loaded otherwise. */
export async function startBullWorkers(options: import('./bull/worker.js').BullWorkerOptions) {
  const { startBullWorkers: start } = await import('./bull/worker.js');
  return start(options);
}
export { StartJobSchema, JobOptionsSchema } from './request.js';
export type * from './types.js';
export { JOB_TYPES } from './types.js';

export interface DefaultHandlerDeps {
  generators: GeneratorFactory;
  storage: Storage;
  /** Where generation jobs store their chunks and cleanup jobs delete, announced (engines.series); default storage, unannounced. */
  series?: SeriesStore;
  /** Chunk size cap of generation jobs (the memory bound), default 5 M values. */
  maxChunkValues?: number;
  /** Enables validation jobs (reports stored through it). */
  validation?: ValidationEngine;
  /** Enables export jobs: files go to `<dataDir>/exports/`. */
  dataDir?: string;
  /** The exports folders of export jobs (one per tenant, encryption included); default plain ones under dataDir. */
  exports?: ExportFolder;
  /** Each job works on its tenant's view (engines build it); absent, every job sees all of storage. */
  forTenant?: TenantScope;
}

/**
 * The handlers tsiot ships: generation and cleanup always; validation when a
 * ValidationEngine is given and export when a data folder is given. Training
 * has no job form (fit_model already fits in the background) and is refused
 * with `unsupported`, as is any type without a handler.
 */
export function defaultJobHandlers(deps: DefaultHandlerDeps): JobHandlerRegistry {
  const registry = new JobHandlerRegistry()
    .register(
      generationJobHandler({
        generators: deps.generators,
        storage: deps.storage,
        ...(deps.series ? { series: deps.series } : {}),
        ...(deps.maxChunkValues ? { maxChunkValues: deps.maxChunkValues } : {}),
        ...(deps.forTenant ? { forTenant: deps.forTenant } : {}),
      }),
    )
    .register(cleanupJobHandler({ storage: deps.storage, ...(deps.series ? { series: deps.series } : {}) }));
  const scope = deps.forTenant ? { forTenant: deps.forTenant } : {};
  if (deps.validation)
    registry.register(validationJobHandler({ storage: deps.storage, validation: deps.validation, ...scope }));
  if (deps.dataDir !== undefined)
    registry.register(
      exportJobHandler({
        storage: deps.storage,
        dataDir: deps.dataDir,
        ...(deps.exports ? { folder: deps.exports } : {}),
        ...scope,
      }),
    );
  return registry;
}

export interface JobEngineOptions {
  registry: JobHandlerRegistry;
  logger: Logger;
  /** redis://host:port — jobs go to BullMQ queues served by `tsiot worker` processes. Absent: in-process. */
  redisUrl?: string;
  /** Persistence of the in-process engine (jobs, schedules, event log). Required without Redis. */
  documents?: DocumentStore;
  /** In-process concurrency (default 2). */
  concurrency?: number;
  /** Per-tenant submission limit. */
  rateLimit?: RateLimit;
  /** The bus job events go to (engines.events). Default: a new one, in-process or on the Redis of redisUrl. */
  events?: EventBus;
}

/** Build the job engine: BullMQ (loaded only then) when a Redis URL is given, throwing `unavailable` fast if it does not answer; in-process otherwise. */
export async function createJobEngine(options: JobEngineOptions): Promise<JobEngine> {
  if (options.redisUrl) {
    const { BullJobEngine } = await import('./bull/engine.js');
    return BullJobEngine.connect({
      redisUrl: options.redisUrl,
      registry: options.registry,
      logger: options.logger,
      ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
      ...(options.events ? { events: options.events } : {}),
    });
  }
  if (!options.documents)
    throw new Error('createJobEngine: the in-process engine needs a DocumentStore (the embedded storage provides one)');
  const engine = new InProcessJobEngine({
    documents: options.documents,
    registry: options.registry,
    events: options.events ?? new InProcessEventBus(options.documents),
    logger: options.logger,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
  });
  await engine.init();
  return engine;
}
