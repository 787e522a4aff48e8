import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTracing, type Tracing, tracingConfigured } from '../../../src/engines/telemetry/tracing.js';
import { startHttpServer, type RunningHttpServer } from '../../../src/http/server.js';
import { createMcpServer } from '../../../src/mcp/server.js';
import { prompts } from '../../../prompts/index.js';
import { resources } from '../../../resources/index.js';
import { tools } from '../../../tools/index.js';
import { makeEngines, type TestEngines } from '../../helpers/engines.js';
import { installGlobalWebSocket } from '../../helpers/websocket.js';

installGlobalWebSocket();

const exporter = new InMemorySpanExporter();
let tracing: Tracing | undefined;
let engines: TestEngines;
let http: RunningHttpServer;
const registries = { tools, resources, prompts };

beforeAll(async () => {
  tracing = await startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  engines = await makeEngines();
  http = await startHttpServer({
    engines,
    tools,
    createMcpServer: (caller, transport) => createMcpServer(engines, registries, { caller, transport }),
    host: '127.0.0.1',
    port: 0,
    logger: engines.logger,
  });
});
afterAll(async () => {
  await http?.close();
  await engines?.close();
  await tracing?.shutdown();
});
beforeEach(() => exporter.reset());

const idOf = (s: ReadableSpan) => s.spanContext().spanId;
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

/** The span named `name` and the names of the spans below it, depth first. */
function tree(spans: ReadableSpan[], root: ReadableSpan): string[] {
  const out: string[] = [];
  const walk = (s: ReadableSpan, depth: number) => {
    out.push(`${'  '.repeat(depth)}${s.name}`);
    for (const child of spans.filter((c) => parentOf(c) === idOf(s))) walk(child, depth + 1);
  };
  walk(root, 0);
  return out;
}

async function settled(name: string): Promise<ReadableSpan[]> {
  for (let i = 0; i < 50; i++) {
    const spans = exporter.getFinishedSpans();
    if (spans.some((s) => s.name === name)) return spans;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no span ${name}; got ${exporter.getFinishedSpans().map((s) => s.name)}`);
}

async function mcpCall(client: Client): Promise<void> {
  const r = await client.callTool({ name: 'generate_timeseries', arguments: { seed: 5, points: 20 } });
  expect(r.isError).toBeFalsy();
  const bad = await client.callTool({ name: 'get_series', arguments: { id: 'ser_nope' } });
  expect(bad.isError).toBe(true);
}

function expectMcpTree(spans: ReadableSpan[], transport: 'pipe' | 'tcp', session: boolean): ReadableSpan {
  const server = spans.find((s) => s.name === 'tools/call generate_timeseries')!;
  expect(server.kind).toBe(1); // SERVER
  expect(server.attributes).toMatchObject({
    'mcp.method.name': 'tools/call',
    'gen_ai.tool.name': 'generate_timeseries',
    'network.transport': transport,
  });
  expect(typeof server.attributes['jsonrpc.request.id']).toBe('string');
  if (session) expect(typeof server.attributes['mcp.session.id']).toBe('string');
  const lines = tree(spans, server);
  expect(lines.slice(0, 3)).toEqual(['tools/call generate_timeseries', '  tool generate_timeseries', '    generate']);
  expect(lines).toContain('      storage store');
  const failed = spans.find((s) => s.name === 'tools/call get_series')!;
  expect(failed.attributes['error.type']).toBe('tool_error');
  expect(failed.status.code).toBe(2); // ERROR
  return server;
}

describe('traces', () => {
  it('is off unless an OTLP endpoint is configured', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x', OTEL_TRACES_EXPORTER: 'none' })).toBe(
      false,
    );
  });

  it('MCP in memory (the stdio server): a SERVER span per tool call with the nested tree', async () => {
    const server = createMcpServer(engines, registries);
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    const client = new Client({ name: 't', version: '0' });
    await client.connect(b);
    await mcpCall(client);
    await client.close();
    expectMcpTree(await settled('tools/call get_series'), 'pipe', false);
  });

  it('MCP over Streamable HTTP: the HTTP span holds the MCP span', async () => {
    const client = new Client({ name: 't', version: '0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${http.url}/mcp`)));
    await mcpCall(client);
    await client.close();
    const spans = await settled('tools/call get_series');
    const mcp = expectMcpTree(spans, 'tcp', true);
    const parent = spans.find((s) => idOf(s) === parentOf(mcp))!;
    expect(parent.name).toBe('POST /mcp');
    expect(parent.kind).toBe(1);
  });

  it('MCP over WebSocket', async () => {
    const client = new Client({ name: 't', version: '0' });
    await client.connect(new WebSocketClientTransport(new URL(`${http.url.replace(/^http/, 'ws')}/ws`)));
    await mcpCall(client);
    await client.close();
    expectMcpTree(await settled('tools/call get_series'), 'tcp', false);
  });

  it('REST: the HTTP span, the tool, and a job span linked to the request that started it', async () => {
    const res = await fetch(`${http.url}/v1/tools/start_job`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'generation', data: { params: { points: 30 }, seed: 1 } }),
    });
    expect(res.status).toBe(200);
    const spans = await settled('job generation');
    const request = spans.find((s) => s.name === 'POST /v1/tools/:name')!;
    expect(request.attributes).toMatchObject({ 'http.route': '/v1/tools/:name', 'http.response.status_code': 200 });
    expect(tree(spans, request).slice(0, 2)).toEqual(['POST /v1/tools/:name', '  tool start_job']);
    const job = spans.find((s) => s.name === 'job generation')!;
    expect(job.kind).toBe(4); // CONSUMER
    expect(job.links.map((l) => l.context.traceId)).toEqual([request.spanContext().traceId]);
    expect(tree(spans, job)).toContain('  storage store');
  });
});
