import { SCOPE_NAMES, toolScope } from '../registry/scopes.js';
import { type AnyTool, fullDescription, type RestRoute } from '../registry/tool.js';
import { rebaseRefs, toJsonSchema, type JsonSchema } from './json-schema.js';
import { EXPORTS_PATH } from './exports-route.js';
import { PROBLEM_CONTENT_TYPE, ProblemSchema } from './problem.js';
import { pathParamsOf, toolPath } from './tool-routes.js';

export interface OpenApiOptions {
  version: string;
  title?: string;
  /** Whether the document mentions the MCP Streamable HTTP endpoint at /mcp. */
  mcp?: boolean;
}

type Operation = Record<string, unknown>;

/**
 * The OpenAPI 3.1 document of the REST API, built from the same zod schemas
 * the tools validate with: every tool's `POST /v1/tools/{name}`, its readable
 * routes (path and query parameters, or a JSON body), the catalogue, health
 * endpoints, and RFC 9457 problem responses.
 */
export function buildOpenApi(tools: readonly AnyTool[], options: OpenApiOptions): Record<string, unknown> {
  const schemas: Record<string, JsonSchema> = { Problem: toJsonSchema(ProblemSchema, 'output') };
  const paths: Record<string, Record<string, Operation>> = {};
  const addOperation = (path: string, method: string, operation: Operation): void => {
    paths[path] ??= {};
    paths[path][method] = operation;
  };

  for (const tool of tools) {
    const inputName = `${tool.name}_input`;
    const outputName = `${tool.name}_output`;
    const input = rebaseRefs(toJsonSchema(tool.inputSchema, 'input'), `#/components/schemas/${inputName}`);
    schemas[inputName] = input;
    schemas[outputName] = rebaseRefs(toJsonSchema(tool.outputSchema, 'output'), `#/components/schemas/${outputName}`);
    const scope = toolScope(tool);
    const common = {
      summary: tool.title,
      description: fullDescription(tool),
      tags: ['tools'],
      responses: toolResponses(outputName),
      // the scope a token or API key needs when the server authenticates
      security: [{ bearer: [scope] }],
      'x-tsiot-scope': scope,
    };

    addOperation(toOpenApiPath(toolPath(tool.name)), 'post', {
      operationId: tool.name,
      ...common,
      requestBody: { required: false, content: { 'application/json': { schema: ref(inputName) } } },
    });

    const used = new Map<string, number>();
    for (const route of tool.routes ?? []) {
      const method = route.method.toLowerCase();
      const n = (used.get(method) ?? 0) + 1;
      used.set(method, n);
      addOperation(toOpenApiPath(route.path), method, {
        operationId: `${tool.name}_${method}${n > 1 ? `_${n}` : ''}`,
        ...common,
        ...routeInput(route, input, inputName),
      });
    }
  }

  addOperation('/v1/tools', 'get', {
    operationId: 'list_tools',
    summary: 'List the tools',
    description: 'Every tool with its title, description and input/output JSON Schemas.',
    tags: ['meta'],
    responses: {
      '200': jsonResponse('The tool catalogue', {
        type: 'object',
        properties: { tools: { type: 'array', items: { type: 'object' } } },
        required: ['tools'],
      }),
    },
  });
  // the caller's tenant's export files (export_series writes them)
  const exportName = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
  addOperation(EXPORTS_PATH, 'get', {
    operationId: 'list_exports',
    summary: 'List your export files',
    description: "The export files of the caller's tenant, newest first, and whether they are encrypted at rest.",
    tags: ['exports'],
    security: [{ bearer: ['series:read'] }],
    'x-tsiot-scope': 'series:read',
    responses: { '200': jsonResponse('The export files', { type: 'object' }) },
  });
  addOperation(`${EXPORTS_PATH}/{name}`, 'get', {
    operationId: 'download_export',
    summary: 'Download an export file',
    description: "The file's bytes (decrypted when encrypted at rest); another tenant's file answers 404.",
    tags: ['exports'],
    parameters: [exportName],
    security: [{ bearer: ['series:read'] }],
    'x-tsiot-scope': 'series:read',
    responses: {
      '200': { description: 'The file', content: { 'application/octet-stream': {} } },
      '404': problem('No such export file for this tenant'),
    },
  });
  addOperation(`${EXPORTS_PATH}/{name}`, 'delete', {
    operationId: 'delete_export',
    summary: 'Delete an export file',
    tags: ['exports'],
    parameters: [exportName],
    security: [{ bearer: ['series:write'] }],
    'x-tsiot-scope': 'series:write',
    responses: {
      '200': jsonResponse('Deleted', { type: 'object' }),
      '404': problem('No such export file for this tenant'),
    },
  });
  addOperation('/openapi.json', 'get', {
    operationId: 'openapi',
    summary: 'This OpenAPI document',
    tags: ['meta'],
    responses: { '200': jsonResponse('OpenAPI 3.1 document', { type: 'object' }) },
  });
  addOperation('/healthz', 'get', {
    operationId: 'healthz',
    summary: 'Liveness: the process answers',
    tags: ['meta'],
    responses: { '200': jsonResponse('Alive', { type: 'object' }) },
  });
  addOperation('/readyz', 'get', {
    operationId: 'readyz',
    summary: 'Readiness: storage answers its health check',
    tags: ['meta'],
    responses: {
      '200': jsonResponse('Ready', { type: 'object' }),
      '503': jsonResponse('Not ready; `reason` says why', { type: 'object' }),
    },
  });
  if (options.mcp) {
    const mcpOperation = (method: string): Operation => ({
      operationId: `mcp_${method}`,
      summary: `MCP Streamable HTTP (${method.toUpperCase()})`,
      description:
        'Model Context Protocol endpoint (Streamable HTTP transport, stateful sessions via the Mcp-Session-Id header). Use an MCP client.',
      tags: ['mcp'],
      responses: { '200': { description: 'JSON-RPC over HTTP/SSE' } },
    });
    for (const method of ['post', 'get', 'delete']) addOperation('/mcp', method, mcpOperation(method));
  }

  return {
    openapi: '3.1.0',
    info: {
      title: options.title ?? 'tsiot REST API',
      version: options.version,
      description:
        'Synthetic IoT time series: generate, validate, privatize, store and stream. Every tool is reachable as POST /v1/tools/{name}; many also have readable routes.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: [
      { name: 'tools', description: 'The tools, as the MCP server exposes them' },
      { name: 'meta', description: 'Catalogue, document and health' },
      { name: 'exports', description: "The caller's export files" },
      ...(options.mcp ? [{ name: 'mcp', description: 'Model Context Protocol' }] : []),
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: `An OAuth access token for this server or a tsiot API key (tsk_…). Scopes: ${SCOPE_NAMES.join(', ')}. /.well-known/oauth-protected-resource names the authorization servers.`,
        },
      },
    },
  };
}

