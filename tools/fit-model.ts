import { z } from 'zod';
import { TsiotError } from '../src/core/errors.js';
import { builtinGenerators } from '../src/engines/generation/builtin.js';
import { generatorGuide, generatorNames } from '../src/engines/generation/guide.js';
import { DataInputSchema, fitInput, loadDataInput } from '../src/engines/models/input.js';
import type { ModelRecord } from '../src/engines/models/record.js';
import {
  ConstraintsOptionSchema,
  FitStatusSchema,
  ModelRecordSchema,
  fitStatusOut,
  modelRecordOut,
} from '../src/engines/models/schemas.js';
import { SeedSchema } from '../src/core/schemas.js';
import { defineTool } from '../src/registry/tool.js';
import { isPrivateLearner } from '../src/engines/privacy/learners/index.js';
import { PrivateFitSchema, StatementSchema } from './privacy-schemas.js';

export const fitModel = defineTool({
  name: 'fit_model',
  title: 'Fit a generative model on real data',
  description:
    'Learn a generator from real data and save it as a model to sample with generate_from_model. Use it to reuse a model; synthesize_like fits, samples and validates in one call. Example: {"generator": "arima", "data": {"seriesId": "ser_3fA9xQ"}, "options": {"period": 24}, "seed": 1}',
  details: [
    'Learn a generator from real time-series data and save it as a model that generate_from_model samples from (also after a restart).',
    generatorGuide(builtinGenerators()),
    "Every model keeps the data's physics (bounds, whole numbers, counters, angles: learned, or declared in `constraints`), its missing-value pattern and its text columns (copied as categories); describe_model shows what was learned under details.constraints, details.missingness and details.categorical.",
    'Data: a stored series id, CSV text or path, or inline {timestamps, values}; or several series — {"seriesIds": [...]} or {"series": [{name, attributes, timestamps, values}, …]} — learned as independent entities (a fleet of devices, or windows) that must share their columns; each series\' metadata.attributes are its static attributes (dgan learns them; rnn, dgan, timegan and mixture never learn across series, the statistical learner\'s decomposition and arima see them end to end). Irregular sampling is resampled to a regular grid and missing values interpolated; the returned notes say what was done. Constant or all-missing columns are refused (drop them with `columns`).',
    'Long fits (timegan, dgan) checkpoint every checkpointEvery iterations, and a fit interrupted by a restart continues with {"resume": "mdl_…"} (list_models shows resumable fits).',
    'The call waits up to waitSeconds (default 20) and then returns the model id with status "training"; poll describe_model with that id. Progress is reported while waiting. A failed or cancelled fit leaves no model.',
    'Example: {"generator": "arima", "data": {"seriesId": "ser_3fA9xQ"}, "options": {"period": 24}, "seed": 1}; a fleet: {"generator": "dgan", "data": {"seriesIds": ["ser_a", "ser_b", "ser_c"]}, "options": {"iterations": 2000}}',
  ].join(' '),
  inputSchema: z.object({
    generator: z
      .string()
      .default('arima')
      .describe(`One of ${generatorNames(builtinGenerators())} (default "arima"; see description).`),
    data: DataInputSchema.optional(),
    resume: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Instead of data: continue the interrupted fit with this model id from its last checkpoint (options given here override the stored ones).',
      ),
    columns: z.array(z.string()).optional().describe('Columns to learn (default all numeric columns).'),
    options: z.record(z.string(), z.unknown()).optional().describe('Generator-specific fit options (see description).'),
    constraints: ConstraintsOptionSchema,
    seed: SeedSchema.optional(),
    privacy: PrivateFitSchema.optional(),
    name: z.string().min(1).max(200).optional().describe('A name for the model.'),
    waitSeconds: z
      .number()
      .min(0)
      .max(600)
      .default(20)
      .describe('How long to wait for the fit before returning with status "training".'),
  }),
  outputSchema: z.object({
    id: z.string(),
    status: z.enum(['ready', 'training']),
    model: ModelRecordSchema.optional().describe('The saved model, when ready.'),
    fit: FitStatusSchema.optional().describe('Progress, while training.'),
    notes: z.array(z.string()).describe('How the input was read and prepared.'),
    privacy: StatementSchema.optional().describe('The charge of a private fit: its guarantee and the budget left.'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  example: { generator: 'arima', data: { seriesId: 'ser_3fA9xQ' }, options: { period: 24 }, seed: 1 },
  routes: [{ method: 'POST', path: '/v1/models' }],
  async handler(input, ctx) {
    const registry = ctx.engines.models;
    let loaded: Awaited<ReturnType<typeof loadDataInput>> | undefined;
    let started: { id: string; done: Promise<ModelRecord> };
    let waiting = true;
    const onProgress = (p: { done: number; total: number; message?: string }) => {
      if (waiting) ctx.progress(p);
    };
    let privacy: Awaited<ReturnType<typeof ctx.engines.privacy.preparePrivateFit>> | undefined;
    if ((input.privacy || isPrivateLearner(input.generator)) && input.resume !== undefined)
      throw new TsiotError('invalid_input', 'resume: a private fit cannot be resumed; start a new one', {
        details: { field: 'resume' },
      });
    if (isPrivateLearner(input.generator) && !input.privacy)
      throw new TsiotError('invalid_input', 'privacy: required for the private learner (its budget is charged here)', {
        details: { field: 'privacy', example: { epsilon: 3, delta: 1e-5, unit: { kind: 'window' }, bounds: {} } },
      });
    if (input.resume !== undefined) {
      if (input.data)
        throw new TsiotError(
          'invalid_input',
          'fit_model: give either data (a new fit) or resume (an interrupted one), not both',
          { details: { field: 'resume' } },
        );
      started = await registry.startResume(input.resume, onProgress, input.options);
    } else {
      if (!input.data)
        throw new TsiotError('invalid_input', 'data: required (or resume with the id of an interrupted fit)', {
          details: { field: 'data', example: { seriesId: 'ser_3fA9xQ' } },
        });
      registry.learner(input.generator);
      loaded = await loadDataInput(input.data, ctx.engines, ctx.caller);
      if (input.privacy)
        privacy = await ctx.engines.privacy.preparePrivateFit({
          generator: input.generator,
          options: input.options,
          privacy: input.privacy,
          sourceIds: loaded.sourceSeriesId ? [loaded.sourceSeriesId] : (loaded.sourceSeriesIds ?? []),
          columns: input.columns ?? loaded.series.columns.map((c) => c.name),
          tool: 'fit_model',
          sequences: Boolean(loaded.sequences && loaded.sequences.length > 1),
        });
      const options = privacy?.options ?? input.options;
      started = registry.startFit(
        {
          generator: privacy?.generator ?? input.generator,
          data: fitInput(loaded),
          ...(options ? { options } : {}),
          ...(input.columns ? { columns: input.columns } : {}),
          ...(input.constraints !== undefined ? { constraints: input.constraints } : {}),
          ...(loaded.categorical ? { categorical: loaded.categorical } : {}),
          ...(input.seed !== undefined ? { seed: input.seed } : {}),
          ...(input.name ? { name: input.name } : {}),
          ...(loaded.sourceSeriesId ? { sourceSeriesId: loaded.sourceSeriesId } : {}),
          ...(loaded.sourceSeriesIds ? { sourceSeriesIds: loaded.sourceSeriesIds } : {}),
        },
        onProgress,
      );
    }
    const { id, done } = started;
    const inputNotes = loaded?.notes ?? [];
    const onAbort = () => registry.cancel(id);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), input.waitSeconds * 1000)));
      const record: ModelRecord | undefined = await Promise.race([done, timeout]);
      if (record) {
        const notes = [...inputNotes, ...record.training.notes];
        return {
          structured: {
            id,
            status: 'ready' as const,
            model: modelRecordOut(record),
            notes,
            ...(privacy ? { privacy: privacy.statement } : {}),
          },
          summary: `Model ${id} (${record.generator}) fitted on ${record.training.points} rows × ${record.columns.length} columns${record.sequences ? ` of ${record.sequences} independent series` : ''} in ${(record.trainingMs / 1000).toFixed(1)} s.${notes.length ? ` Notes: ${notes.join('; ')}.` : ''}`,
        };
      }
      done.catch(() => undefined);
      const status = registry.status(id)!;
      return {
        structured: {
          id,
          status: 'training' as const,
          fit: fitStatusOut(status),
          notes: inputNotes,
          ...(privacy ? { privacy: privacy.statement } : {}),
        },
        summary: `Model ${id} is still training (${status.progress ? `${status.progress.done}/${status.progress.total}` : 'starting'}); call describe_model with this id to follow it.`,
      };
    } catch (e) {
      registry.forget(id);
      throw e;
    } finally {
      waiting = false;
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
    }
  },
});
