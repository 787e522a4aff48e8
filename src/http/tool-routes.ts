import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, Hono } from 'hono';
import { TsiotError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Engines } from '../engines/engines.js';
import { runTool } from '../registry/run-tool.js';
import type { AnyTool, RestRoute, ToolContext, ToolImage } from '../registry/tool.js';
import { callerOf } from './auth/index.js';
import { isJsonContentType, readJsonBody, readNodeJsonBody } from './json-body.js';
import { coerceParams } from './query-coerce.js';

export interface ToolRouteOptions {
  engines: Engines;
  logger: Logger;
  /** Largest JSON body in bytes. */
  maxBodyBytes: number;
}

/** The canonical REST path of a tool. */
export function toolPath(name: string): string {
  return `/v1/tools/${name}`;
}

/** Names of the `:params` in a route path, in order. */
export function pathParamsOf(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
}

/**
 * Mount every tool on the app: `POST /v1/tools/:name` with the JSON body as
 * input, plus each tool's readable routes, whose input is the path params and
 * the query string (GET, DELETE) or the JSON body (POST), coerced against the
 * tool's input schema. Every call goes through runTool; the answer is
 * `{ result, summary }`. Errors are thrown for the app's error handler.
 */
export function mountToolRoutes(app: Hono, tools: readonly AnyTool[], baseOptions: ToolRouteOptions): void {
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  // each tool's logger is made once, not per call
  const loggers = new Map(tools.map((tool) => [tool, baseOptions.logger.child({ tool: tool.name })]));
  const options: MountedOptions = {
    ...baseOptions,
    loggerOf: (tool) => loggers.get(tool) ?? baseOptions.logger.child({ tool: tool.name }),
  };
  const seen = new Map<string, string>();

  for (const tool of tools) {
    for (const route of tool.routes ?? []) {
      const key = `${route.method} ${route.path.replace(/:[A-Za-z0-9_]+/g, ':')}`;
      const owner = seen.get(key);
      if (owner)
        throw new Error(
          `REST route ${route.method} ${route.path} of tool "${tool.name}" is already taken by "${owner}"`,
        );
      seen.set(key, tool.name);
      app.on(route.method, route.path, async (c) =>
        respond(c, await call(tool, await routeInput(c, tool, route, options.maxBodyBytes), c, options)),
      );
    }
  }

  app.post('/v1/tools/:name', async (c) => {
    const name = c.req.param('name');
    const tool = byName.get(name);
    if (!tool) {
      throw new TsiotError('not_found', `Tool "${name}" does not exist`, {
        details: { tool: name },
        hint: 'GET /v1/tools lists the available tools.',
      });
    }
    return respond(c, await call(tool, await readBody(c, options.maxBodyBytes), c, options));
  });
}

interface MountedOptions extends ToolRouteOptions {
  loggerOf(tool: AnyTool): Logger;
}

interface CallAnswer {
  result: unknown;
  summary: string;
  images?: { mimeType: string; data: string }[];
}

/**
 * JSON `{ result, summary, images? }` (images base64), or the first image's
 * bytes when the caller asks for that image type in Accept and not for JSON.
 */
function respond(c: Context, answer: CallAnswer & { raw?: ToolImage[] }): Response {
  const { raw, ...body } = answer;
  const accept = c.req.header('accept') ?? '';
  const image = raw?.[0];
  if (image && accept.includes(image.mimeType) && !accept.includes('application/json')) {
    return new Response(Buffer.from(image.data), {
      headers: { 'content-type': image.mimeType, 'content-length': String(image.data.length) },
    });
  }
  return c.json(body);
}

async function call(
  tool: AnyTool,
  input: unknown,
  c: Context,
  options: MountedOptions,
): Promise<CallAnswer & { raw?: ToolImage[] }> {
  const ctx: ToolContext = {
    engines: options.engines,
    logger: options.loggerOf(tool),
    signal: requestSignal(c),
    progress: () => {},
    caller: callerOf(c),
    transport: 'rest',
  };
  const { structured, summary, images } = await runTool(tool, input, ctx);
  if (!images?.length) return { result: structured, summary };
  return {
    result: structured,
    summary,
    images: images.map((i) => ({ mimeType: i.mimeType, data: Buffer.from(i.data).toString('base64') })),
    raw: images,
  };
}

async function routeInput(
  c: Context,
  tool: AnyTool,
  route: RestRoute,
  maxBodyBytes: number,
): Promise<Record<string, unknown>> {
  const path: Record<string, string[]> = Object.create(null);
  for (const [name, value] of Object.entries(c.req.param() as Record<string, string>)) path[name] = [value];
  const fromPath = coerceParams(tool.inputSchema, path);
  if (route.method === 'POST') {
    const body = (await readBody(c, maxBodyBytes)) ?? {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new TsiotError('invalid_input', `The request body must be a JSON object with the input of ${tool.name}.`);
    }
    return { ...(body as Record<string, unknown>), ...fromPath };
  }
  const query: Record<string, string[]> = Object.create(null);
  for (const [name, value] of new URL(c.req.url).searchParams) {
    query[name] ??= [];
    query[name].push(value);
  }
  return { ...coerceParams(tool.inputSchema, query), ...fromPath };
}

/** The JSON body of a tool call (undefined when empty); refuses bodies that are not declared as JSON. */
async function readBody(c: Context, maxBytes: number): Promise<unknown> {
  const type = c.req.header('content-type');
  if (type && !isJsonContentType(type)) {
    throw new TsiotError(
      'invalid_input',
      `The request body must be JSON, but its Content-Type is "${type.split(';', 1)[0]}".`,
      {
        hint: "Send the tool input as a JSON object with Content-Type: application/json (curl: -H 'Content-Type: application/json').",
      },
    );
  }
  const node = nodeOf(c);
  const body = node ? await readNodeJsonBody(node.incoming, maxBytes) : await readJsonBody(c.req.raw, maxBytes);
  if (body !== undefined && !type) {
    throw new TsiotError(
      'invalid_input',
      'The request body has no Content-Type; it must be sent as application/json.',
      {
        hint: "Add the header Content-Type: application/json (curl: -H 'Content-Type: application/json').",
      },
    );
  }
  return body;
}

/**
 * The Node request and response under @hono/node-server (absent under
 * app.request). Reading the body and watching the connection through them
 * spares a call the web Request, its body streams and its AbortSignal.
 */
function nodeOf(c: Context): { incoming: IncomingMessage; outgoing: ServerResponse } | undefined {
  const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
  return env?.incoming && env.outgoing ? { incoming: env.incoming, outgoing: env.outgoing } : undefined;
}

/** Aborted when the client goes away before its answer is written (as node-server aborts the web Request). */
function requestSignal(c: Context): AbortSignal {
  const node = nodeOf(c);
  if (!node) return c.req.raw.signal;
  const { incoming, outgoing } = node;
  const controller = new AbortController();
  outgoing.once('close', () => {
    if (outgoing.writableFinished) return;
    controller.abort(incoming.errored ? incoming.errored.toString() : 'Client connection prematurely closed.');
  });
  return controller.signal;
}
