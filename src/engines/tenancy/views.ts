import { ADMIN_SCOPE, type Caller, hasScope } from '../../core/caller.js';
import { TsiotError } from '../../core/errors.js';
import type { JobEngine, JobView, ScheduleView } from '../jobs/types.js';
import type { ModelRegistry } from '../models/registry.js';
import type { ValidationEngine } from '../validation/engine.js';
import type { Ownership } from './ownership.js';

/** Most records read to page a tenant's listing of documents. */
const MAX_SCAN = 100_000;

function modelNotFound(id: string): TsiotError {
  return new TsiotError('not_found', `Model "${id}" does not exist`, {
    details: { id },
    hint: 'Call list_models to see the saved models.',
  });
}

function reportNotFound(id: string): TsiotError {
  return new TsiotError('not_found', `Report "${id}" does not exist`, {
    details: { id },
    hint: 'Report ids start with "rep_" and are returned by validate_timeseries.',
  });
}

function jobNotFound(id: string): TsiotError {
  return new TsiotError('not_found', `job "${id}" does not exist`, {
    details: { id },
    hint: 'List jobs with list_jobs.',
  });
}

function needsAdmin(what: string): TsiotError {
  return new TsiotError('forbidden', `${what} needs the scope "${ADMIN_SCOPE}"`, {
    details: { requiredScope: ADMIN_SCOPE },
    hint: `These reach past one caller's own objects; ask for a token or key with the scope "${ADMIN_SCOPE}".`,
  });
}

