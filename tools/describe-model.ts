import { z } from 'zod';
import { TsiotError } from '../src/core/errors.js';
import { FitStatusSchema, ModelRecordSchema, fitStatusOut, modelRecordOut } from '../src/engines/models/schemas.js';
import { ModelIdSchema } from '../src/core/schemas.js';
import { defineTool } from '../src/registry/tool.js';

export const describeModel = defineTool({
  name: 'describe_model',
  title: 'Describe a model',
  description:
    'Everything about one model: hyper-parameters, what it learned, its training data and fidelity; a running fit\'s progress. Example: {"id": "mdl_3fA9xQ"}',
  details:
    'Everything about one model: generator, hyper-parameters, what it learned (ARIMA orders, coefficients and noise variance; RNN loss curve; dgan/ydata losses and the static attributes it learned — their names, categories and ranges are what generate_from_model accepts as attributes), a summary of its training data (rows, interval, per-column mean/std/min/max, resampling notes), training time and fidelity scores when measured. For a fit still running it returns its progress instead. Read-only. Example: {"id": "mdl_…"}',
  inputSchema: z.object({ id: ModelIdSchema }),
  outputSchema: z.object({
    status: z.enum(['ready', 'training', 'failed', 'cancelled']),
    model: ModelRecordSchema.optional(),
    fit: FitStatusSchema.optional(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  example: { id: 'mdl_3fA9xQ' },
  routes: [{ method: 'GET', path: '/v1/models/:id' }],
  async handler(input, ctx) {
    const registry = ctx.engines.models;
    const fit = registry.status(input.id);
    if (fit) {
      return {
        structured: { status: fit.status, fit: fitStatusOut(fit) },
        summary: `Model ${input.id} is ${fit.status}${fit.progress ? ` (${fit.progress.done}/${fit.progress.total}${fit.progress.message ? `: ${fit.progress.message}` : ''})` : ''}${fit.error ? `: ${fit.error.message}` : ''}.`,
      };
    }
    let model: Awaited<ReturnType<typeof registry.get>>;
    try {
      model = await registry.get(input.id);
    } catch (e) {
      if (e instanceof TsiotError && e.code === 'not_found')
        throw new TsiotError('not_found', `Model "${input.id}" does not exist`, {
          details: { id: input.id },
          hint: 'Call list_models to see the saved models.',
        });
      throw e;
    }
    return {
      structured: { status: 'ready' as const, model: modelRecordOut(model) },
      summary: `${model.id} "${model.name}": ${model.generator} on ${model.training.points} rows × ${model.columns.length} columns (${model.columns.join(', ')})${model.sequences ? ` of ${model.sequences} independent series` : ''}, trained in ${(model.trainingMs / 1000).toFixed(1)} s.${model.privacy ? ` Differentially private: ε = ${model.privacy.epsilon}, δ = ${model.privacy.delta}, ${model.privacy.unit}.` : ''}`,
    };
  },
});
