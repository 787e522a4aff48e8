import { z } from 'zod';
import { TsiotError } from '../../../core/errors.js';
import type { TimeSeries } from '../../../core/types.js';
import type { Storage } from '../../storage/storage.js';
import { RulesInputSchema, type ValidationEngine } from '../../validation/index.js';
import type { JobHandler, JobRunContext, TenantScope } from '../types.js';

const IdsSchema = z.array(z.string().min(1).max(128)).min(1).max(10_000);

const DataSchema = z.object({
  synthetic: IdsSchema.describe('Stored series under test (one series or a fleet).'),
  reference: IdsSchema.optional().describe(
    'Stored real series to compare against; enables the statistical and privacy validators.',
  ),
  holdout: IdsSchema.optional().describe('Stored real series withheld from training: the privacy baseline.'),
  rules: RulesInputSchema.optional().describe('Validation rules, as for validate_timeseries.'),
});

export type ValidationJobData = z.output<typeof DataSchema>;

export interface ValidationJobDeps {
  storage: Storage;
  validation: ValidationEngine;
  /** The tenant's view: a job reads only its tenant's series, and its report is its tenant's. */
  forTenant?: TenantScope;
}

export interface ValidationJobResult {
  reportId: string;
  score: number | null;
  verdict: string;
  summary: string;
}

/**
 * Validate stored series in the background (e.g. with the slow fidelity
 * validator): the series are read, validated with the ValidationEngine and the
 * report stored (read it with validate_timeseries's report id, or
 * engines.validation.get). The size limit of the engine is checked from the
 * stored summaries before any series is read.
 */
export function validationJobHandler(deps: ValidationJobDeps): JobHandler<ValidationJobData> {
  return {
    type: 'validation',
    description: 'Validate stored series (optionally against stored real data) and store the report.',
    schema: DataSchema,
    example: {
      synthetic: ['ser_3fA9xQ'],
      reference: ['ser_real01'],
      rules: { validators: ['quality', 'statistical', 'fidelity'] },
    },
    prepare(data) {
      const rules = deps.validation.rules(data.rules);
      const known = deps.validation.list().map((v) => v.name);
      const unknown = (rules.validators ?? []).filter((n) => !known.includes(n));
      if (unknown.length) {
        throw new TsiotError(
          'invalid_input',
          `rules.validators: unknown validator${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}`,
          {
            details: { field: 'rules.validators', unknown, available: known },
            hint: `Use some of: ${known.join(', ')}`,
          },
        );
      }
      return data;
    },
    async run(data, ctx) {
      const scoped = deps.forTenant && ctx.tenant !== undefined ? deps.forTenant(ctx.tenant) : undefined;
      const storage = scoped?.storage ?? deps.storage;
      const validation = scoped?.validation ?? deps.validation;
      const sets = { synthetic: data.synthetic, reference: data.reference, holdout: data.holdout };
      let values = 0;
      for (const ids of Object.values(sets)) {
        for (const id of ids ?? []) {
          const summary = await storage.describe(id);
          if (!summary)
            throw new TsiotError('not_found', `series "${id}" does not exist`, {
              details: { id },
              hint: 'List stored series with list_series.',
            });
          values += summary.points * summary.columns.length;
        }
      }
      if (values > validation.maxValues) {
        throw new TsiotError(
          'too_large',
          `This validation covers ${values.toLocaleString('en-US')} values; the limit is ${validation.maxValues.toLocaleString('en-US')}.`,
          {
            details: { values, limit: validation.maxValues },
            hint: 'Validate fewer series, or a downsampled copy.',
          },
        );
      }
      const synthetic = await readAll(storage, data.synthetic, ctx);
      const reference = data.reference ? await readAll(storage, data.reference, ctx) : undefined;
      const holdout = data.holdout ? await readAll(storage, data.holdout, ctx) : undefined;
      const report = await validation.validate(
        {
          synthetic,
          ...(reference ? { reference } : {}),
          ...(holdout ? { holdout } : {}),
          ...(data.rules ? { rules: data.rules } : {}),
        },
        { signal: ctx.signal, onProgress: (p) => ctx.progress(p) },
      );
      if (ctx.signal.aborted) throw new TsiotError('cancelled', `Job ${ctx.jobId} was cancelled`);
      const saved = await validation.save(report);
      const result: ValidationJobResult = {
        reportId: saved.id,
        score: saved.score,
        verdict: saved.verdict,
        summary: saved.summary,
      };
      await ctx.emit('validation.completed', { ...result });
      return result;
    },
  };
}

async function readAll(storage: Storage, ids: readonly string[], ctx: JobRunContext): Promise<TimeSeries[]> {
  const out: TimeSeries[] = [];
  for (const id of ids) {
    if (ctx.signal.aborted) throw new TsiotError('cancelled', `Job ${ctx.jobId} was cancelled`);
    out.push(await storage.retrieve({ id }));
  }
  return out;
}