/** `target` with some methods replaced; every other method runs on the target itself. */
function overlay<T extends object>(target: T, overrides: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get(t, p, _receiver) {
      if (Object.hasOwn(overrides, p)) return (overrides as Record<string | symbol, unknown>)[p];
      const v = Reflect.get(t, p, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

/** One tenant's models: fitted ones are claimed for it, others' ids are "does not exist". */
export function tenantModels(models: ModelRegistry, ownership: Ownership, tenant: string): ModelRegistry {
  const mine = async (id: string) => (await ownership.owner('model', id)) === tenant;
  const check = async (id: string) => {
    if (!(await mine(id))) throw modelNotFound(id);
  };
  // running fits were started in this process, so their owner is known without a read
  const mineNow = (id: string) => (ownership.ownerKnown('model', id) ?? 'default') === tenant;
  return overlay(models, {
    startFit: (...args: Parameters<ModelRegistry['startFit']>) => {
      const started = models.startFit(...args);
      void ownership.claim('model', started.id, tenant).catch(() => undefined);
      return started;
    },
    startResume: async (id: string, ...rest: unknown[]) => {
      await check(id);
      return (models.startResume as (...a: unknown[]) => unknown)(id, ...rest);
    },
    status: (id: string) => (mineNow(id) ? models.status(id) : undefined),
    cancel: (id: string) => mineNow(id) && models.cancel(id),
    forget: (id: string) => mineNow(id) && models.forget(id),
    fits: () => models.fits().filter((f) => mineNow(f.id)),
    resumable: async () => {
      const all = await models.resumable();
      const out = [];
      for (const r of all) if (await mine(r.id)) out.push(r);
      return out;
    },
    list: async (page: { limit?: number; offset?: number } = {}) => {
      const all = await models.list({ limit: MAX_SCAN });
      const out = [];
      for (const r of all) if (await mine(r.id)) out.push(r);
      const from = page.offset ?? 0;
      return out.slice(from, page.limit === undefined ? undefined : from + page.limit);
    },
    get: async (id: string) => {
      if (!(await mine(id))) {
        // a fit of this tenant still running answers as the registry does ("not ready")
        if (mineNow(id) && models.status(id)) return models.get(id);
        throw modelNotFound(id);
      }
      return models.get(id);
    },
    delete: async (id: string) => {
      if (!(await mine(id))) return false;
      const existed = await models.delete(id);
      if (existed) await ownership.release('model', id);
      return existed;
    },
    setFidelity: async (id: string, fidelity: Record<string, unknown>) => {
      await check(id);
      return models.setFidelity(id, fidelity);
    },
    sample: async (id: string, ...rest: unknown[]) => {
      await check(id);
      return (models.sample as (...a: unknown[]) => unknown)(id, ...rest);
    },
    planSample: async (id: string, params: unknown) => {
      await check(id);
      return models.planSample(id, params);
    },
    sampleModel: async (id: string, ...rest: unknown[]) => {
      await check(id);
      return (models.sampleModel as (...a: unknown[]) => unknown)(id, ...rest);
    },
    forecast: async (id: string, ...rest: unknown[]) => {
      await check(id);
      return (models.forecast as (...a: unknown[]) => unknown)(id, ...rest);
    },
  });
}

/** One tenant's validation reports. */
export function tenantValidation(validation: ValidationEngine, ownership: Ownership, tenant: string): ValidationEngine {
  const mine = async (id: string) => (await ownership.owner('report', id)) === tenant;
  return overlay(validation, {
    save: async (report: Parameters<ValidationEngine['save']>[0]) => {
      const saved = await validation.save(report);
      await ownership.claim('report', saved.id, tenant);
      return saved;
    },
    get: async (id: string) => {
      if (!(await mine(id))) throw reportNotFound(id);
      return validation.get(id);
    },
    listReports: async (page: { limit?: number; offset?: number } = {}) => {
      const all = await validation.listReports({ limit: MAX_SCAN });
      const out = [];
      for (const r of all) if (await mine(r.id)) out.push(r);
      const from = page.offset ?? 0;
      return out.slice(from, page.limit === undefined ? undefined : from + page.limit);
    },
    deleteReport: async (id: string) => {
      if (!(await mine(id))) return false;
      const existed = await validation.deleteReport(id);
      if (existed) await ownership.release('report', id);
      return existed;
    },
  });
}

/**
 * One caller's jobs: started under its tenant whatever the request says,
 * others' ids are "does not exist", and what reaches past one tenant —
 * cleanup jobs (they delete series) and schedules (they run forever) —
 * needs the admin scope.
 */
export function tenantJobs(jobs: JobEngine, caller: Caller, quota: { maxRunningJobs?: number } = {}): JobEngine {
  const tenant = caller.tenant;
  const admin = hasScope(caller, ADMIN_SCOPE);
  const admit = async () => {
    const limit = quota.maxRunningJobs;
    if (limit === undefined) return;
    const queued = await jobs.list({ tenant, state: 'queued', limit });
    const running = await jobs.list({ tenant, state: 'running', limit });
    const now = queued.length + running.length;
    if (now >= limit)
      throw new TsiotError(
        'rate_limited',
        `Job quota reached: tenant "${tenant}" has ${now} job(s) queued or running; the quota is ${limit} at once`,
        {
          details: { quota: 'runningJobs', used: now, limit },
          hint: 'Wait for a job to finish (get_job, or the job event feed) or cancel one with cancel_job, then start again; the operator sets TSIOT_QUOTA_RUNNING_JOBS.',
        },
      );
  };
  const own = async (id: string): Promise<JobView> => {
    const view = await jobs.get(id);
    if (view.tenant !== tenant) throw jobNotFound(id);
    return view;
  };
  const mySchedule = (s: ScheduleView) => (s.job.tenant ?? 'default') === tenant;
  return overlay(jobs, {
    start: async (req: Parameters<JobEngine['start']>[0]) => {
      if (req.type === 'cleanup' && !admin) throw needsAdmin('A cleanup job');
      await admit();
      return jobs.start({ ...req, tenant });
    },
    get: own,
    list: (query: Parameters<JobEngine['list']>[0] = {}) => jobs.list({ ...query, tenant }),
    cancel: async (id: string) => {
      await own(id);
      return jobs.cancel(id);
    },
    requeue: async (id: string) => {
      await own(id);
      return jobs.requeue(id);
    },
    deadLetters: async (limit?: number) => (await jobs.deadLetters(limit)).filter((j) => j.tenant === tenant),
    schedule: async (req: Parameters<JobEngine['schedule']>[0]) => {
      if (!admin) throw needsAdmin('A schedule');
      return jobs.schedule({ ...req, job: { ...req.job, tenant } });
    },
    schedules: async () => (await jobs.schedules()).filter(mySchedule),
    unschedule: async (id: string) => {
      if (!admin) throw needsAdmin('Removing a schedule');
      const mine = (await jobs.schedules()).find((s) => s.id === id);
      if (!mine || !mySchedule(mine)) return false;
      return jobs.unschedule(id);
    },
  });
}