/** "/v1/series/:id" → "/v1/series/{id}". */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function ref(name: string): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

function jsonResponse(description: string, schema: JsonSchema): Record<string, unknown> {
  return { description, content: { 'application/json': { schema } } };
}

function problem(description: string): Record<string, unknown> {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem') } } };
}

function toolResponses(outputName: string): Record<string, unknown> {
  return {
    '200': jsonResponse('The tool ran', {
      type: 'object',
      properties: {
        result: ref(outputName),
        summary: { type: 'string', description: 'Short summary of what happened.' },
        images: {
          type: 'array',
          description:
            'Pictures the tool made (plot_series), base64; send Accept: image/png for the raw image instead.',
          items: {
            type: 'object',
            properties: { mimeType: { type: 'string' }, data: { type: 'string', contentEncoding: 'base64' } },
            required: ['mimeType', 'data'],
          },
        },
      },
      required: ['result', 'summary'],
    }),
    '400': problem('Invalid input; `detail` names the field'),
    '413': problem('Request body over the size limit'),
    '500': problem('Internal error'),
    default: problem('A domain error (not found, conflict, unavailable, …)'),
  };
}

/** Parameters and body of a readable route: path params always; query params for GET/DELETE, a JSON body for POST. */
function routeInput(route: RestRoute, input: JsonSchema, inputName: string): Operation {
  const properties = (input.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((input.required ?? []) as string[]);
  const inPath = pathParamsOf(route.path);
  const parameters: Record<string, unknown>[] = inPath.map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: properties[name] ?? { type: 'string' },
    ...describe(properties[name]),
  }));

  if (route.method === 'POST') {
    const bodyProperties = Object.fromEntries(Object.entries(properties).filter(([name]) => !inPath.includes(name)));
    const bodySchema: JsonSchema = inPath.length
      ? { ...input, properties: bodyProperties, required: [...required].filter((name) => !inPath.includes(name)) }
      : ref(inputName);
    return { parameters, requestBody: { required: false, content: { 'application/json': { schema: bodySchema } } } };
  }

  for (const [name, schema] of Object.entries(properties)) {
    if (inPath.includes(name)) continue;
    const base = { name, in: 'query', required: required.has(name), ...describe(schema) };
    if (isStructured(schema)) parameters.push({ ...base, content: { 'application/json': { schema } } });
    else if (schema.type === 'array') parameters.push({ ...base, schema, style: 'form', explode: true });
    else parameters.push({ ...base, schema });
  }
  return { parameters };
}

function describe(schema: JsonSchema | undefined): Record<string, unknown> {
  return typeof schema?.description === 'string' ? { description: schema.description } : {};
}

/** Objects (and arrays of objects) travel in the query string as JSON. */
function isStructured(schema: JsonSchema): boolean {
  if (schema.type === 'object' || schema.properties || schema.additionalProperties) return true;
  if (schema.type === 'array') {
    const items = schema.items as JsonSchema | undefined;
    return !!items && (items.type === 'object' || !!items.properties);
  }
  return false;
}
