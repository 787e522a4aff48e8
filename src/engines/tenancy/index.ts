import type { Caller } from '../../core/caller.js';
import type { Engines } from '../engines.js';
import { GenerationService } from '../generation/service.js';
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
  const storage = tenantStorage(engines.storage, tenant);
  const series = new SeriesStore(storage, engines.events, engines.logger, { tenant });
  const models = engines.models ? tenantModels(engines.models, ownership, tenant) : engines.models;
  return {
    ...engines,
    storage,
    series,
    models,
    ...(engines.generators
      ? {
          generation: new GenerationService({
            factory: engines.generators,
            series,
            maxPoints: engines.config.maxPointsPerRequest,
            models,
          }),
        }
      : {}),
    ...(engines.validation ? { validation: tenantValidation(engines.validation, ownership, tenant) } : {}),
    ...(engines.jobs ? { jobs: tenantJobs(engines.jobs, caller) } : {}),
  };
}
