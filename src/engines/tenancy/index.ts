import type { Caller } from '../../core/caller.js';
import type { Engines } from '../engines.js';
import { GenerationService } from '../generation/service.js';
import { instrumentGeneration } from '../telemetry/instrument.js';
import { SeriesStore } from '../series/store.js';
import { ownershipOf } from './ownership.js';
import { tenantStorage } from './storage.js';
import { tenantJobs, tenantModels, tenantValidation } from './views.js';

export { TENANT_TAG, tenantOf } from './storage.js';

/**
 * The engines as one caller may use them: series, models, reports and jobs
 * of its tenant only (others' ids answer "does not exist"), what it stores
 * owned by its tenant, and its changes announced with the tenant so
 * subscribers hear only of their own. Built per call; cheap.
 */
export function scopeEngines(engines: Engines, caller: Caller): Engines {
  // engines built for a narrow test may lack parts; what is absent stays absent
  if (!engines.storage || !engines.documents) return engines;
  const tenant = caller.tenant;
  const ownership = ownershipOf(engines.documents);
  const quotas = engines.config?.tenancy ?? {};
  const storage = tenantStorage(engines.storage, tenant, quotas);
  const series = new SeriesStore(storage, engines.events, engines.logger, { tenant });
  const models = engines.models ? tenantModels(engines.models, ownership, tenant) : engines.models;
  return {
    ...engines,
    storage,
    series,
    models,
    ...(engines.privacy ? { privacy: engines.privacy.forTenant(tenant, { storage, series }) } : {}),
    ...(engines.exports ? { exports: engines.exports.forTenant(tenant) } : {}),
    ...(engines.generators ? { generation: tenantGeneration(engines, series, models) } : {}),
    ...(engines.validation ? { validation: tenantValidation(engines.validation, ownership, tenant) } : {}),
    ...(engines.jobs ? { jobs: tenantJobs(engines.jobs, caller, quotas) } : {}),
  };
}

/** The generation service over the tenant's series and models, with the process's worker pool and metrics. */
function tenantGeneration(engines: Engines, series: SeriesStore, models: Engines['models']): GenerationService {
  const generation = new GenerationService({
    factory: engines.generators,
    series,
    maxPoints: engines.config.maxPointsPerRequest,
    models,
    ...(engines.workers ? { pool: engines.workers } : {}),
    generatorConfig: engines.config.generators,
  });
  if (engines.metrics) instrumentGeneration(generation, engines.metrics);
  return generation;
}
