import type { z } from 'zod';
import type { Engines } from '../engines/engines.js';
import type { Logger } from '../core/logger.js';
import type { Caller } from '../core/caller.js';
import type { Progress } from '../core/types.js';

export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** What a handler gets besides its parsed input. Adapters build one per call. */
export interface ToolContext {
  engines: Engines;
  logger: Logger;
  signal: AbortSignal;
  /** Report progress; a no-op when the caller did not ask for progress. */
  progress: (p: Progress) => void;
  /**
   * Who is calling (adapters always say): decides which files may be read and,
   * with authentication, the scopes and the tenant. Absent: treated as a
   * network client without identity, the most confined case.
   */
  caller?: Caller;
  /** How the call arrived (stdio, streamable-http, websocket, rest, cli), for metrics and logs. */
  transport?: string;
}

/** A picture a tool made, e.g. a plot: MCP image content, a REST image, a CLI file. */
export interface ToolImage {
  mimeType: 'image/png' | 'image/svg+xml';
  data: Uint8Array;
}

export interface ToolResult<O> {
  /** Matches the tool's output schema. */
  structured: O;
  /** A short human/model-readable summary of what happened. */
  summary: string;
  /** Pictures beside the structured result; kept out of it so a model's context is not filled with base64. */
  images?: ToolImage[];
}

/**
 * A readable REST route that maps onto a tool, e.g.
 * { method: 'GET', path: '/v1/series/:id' } for get_series. Path parameters
 * and query parameters become tool input fields.
 */
export interface RestRoute {
  method: 'GET' | 'DELETE' | 'POST';
  path: string;
}

/**
 * One tool: the single definition the MCP server, the REST adapter, the CLI
 * and the OpenAPI document are all built from.
 */
export interface ToolDefinition<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  /**
   * Written for a model and kept short (MCP clients load every tool's description into the model's context):
   * when to use it and one example. Anything longer goes in `details`.
   */
  description: string;
  /** The rest: units, limits, options, whether a retry helps. Shown in the OpenAPI document and at tsiot://tools/{name}. */
  details?: string;
  inputSchema: I;
  outputSchema: O;
  annotations?: ToolAnnotations;
  /** Example input, shown in docs and error messages. */
  example?: z.input<I>;
  routes?: RestRoute[];
  /** The OAuth scope calling it needs (see registry/scopes.ts); derived from the name and annotations when absent. */
  scope?: 'series:read' | 'series:write' | 'models' | 'jobs' | 'privacy' | 'admin';
  handler(input: z.output<I>, ctx: ToolContext): Promise<ToolResult<z.output<O>>>;
}

/** A tool's description followed by its details: what documentation (OpenAPI, tsiot://tools/{name}) shows. */
export function fullDescription(tool: Pick<AnyTool, 'description' | 'details'>): string {
  return tool.details ? `${tool.description} ${tool.details}` : tool.description;
}

/** Helper that keeps the input/output types of a definition precise. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(
  def: ToolDefinition<I, O>,
): ToolDefinition<I, O> {
  return def;
}

export type AnyTool = ToolDefinition<any, any>;
