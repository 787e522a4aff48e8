import { afterEach, describe, expect, it } from 'vitest';
import { createHttpApp } from '../../src/http/app.js';
import { Hono } from 'hono';
import type { Caller } from '../../src/core/caller.js';
import { createMetrics } from '../../src/engines/telemetry/metrics.js';
import { isLoopbackHost, metricsAccess, mountMetrics } from '../../src/http/metrics-route.js';
import { tools } from '../../tools/index.js';
import { makeEngines, type TestEngines } from '../helpers/engines.js';

let engines: TestEngines | undefined;
afterEach(async () => {
  await engines?.close();
  engines = undefined;
});

/** The value of one sample line, e.g. sample(text, 'tsiot_tool_calls_total', {tool: 'x'}). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').at(-1));
  }
  return undefined;
}

describe('/metrics', () => {
  it('counts tool calls, HTTP routes, storage operations, generation, validation and jobs', async () => {
    engines = await makeEngines();
    const app = createHttpApp({
      engines,
      tools,
      version: 'test',
      logger: engines.logger,
      metricsAccess: metricsAccess(undefined, '127.0.0.1'),
    });
    const post = (tool: string, body: unknown) =>
      app.request(`/v1/tools/${tool}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Host: '127.0.0.1' },
        body: JSON.stringify(body),
      });
    const gen = await post('generate_timeseries', { seed: 7, points: 50, interval: '1m' });
    expect(gen.status).toBe(200);
    const { result } = (await gen.json()) as { result: { series: { id: string }[] } };
    expect((await post('validate_timeseries', { synthetic: result.series[0]!.id })).status).toBe(200);
    expect((await post('get_series', { id: 'ser_missing' })).status).toBe(404);
    const job = await post('start_job', {
      type: 'generation',
      data: { generator: 'statistical', params: { points: 10 }, seed: 1 },
    });
    expect(job.status).toBe(200);

    const res = await app.request('/metrics', { headers: { Host: '127.0.0.1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();

    expect(
      sample(text, 'tsiot_tool_calls_total', { tool: 'generate_timeseries', transport: 'rest', status: 'ok' }),
    ).toBe(1);
    expect(sample(text, 'tsiot_tool_calls_total', { tool: 'get_series', status: 'not_found' })).toBe(1);
    expect(sample(text, 'tsiot_tool_call_duration_seconds_count', { tool: 'validate_timeseries' })).toBe(1);
    expect(
      sample(text, 'tsiot_http_request_duration_seconds_count', { route: '/v1/tools/:name', status: '200' }),
    ).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'tsiot_generation_duration_seconds_count', { generator: 'statistical', status: 'ok' })).toBe(1);
    expect(sample(text, 'tsiot_generated_values_total', { generator: 'statistical' })).toBe(50);
    expect(sample(text, 'tsiot_validation_total', { validator: 'quality' })).toBe(1);
    expect(
      sample(text, 'tsiot_storage_operation_duration_seconds_count', { backend: 'duckdb', operation: 'store' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'tsiot_storage_operation_duration_seconds_count', { backend: 'duckdb', operation: 'retrieve' }),
    ).toBeGreaterThanOrEqual(1);
    const jobStates = ['queued', 'running', 'completed'].map((state) => sample(text, 'tsiot_jobs', { state }) ?? 0);
    expect(jobStates.reduce((a, b) => a + b, 0)).toBe(1);
    expect(text).toContain('tsiot_process_cpu_seconds_total');
    // no series id, tenant or raw path in any label
    expect(text).not.toContain(result.series[0]!.id);
    expect(text).not.toContain('ser_missing');
  });

  it('is closed unless bound to loopback or configured open', async () => {
    engines = await makeEngines();
    const closed = createHttpApp({
      engines,
      tools,
      version: 'test',
      logger: engines.logger,
      metricsAccess: metricsAccess(undefined, '0.0.0.0'),
    });
    const refused = await closed.request('/metrics', { headers: { Host: '127.0.0.1' } });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/metrics" scope/);

    // explicitly open for a scraper that reaches the pod by its address (a Host no list names)
    const open = createHttpApp({
      engines,
      tools,
      version: 'test',
      logger: engines.logger,
      metricsAccess: metricsAccess(true, '0.0.0.0'),
    });
    expect((await open.request('/metrics', { headers: { Host: '10.1.2.3:8080' } })).status).toBe(200);

    expect(metricsAccess(undefined, '127.0.0.1')).toEqual({ open: true, checkHost: true });
    expect(metricsAccess(undefined, '::1').open).toBe(true);
    expect(metricsAccess(undefined, '10.0.0.5').open).toBe(false);
    expect(metricsAccess(false, '127.0.0.1').open).toBe(false);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
  });

  it('when closed, serves only a caller the authentication put there with the "metrics" scope', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const as = (scopes: string[] | undefined) => {
      const app = new Hono();
      app.use('*', async (c, next) => {
        if (scopes) {
          const caller: Caller = { origin: 'network', subject: 'scraper', tenant: 'default', scopes: new Set(scopes) };
          c.set('caller' as never, caller as never);
        }
        await next();
      });
      mountMetrics(app, metrics, { open: false, checkHost: false });
      return app;
    };
    expect((await as(['metrics']).request('/metrics')).status).toBe(200);
    expect((await as(['series:read']).request('/metrics')).status).toBe(401);
    expect((await as(undefined).request('/metrics')).status).toBe(401);
    const open = new Hono();
    mountMetrics(open, metrics, { open: true, checkHost: false });
    expect((await open.request('/metrics')).status).toBe(200);
  });
});
