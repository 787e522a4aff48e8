import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Protocol, type RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  type CallToolRequestSchema,
  CompleteRequestSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type CallToolResult,
  type CompleteResult,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { z } from 'zod';
import { notifyJobResourceUpdates } from '../../resources/jobs.js';
import { type Caller, DEFAULT_TENANT, LOCAL_CALLER } from '../core/caller.js';
import { scopeEngines } from '../engines/tenancy/index.js';
import { TsiotError } from '../core/errors.js';
import type { Progress } from '../core/types.js';
import type { Engines } from '../engines/engines.js';
import { type Completer, MAX_COMPLETION_PREFIX, MAX_COMPLETION_VALUES } from '../registry/completion.js';
import type { AnyPrompt } from '../registry/prompt.js';
import type { ResourceDefinition, ResourceListing, ResourcePage } from '../registry/resource.js';
import { decodeCursor, encodeCursor } from '../registry/cursor.js';
import { runTool, toErrorBody } from '../registry/run-tool.js';
import { toolScope } from '../registry/scopes.js';
import type { AnyTool } from '../registry/tool.js';
import { VERSION } from '../version.js';
import { trace } from '@opentelemetry/api';
import { currentRequest } from '../core/request-context.js';
import { inSpan, markError, SpanKind } from '../engines/telemetry/tracing.js';
import { inToolCallScope } from './observe.js';
import { listedTool } from './listing.js';
import { resultText } from './result-text.js';

export interface Registries {
  tools: AnyTool[];
  resources: ResourceDefinition[];
  prompts: AnyPrompt[];
}

/** tools/call as the protocol defines it, but with arguments of any JSON type, so runTool can name what is wrong. */
const LenientCallToolRequestSchema = z.object({
  method: z.literal('tools/call'),
  params: z.looseObject({ name: z.string(), arguments: z.unknown().optional() }),
});

const INSTRUCTIONS = [
  'tsiot generates, validates, stores and exports synthetic IoT time series. Three main workflows, each with a prompt:',
  '(1) New data from a description: generate_timeseries (describe_generator "statistical" lists every sensor option) returns series ids, the seed and labelled anomalies (prompt design_sensor_fleet).',
  '(2) A copy of real data: synthesize_like fits, samples and validates in one call and returns a 0-100 score with per-check results (prompt synthesize_like_real_data).',
  '(3) A reusable model: fit_model learns a generator from real data (list_generators says which suits what); sample it with generate_from_model (prompt fit_and_sample_model).',
  'Show your user what you made with plot_series (a PNG), or plots: true on validate_timeseries, compare_series and synthesize_like.',
  'Read data with get_series (a bucket downsamples), files with export_series, stored ids with list_series; long work runs as a job (start_job, get_job).',
  "Tool results carry their JSON as text; long ones are trimmed and name the resource holding the rest. A tool's full description and JSON Schemas: tsiot://tools/{name}.",
  'Every random choice follows the seed: the same call and seed give identical data.',
].join(' ');

/**
 * The caller of one request: network transports put the authenticated caller
 * in `authInfo.extra.caller` on every message (so a refreshed token's scopes
 * count), otherwise the caller the session was built for.
 */
export function callerOf(extra: { authInfo?: AuthInfo }, session: Caller): Caller {
  const fromTransport = extra.authInfo?.extra?.caller as Caller | undefined;
  return fromTransport ?? session;
}

/** Shape a thrown error as an MCP tool result with isError, never a stack trace. */
export function errorResult(e: unknown): CallToolResult {
  const body = toErrorBody(e);
  const text = [body.message, body.hint ? `Hint: ${body.hint}` : '', body.retryable ? 'Retrying later may help.' : '']
    .filter(Boolean)
    .join(' ');
  // No structuredContent: clients validate it against the tool's output schema, which describes success.
  return { content: [{ type: 'text', text: `${text} [${body.code}]` }], isError: true };
}

/**
 * Build an MCP server from the registries. Side-effect free: it connects to
 * nothing; transports connect it. One instance per session.
 */
