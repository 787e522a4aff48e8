import { TsiotError } from '../src/core/errors.js';
import { completeStoredIds } from '../src/registry/completion.js';
import type { TemplateResourceDefinition } from '../src/registry/resource.js';

export const reportsResource: TemplateResourceDefinition = {
  kind: 'template',
  name: 'reports',
  uriTemplate: 'tsiot://reports/{id}',
  title: 'Validation reports',
  description:
    'A stored validation report as JSON: the overall 0–100 score and verdict, how it was computed, and every check with its value, threshold, pass/fail and explanation.',
  mimeType: 'application/json',
  async list(engines, page) {
    const reports = await engines.validation.listReports({ limit: page.limit, offset: page.offset });
    return reports.map((r) => ({
      uri: `tsiot://reports/${encodeURIComponent(r.id)}`,
      name: r.id,
      title: `${r.verdict} (${r.score === null ? 'no score' : r.score.toFixed(1)})`,
      description: r.summary,
      mimeType: 'application/json',
    }));
  },
  async read(uri, variables, engines) {
    const raw = variables.id;
    const id = decodeURIComponent(Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? ''));
    if (!id)
      throw new TsiotError('invalid_input', `${uri.href}: missing report id`, {
        details: { example: 'tsiot://reports/rep_3fA9xQ' },
      });
    const report = await engines.validation.get(id);
    return [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(report) }];
  },
  complete: {
    id: (prefix, engines) =>
      completeStoredIds(prefix, (limit, offset) => engines.validation.listReports({ limit, offset })),
  },
};
