import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeProcess, startServe } from '../../helpers/serve.js';

/**
 * An OTLP/HTTP receiver started here gets the spans of a real `tsiot serve`
 * configured only by the standard OTEL_* variables: the spans of a request
 * and those of the job it started, linked to it.
 */

interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  links?: { traceId: string; spanId: string }[];
}

const received: OtlpSpan[] = [];
let receiver: Server;
let serve: ServeProcess;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type']?.includes('json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
        };
        for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) received.push(...ss.spans);
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const { port } = receiver.address() as AddressInfo;
  serve = await startServe({
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_SERVICE_NAME: 'tsiot-test',
  });
}, 60_000);

afterAll(async () => {
  await serve?.stop();
  await new Promise((r) => receiver?.close(r));
});

describe('OTLP/HTTP export', () => {
  it('exports the spans of a request and of the job it started, linked', async () => {
    const res = await fetch(`${serve.url}/v1/tools/start_job`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'req-otlp-1' },
      body: JSON.stringify({ type: 'generation', data: { params: { points: 40 }, seed: 4 } }),
    });
    expect(res.status).toBe(200);
    let job: OtlpSpan | undefined;
    for (let i = 0; i < 100 && !job; i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = received.find((s) => s.name === 'job generation');
    }
    expect(job, `spans received: ${received.map((s) => s.name).join(', ')}`).toBeDefined();
    const request = received.find((s) => s.name === 'POST /v1/tools/:name')!;
    expect(request).toBeDefined();
    expect(received.find((s) => s.name === 'tool start_job')?.parentSpanId).toBe(request.spanId);
    expect(job!.links?.map((l) => l.traceId)).toEqual([request.traceId]);
    expect(received.some((s) => s.name === 'storage store' && s.traceId === job!.traceId)).toBe(true);
    // the log line of the request names its trace
    const line = serve.logLines().find((l) => l.reqId === 'req-otlp-1');
    expect(line?.traceId).toBe(request.traceId);
  }, 30_000);
});
