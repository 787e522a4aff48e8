import { TsiotError } from '../core/errors.js';
import { parseInput } from '../core/input-errors.js';
import { ANONYMOUS_NETWORK_CALLER, hasScope } from '../core/caller.js';
import { scopeEngines } from '../engines/tenancy/index.js';
import { toolScope } from './scopes.js';
import { currentRequest } from '../core/request-context.js';
import { type Metrics, statusOf } from '../engines/telemetry/metrics.js';
import { inSpan, tracingActive } from '../engines/telemetry/tracing.js';
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
  const scope = currentRequest();
  if (scope) scope.tool = tool.name;
  const transport = ctx.transport ?? scope?.transport ?? 'unknown';
  const begun = performance.now();
  let status = 'ok';
  try {
    return tracingActive()
      ? await inSpan(`tool ${tool.name}`, { 'gen_ai.tool.name': tool.name, 'tsiot.transport': transport }, () =>
          parseAndRun(tool, rawInput, ctx),
        )
      : await parseAndRun(tool, rawInput, ctx);
  } catch (e) {
    status = statusOf(e);
    throw e;
  } finally {
    if (scope) scope.toolStatus = status;
    const meters = toolMeters(ctx.engines.metrics, tool.name, transport, status);
    meters.calls.inc();
    meters.duration.observe((performance.now() - begun) / 1000);
  }
}

interface ToolMeters {
  calls: { inc(): void };
  duration: { observe(seconds: number): void };
}

/** The tool metrics' children per (tool, transport, status), made once: no label objects per call. */
const meterTables = new WeakMap<Metrics, Map<string, Map<string, Map<string, ToolMeters>>>>();

function toolMeters(metrics: Metrics, tool: string, transport: string, status: string): ToolMeters {
  const byTool = entry(meterTables, metrics, newMap<string, Map<string, Map<string, ToolMeters>>>);
  const byStatus = entry(
    entry(byTool, tool, newMap<string, Map<string, ToolMeters>>),
    transport,
    newMap<string, ToolMeters>,
  );
  let meters = byStatus.get(status);
  if (meters === undefined) {
    const labels = { tool, transport, status };
    meters = { calls: metrics.toolCalls.labels(labels), duration: metrics.toolDuration.labels(labels) };
    byStatus.set(status, meters);
  }
  return meters;
}

const newMap = <K, V>() => new Map<K, V>();

/** The value under `key`, made and kept on first use. */
function entry<K, V>(table: Map<K, V> | WeakMap<K & object, V>, key: K, make: () => V): V {
  let value = table.get(key as K & object);
  if (value === undefined) {
    value = make();
    table.set(key as K & object, value);
  }
  return value;
}

async function parseAndRun(
  tool: AnyTool,
  rawInput: unknown,
  ctx: ToolContext,
): Promise<ToolResult<Record<string, unknown>>> {
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
  const input = parseInput(tool.inputSchema, rawInput ?? {}, `input for ${tool.name}`, examplesOf(tool));
  if (ctx.signal.aborted) throw new TsiotError('cancelled', `${tool.name} was cancelled before it started`);
  // the handler sees only the caller's tenant: its series, models, reports and jobs
  return tool.handler(input, { ...ctx, engines: scopeEngines(ctx.engines, ctx.caller ?? ANONYMOUS_NETWORK_CALLER) });
}

/** A tool's example by field, for error messages; made once per tool. */
const exampleTables = new WeakMap<AnyTool, Record<string, unknown>>();

function examplesOf(tool: AnyTool): Record<string, unknown> {
  let examples = exampleTables.get(tool);
  if (examples === undefined) {
    examples = {};
    if (tool.example && typeof tool.example === 'object') {
      for (const [k, v] of Object.entries(tool.example as Record<string, unknown>)) examples[k] = v;
    }
    exampleTables.set(tool, examples);
  }
  return examples;
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
