/**
 * Where the engines' operations are measured: each function wraps one
 * engine object so that every call through it — whichever interface or job
 * made it — is timed and counted once, without the engines knowing.
 */
import type { GenerationService } from '../generation/service.js';
import type { JobHandlerRegistry } from '../jobs/registry.js';
import type { ModelRegistry } from '../models/registry.js';
import type { Storage } from '../storage/storage.js';
import type { ValidationEngine } from '../validation/engine.js';
import { type Metrics, statusOf } from './metrics.js';
import { inSpan, linkFrom, SpanKind } from './tracing.js';

/** Storage methods that reach the backend; the rest (kind, close) pass through untouched. */
const STORAGE_OPERATIONS = new Set([
  'store',
  'storeMany',
  'retrieve',
  'describe',
  'list',
  'delete',
  'health',
  'putDocument',
  'getDocument',
  'listDocuments',
  'deleteDocument',
  'updateDocument',
  'findSimilar',
]);

function seconds(begun: number): number {
  return (performance.now() - begun) / 1000;
}

/** Time every backend operation of a storage, by backend and operation. */
export function instrumentStorage<S extends Storage>(storage: S, metrics: Metrics): S {
  return new Proxy(storage, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      // methods run on the backend itself, so its private fields stay reachable
      if (typeof property !== 'string' || !STORAGE_OPERATIONS.has(property)) return value.bind(target);
      return (...args: unknown[]) =>
        inSpan(`storage ${property}`, { 'db.system.name': target.kind, 'db.operation.name': property }, async () => {
          const begun = performance.now();
          let status = 'ok';
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } catch (e) {
            status = 'error';
            throw e;
          } finally {
            metrics.storageDuration.observe({ backend: target.kind, operation: property, status }, seconds(begun));
          }
        });
    },
  });
}

/** Count and time every generation (and model sample), by generator. */
export function instrumentGeneration(generation: GenerationService, metrics: Metrics): void {
  const generate = generation.generate.bind(generation);
  generation.generate = (req, options) =>
    inSpan(
      'generate',
      { 'tsiot.generator': req.model !== undefined ? 'model' : (req.generator ?? 'statistical') },
      async (span) => {
        const begun = performance.now();
        try {
          const res = await generate(req, options);
          metrics.generationDuration.observe({ generator: res.generator, status: 'ok' }, seconds(begun));
          metrics.generatedValues.inc({ generator: res.generator }, res.points);
          span.setAttributes({ 'tsiot.generator': res.generator, 'tsiot.values': res.points });
          return res;
        } catch (e) {
          metrics.generationDuration.observe(
            { generator: req.model !== undefined ? 'model' : (req.generator ?? 'statistical'), status: statusOf(e) },
            seconds(begun),
          );
          throw e;
        }
      },
    );
}

/** Count every validator run by its result: passed (no failed check), failed, or not_applicable (no check). */
export function instrumentValidation(validation: ValidationEngine, metrics: Metrics): void {
  const validate = validation.validate.bind(validation);
  validation.validate = (request, options) =>
    inSpan('validate', {}, async () => {
      try {
        const report = await validate(request, options);
        for (const v of report.validators) {
          const result = v.failed > 0 ? 'failed' : v.passed > 0 ? 'passed' : 'not_applicable';
          metrics.validations.inc({ validator: v.name, result });
        }
        return report;
      } catch (e) {
        metrics.validations.inc({ validator: 'request', result: statusOf(e) });
        throw e;
      }
    });
}

/** Count and time model fits (and resumed fits), by generator. */
export function instrumentModels(models: ModelRegistry, metrics: Metrics): void {
  const fitModel = models.fit.bind(models);
  models.fit = (req, call, id, resumeFrom) =>
    inSpan('fit', { 'tsiot.generator': req.generator }, async () => {
      const begun = performance.now();
      let status = 'ok';
      try {
        return await fitModel(req, call, id, resumeFrom);
      } catch (e) {
        status = statusOf(e);
        throw e;
      } finally {
        metrics.fits.inc({ generator: req.generator, status });
        metrics.fitDuration.observe({ generator: req.generator, status }, seconds(begun));
      }
    });
}

/** Count and time every job attempt this process runs, by job type. */
export function instrumentJobHandlers(registry: JobHandlerRegistry, metrics: Metrics): JobHandlerRegistry {
  for (const type of registry.types()) {
    const handler = registry.get(type);
    // a copy: the handler objects may be shared by several engines in one process
    registry.register({
      ...handler,
      run: (data, ctx) =>
        // a job runs later, maybe elsewhere: its span is linked to the request that started it
        inSpan(
          `job ${type}`,
          {
            'messaging.operation.type': 'process',
            'messaging.destination.name': type,
            'tsiot.job.id': ctx.jobId,
            'tsiot.job.attempt': ctx.attempt,
          },
          async () => {
            const begun = performance.now();
            let status = 'ok';
            try {
              return await handler.run(data, ctx);
            } catch (e) {
              status = statusOf(e);
              throw e;
            } finally {
              metrics.jobRuns.inc({ type, status });
              metrics.jobDuration.observe({ type, status }, seconds(begun));
            }
          },
          { kind: SpanKind.CONSUMER, links: linkFrom(ctx.traceContext) },
        ),
    });
  }
  return registry;
}
