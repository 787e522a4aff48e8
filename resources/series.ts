import { TsiotError } from '../src/core/errors.js';
import { seriesToJson } from '../src/core/series.js';
import { completeStoredIds } from '../src/registry/completion.js';
import type { TemplateResourceDefinition } from '../src/registry/resource.js';

export const seriesResource: TemplateResourceDefinition = {
  kind: 'template',
  name: 'series',
  uriTemplate: 'tsiot://series/{id}',
  title: 'Stored series',
  description:
    "A stored time series as JSON: metadata, columns, labels and values (epoch-ms timestamps, null for missing). Values are capped at the server's inline limit; use the get_series tool for ranges and downsampling.",
  mimeType: 'application/json',
  async list(engines, page) {
    const { items } = await engines.storage.list({ limit: page.limit, offset: page.offset });
    return items.map((s) => ({
      uri: `tsiot://series/${encodeURIComponent(s.id)}`,
      name: s.id,
      title: s.name,
      description: `${s.points} rows × ${s.columns.map((c) => c.name).join(', ')}`,
      mimeType: 'application/json',
    }));
  },
  async read(uri, variables, engines) {
    const raw = variables.id;
    const id = decodeURIComponent(Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? ''));
    if (!id)
      throw new TsiotError('invalid_input', `${uri.href}: missing series id`, {
        details: { example: 'tsiot://series/ser_3fA9xQ' },
      });
    const limit = engines.config.maxReturnPoints;
    const summary = await engines.storage.describe(id);
    if (!summary)
      throw new TsiotError('not_found', `series "${id}" does not exist`, {
        hint: 'List stored series with list_series or resources/list.',
      });
    const s = await engines.storage.retrieve({ id, limit });
    const body = { ...seriesToJson(s), totalRows: summary.points, truncated: summary.points > s.timestamps.length };
    return [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body) }];
  },
  complete: {
    id: (prefix, engines) =>
      completeStoredIds(prefix, async (limit, offset) =>
        (await engines.storage.list({ limit, offset })).items.map((s) => ({
          id: s.id,
          createdAt: s.metadata.createdAt,
        })),
      ),
  },
};