export interface McpServerOptions {
  /** The transport this server is connected over, for metrics and logs. Default "stdio". */
  transport?: McpTransportName;
  /** Who opened the session: its tenant and scopes. Default the local, trusted user (stdio). */
  caller?: Caller;
}

export type McpTransportName = 'stdio' | 'streamable-http' | 'websocket';

export function createMcpServer(engines: Engines, registries: Registries, options: McpServerOptions = {}): McpServer {
  const transport = options.transport ?? 'stdio';
  const caller = options.caller ?? LOCAL_CALLER;
  // resources, completions and notifications see the session caller's tenant only
  const scoped = scopeEngines(engines, caller);
  const server = new McpServer(
    { name: 'tsiot', title: 'tsiot — synthetic IoT time series', version: VERSION },
    { capabilities: { logging: {} }, instructions: INSTRUCTIONS },
  );

  const callTool = async (
    tool: AnyTool,
    args: unknown,
    extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
  ): Promise<CallToolResult> => {
    const token = extra._meta?.progressToken;
    let lastSent = 0;
    const pending: Promise<unknown>[] = [];
    const progress = (p: Progress) => {
      if (token === undefined) return;
      const now = Date.now();
      if (now - lastSent < 100 && p.done < p.total) return; // at most ~10 notifications/s
      lastSent = now;
      pending.push(
        extra
          .sendNotification({
            method: 'notifications/progress',
            params: {
              progressToken: token,
              progress: p.done,
              total: p.total,
              ...(p.message ? { message: p.message } : {}),
            },
          })
          .catch(() => undefined),
      );
    };
    const attributes = {
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': tool.name,
      'gen_ai.operation.name': 'execute_tool',
      'jsonrpc.request.id': String(extra.requestId),
      'network.transport': transport === 'stdio' ? 'pipe' : 'tcp',
      ...(extra.sessionId ? { 'mcp.session.id': extra.sessionId } : {}),
    };
    const run = async (): Promise<CallToolResult> => {
      try {
        const { structured, summary, images } = await runTool(tool, args, {
          engines,
          logger: engines.logger,
          signal: extra.signal,
          progress,
          caller: callerOf(extra, caller),
          transport,
        });
        const checked = tool.outputSchema.safeParse(structured);
        if (!checked.success) {
          engines.logger.error(
            { tool: tool.name, issues: checked.error.issues.slice(0, 5) },
            'tool output off its schema',
          );
          return errorResult(new Error('output off schema'));
        }
        // progress must reach the client before the result, which ends the client's interest in it
        await Promise.all(pending);
        const pictures = (images ?? []).map((i) => ({
          type: 'image' as const,
          data: Buffer.from(i.data).toString('base64'),
          mimeType: i.mimeType,
        }));
        // the summary, then the result's JSON for clients that read only text, then any pictures
        return {
          content: [{ type: 'text', text: summary }, { type: 'text', text: resultText(structured) }, ...pictures],
          structuredContent: structured,
        };
      } catch (e) {
        if (!(e instanceof TsiotError)) engines.logger.error({ err: e, tool: tool.name }, 'tool failed');
        return errorResult(e);
      }
    };
    return inToolCallScope(transport, engines.logger, () =>
      inSpan(
        `tools/call ${tool.name}`,
        attributes,
        async (span) => {
          const scope = currentRequest();
          if (scope && !scope.traceId && trace.isSpanContextValid(span.spanContext()))
            Object.assign(scope, { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
          const result = await run();
          // a tool error is an answer, not a failed request: the span says so (MCP semantic conventions)
          if (result.isError) markError(span, 'tool_error');
          return result;
        },
        { kind: SpanKind.SERVER },
      ),
    );
  };

  const byName = new Map<string, AnyTool>();
  for (const tool of registries.tools) {
    byName.set(tool.name, tool);
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        // strict for the published JSON Schema (additionalProperties: false); calls are checked by runTool
        inputSchema: tool.inputSchema.strict(),
        outputSchema: tool.outputSchema,
        ...(tool.annotations ? { annotations: { title: tool.title, ...tool.annotations } } : {}),
        _meta: { 'tsiot/scope': toolScope(tool) },
      },
      (args: unknown, extra: RequestHandlerExtra<ServerRequest, ServerNotification>) => callTool(tool, args, extra),
    );
  }
  // The SDK's own tools/call handler parses the request against its schema first, so arguments that are not an
  // object (null, [], "x", 42) come back as a JSON-RPC error holding a zod dump, and unknown fields are dropped
  // before a handler sees them. This handler takes the raw arguments to runTool, which answers both as tool
  // errors naming the field. It is installed through the base Protocol method because Server wraps tools/call
  // with that same strict request parse.
  Protocol.prototype.setRequestHandler.call(
    server.server,
    LenientCallToolRequestSchema as unknown as typeof CallToolRequestSchema,
    async (request, extra) => {
      const params = (request as unknown as z.infer<typeof LenientCallToolRequestSchema>).params;
      const tool = byName.get(params.name);
      // as the SDK's own handler answers: a tool error the model can read, not a protocol error
      if (!tool) return { content: [{ type: 'text', text: `Tool ${params.name} not found` }], isError: true };
      return callTool(tool, params.arguments, extra);
    },
  );

  // tools/list as a model reads it: short descriptions and compact schemas (the full ones are at tsiot://tools/{name})
  const listing = { tools: registries.tools.map(listedTool) };
  Protocol.prototype.setRequestHandler.call(server.server, ListToolsRequestSchema, async () => listing);

  for (const r of registries.resources) {
    if (r.kind === 'static') {
      server.registerResource(
        r.name,
        r.uri,
        { title: r.title, description: r.description, mimeType: r.mimeType },
        async () => ({
          contents: await r.read(scoped),
        }),
      );
    } else {
      // listed by the paged resources/list handler below, not by the SDK's, which has no cursor
      const template = new ResourceTemplate(r.uriTemplate, { list: undefined });
      server.registerResource(
        r.name,
        template,
        { title: r.title, description: r.description, mimeType: r.mimeType },
        async (uri, variables) => ({
          contents: await r.read(uri, variables, scoped),
        }),
      );
    }
  }

  registerResourceList(server, scoped, registries.resources);

  for (const p of registries.prompts) {
    server.registerPrompt(
      p.name,
      { title: p.title, description: p.description, argsSchema: p.args },
      (args: Record<string, string | undefined>) => ({
        messages: p.build(args).map((m) => ({ role: m.role, content: { type: 'text' as const, text: m.text } })),
      }),
    );
  }

  registerCompletions(server, scoped, registries);

  // Clients may subscribe to resources (jobs, series); each session keeps its own subscriptions.
  const subscribed = new Set<string>();
  server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, async (r) => {
    // updates of another tenant's series or job are never delivered: such a subscription is refused like an unknown one
    if (!(await visible(scoped, r.params.uri)))
      throw new McpError(ErrorCode.InvalidParams, `Resource ${r.params.uri} does not exist`);
    subscribed.add(r.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (r) => {
    subscribed.delete(r.params.uri);
    return {};
  });
  const stopJobs = notifyJobResourceUpdates(server, engines.jobs, { isSubscribed: (u) => subscribed.has(u) });
  const stopSeries = engines.events.subscribe((event) => {
    if (event.type !== 'series.created' && event.type !== 'series.deleted') return;
    if ((event.data.tenant ?? DEFAULT_TENANT) !== caller.tenant) return;
    if (!server.isConnected()) return;
    server.sendResourceListChanged();
    const ids = event.type === 'series.deleted' ? [String(event.data.id)] : ((event.data.ids as string[]) ?? []);
    for (const id of ids) {
      const uri = `tsiot://series/${encodeURIComponent(id)}`;
      if (subscribed.has(uri)) void server.server.sendResourceUpdated({ uri }).catch(() => undefined);
    }
  });
  const previousOnClose = server.server.onclose;
  server.server.onclose = () => {
    stopJobs();
    stopSeries();
    previousOnClose?.();
  };

  return server;
}

/** Resources per resources/list page. */
export const RESOURCE_PAGE = 100;

/**
 * resources/list in pages with an opaque cursor: the fixed resources first,
 * then each family (series, jobs, reports, models, tools) page by page, so a
 * store of 5,000 series is listed whole, 100 at a time.
 */
function registerResourceList(server: McpServer, engines: Engines, resources: ResourceDefinition[]): void {
  const statics = resources.filter((r) => r.kind === 'static');
  const sources: ((page: ResourcePage) => Promise<ResourceListing[]>)[] = [
    async (page) =>
      statics.slice(page.offset, page.offset + page.limit).map((r) => ({
        uri: r.uri,
        name: r.name,
        title: r.title,
        description: r.description,
        mimeType: r.mimeType,
      })),
    ...resources.flatMap((r) => (r.kind === 'template' ? [(page: ResourcePage) => r.list(engines, page)] : [])),
  ];
  Protocol.prototype.setRequestHandler.call(server.server, ListResourcesRequestSchema, async (request) => {
    const cursor = request.params?.cursor;
    let position: { source: number; offset: number };
    try {
      position = cursor ? decodeCursor(cursor, 'resources/list') : { source: 0, offset: 0 };
    } catch (e) {
      throw new McpError(ErrorCode.InvalidParams, toErrorBody(e).message);
    }
    let { source, offset } = position;
    const listed: ResourceListing[] = [];
    while (source < sources.length && listed.length < RESOURCE_PAGE) {
      const limit = RESOURCE_PAGE - listed.length;
      const items = (await sources[source]!({ limit, offset })).slice(0, limit);
      listed.push(...items);
      if (items.length < limit) {
        source++;
        offset = 0;
      } else offset += items.length;
    }
    return {
      resources: listed,
      ...(source < sources.length ? { nextCursor: encodeCursor({ source, offset }, 'resources/list') } : {}),
    };
  });
}

/** Whether a subscribable resource exists for this tenant (series and jobs are checked; others are catalogues). */
async function visible(scoped: Engines, uri: string): Promise<boolean> {
  const series = /^tsiot:\/\/series\/([^/?#]+)$/.exec(uri);
  if (series) return (await scoped.storage.describe(decodeURIComponent(series[1]!))) !== undefined;
  const job = /^tsiot:\/\/jobs\/([^/?#]+)$/.exec(uri);
  if (job)
    return scoped.jobs.get(decodeURIComponent(job[1]!)).then(
      () => true,
      () => false,
    );
  return true;
}

const NO_COMPLETION: CompleteResult = { completion: { values: [], total: 0, hasMore: false } };

/**
 * `completion/complete` for prompt arguments and resource-template variables,
 * from the completers the definitions carry. A reference this server does not
 * know (or an argument without a completer) gets no suggestions rather than
 * an error: completion only helps a person type, and a client asking about
 * something absent should just see nothing to offer.
 */
function registerCompletions(server: McpServer, engines: Engines, registries: Registries): void {
  const byPrompt = new Map(registries.prompts.map((p) => [p.name, p.complete ?? {}]));
  const byTemplate = new Map(
    registries.resources.flatMap((r) => (r.kind === 'template' ? [[r.uriTemplate, r.complete ?? {}] as const] : [])),
  );
  server.server.registerCapabilities({ completions: {} });
  server.server.setRequestHandler(CompleteRequestSchema, async (request): Promise<CompleteResult> => {
    const { ref, argument, context } = request.params;
    const completers: Record<string, Completer | undefined> | undefined =
      ref.type === 'ref/prompt' ? byPrompt.get(ref.name) : byTemplate.get(ref.uri);
    const complete = completers?.[argument.name];
    if (!complete || argument.value.length > MAX_COMPLETION_PREFIX) return NO_COMPLETION;
    try {
      const r = await complete(argument.value, engines, context ?? {});
      const values = r.values.slice(0, MAX_COMPLETION_VALUES);
      return {
        completion: {
          values,
          ...(r.total !== undefined ? { total: r.total } : {}),
          hasMore: r.hasMore || r.values.length > values.length,
        },
      };
    } catch (e) {
      if (!(e instanceof TsiotError))
        engines.logger.error({ err: e, ref, argument: argument.name }, 'completion failed');
      throw new McpError(ErrorCode.InternalError, toErrorBody(e).message);
    }
  });
}
