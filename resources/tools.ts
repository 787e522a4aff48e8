import { TsiotError } from '../src/core/errors.js';
import { fullJsonSchema, toolDocUri } from '../src/mcp/listing.js';
import { completeChoices } from '../src/registry/completion.js';
import type { TemplateResourceDefinition } from '../src/registry/resource.js';
import { toolScope } from '../src/registry/scopes.js';
import { fullDescription } from '../src/registry/tool.js';
import { tools } from '../tools/index.js';

/**
 * Each tool in full: what tools/list leaves out to stay small — its details,
 * the whole input JSON Schema (every nested field, limit and description) and
 * its output schema.
 */
export const toolsResource: TemplateResourceDefinition = {
  kind: 'template',
  name: 'tools',
  uriTemplate: 'tsiot://tools/{name}',
  title: 'Tool reference',
  description:
    'One tool in full: its whole description, an example, the scope it needs, and its complete input and output JSON Schemas (tools/list shows a compact form).',
  mimeType: 'application/json',
  async list(_engines, page) {
    return tools.slice(page.offset, page.offset + page.limit).map((t) => ({
      uri: toolDocUri(t.name),
      name: t.name,
      title: t.title,
      mimeType: 'application/json',
    }));
  },
  async read(uri, variables) {
    const raw = variables.name;
    const name = decodeURIComponent(Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? ''));
    const tool = tools.find((t) => t.name === name);
    if (!tool)
      throw new TsiotError('not_found', `${uri.href}: no tool named "${name}"`, {
        details: { field: 'name', example: 'tsiot://tools/generate_timeseries' },
        hint: `Tools: ${tools.map((t) => t.name).join(', ')}.`,
      });
    const body = {
      name: tool.name,
      title: tool.title,
      description: fullDescription(tool),
      ...(tool.example !== undefined ? { example: tool.example } : {}),
      scope: toolScope(tool),
      ...(tool.annotations ? { annotations: tool.annotations } : {}),
      inputSchema: fullJsonSchema(tool.inputSchema.strict(), 'input'),
      outputSchema: fullJsonSchema(tool.outputSchema, 'output'),
    };
    return [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body) }];
  },
  complete: {
    name: (prefix) =>
      completeChoices(
        prefix,
        tools.map((t) => t.name),
      ),
  },
};
