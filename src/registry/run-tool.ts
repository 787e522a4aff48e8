import { TsiotError } from '../core/errors.js';
import { parseInput } from '../core/input-errors.js';
import { ANONYMOUS_NETWORK_CALLER, hasScope } from '../core/caller.js';
import { scopeEngines } from '../engines/tenancy/index.js';
import { toolScope } from './scopes.js';
import type { AnyTool, ToolContext, ToolResult } from './tool.js';

/**
 * Validate raw input against a tool's schema and run its handler. Every
 * adapter calls this, so validation and error shaping happen in one place.
 * Throws TsiotError for bad input and domain failures; other errors are bugs.
 */
export async function runTool(
  tool: AnyTool,
  rawInput: unknown,
  ctx: ToolContext,
): Promise<ToolResult<Record<string, unknown>>> {
  const examples: Record<string, unknown> = {};
  if (tool.example && typeof tool.example === 'object') {
    for (const [k, v] of Object.entries(tool.example as Record<string, unknown>)) examples[k] = v;
  }
  const scope = toolScope(tool);
  if (ctx.caller && !hasScope(ctx.caller, scope)) throw insufficientScope(tool.name, scope);
  if (rawInput !== undefined && (typeof rawInput !== 'object' || rawInput === null || Array.isArray(rawInput))) {
    const got = rawInput === null ? 'null' : Array.isArray(rawInput) ? 'an array' : `a ${typeof rawInput}`;
    throw new TsiotError(
      'invalid_input',
      `Invalid input for ${tool.name}: the arguments must be a JSON object of named fields, got ${got}`,
      {
        details: { field: '(input)', expected: 'object', received: got },
        hint: `Pass an object, e.g. ${JSON.stringify(tool.example ?? {})}.`,
      },
    );
  }
  const input = parseInput(tool.inputSchema, rawInput ?? {}, `input for ${tool.name}`, examples);
  if (ctx.signal.aborted) throw new TsiotError('cancelled', `${tool.name} was cancelled before it started`);
  // the handler sees only the caller's tenant: its series, models, reports and jobs
  return tool.handler(input, { ...ctx, engines: scopeEngines(ctx.engines, ctx.caller ?? ANONYMOUS_NETWORK_CALLER) });
}

/** The refusal of a call whose token lacks the tool's scope; adapters turn `details.requiredScope` into a challenge. */
export function insufficientScope(toolName: string, scope: string): TsiotError {
  return new TsiotError('forbidden', `${toolName} needs the scope "${scope}", which this token or key does not grant`, {
    details: { requiredScope: scope, tool: toolName },
    hint: `Ask for a token with the scope "${scope}" (or create an API key with --scopes ${scope}).`,
  });
}

/** The shape every adapter uses for a failed call. */
export interface ErrorBody {
  code: string;
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
  retryable: boolean;
}

/** Map any thrown value to an error body; unknown errors become "internal" with no stack or internals. */
export function toErrorBody(e: unknown): ErrorBody {
  if (e instanceof TsiotError) return e.toJSON() as unknown as ErrorBody;
  return { code: 'internal', message: 'Internal error; the server log has details.', retryable: false };
}
