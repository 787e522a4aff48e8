import { TsiotError } from '../src/core/errors.js';
import { modelRecordOut } from '../src/engines/models/schemas.js';
import { completeStoredIds } from '../src/registry/completion.js';
import type { TemplateResourceDefinition } from '../src/registry/resource.js';

export const modelUri = (id: string) => `tsiot://models/${encodeURIComponent(id)}`;

export const modelsResource: TemplateResourceDefinition = {
  kind: 'template',
  name: 'models',
  uriTemplate: 'tsiot://models/{id}',
  title: 'Saved models',
  description:
    'A saved generative model as JSON (read-only): generator, hyper-parameters, what it learned, a summary of its training data, training time and fidelity when measured — what describe_model answers for a ready model. Sample it with generate_from_model; fit new ones with fit_model.',
  mimeType: 'application/json',
  async list(engines, page) {
    return (await engines.models.list({ limit: page.limit, offset: page.offset })).map((m) => ({
      uri: modelUri(m.id),
      name: m.id,
      title: `${m.name} (${m.generator})`,
      description: `${m.generator} model on ${m.training.points} rows × ${m.columns.join(', ')}, created ${m.createdAt}`,
      mimeType: 'application/json',
    }));
  },
  async read(uri, variables, engines) {
    const raw = variables.id;
    const id = decodeURIComponent(Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? ''));
    if (!id)
      throw new TsiotError('invalid_input', `${uri.href}: missing model id`, {
        details: { example: 'tsiot://models/mdl_3fA9xQ' },
      });
    const model = await engines.models.get(id);
    return [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(modelRecordOut(model)) }];
  },
  complete: {
    id: (prefix, engines) =>
      completeStoredIds(prefix, async (limit, offset) =>
        (await engines.models.list({ limit, offset })).map((m) => ({ id: m.id, createdAt: m.createdAt })),
      ),
  },
};
