import type { ServerResponse } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from '../core/logger.js';
import { requestIdFrom, runInRequest, type RequestScope } from '../core/request-context.js';
import { context, trace } from '@opentelemetry/api';
import type { Metrics } from '../engines/telemetry/metrics.js';
import { markError, SpanKind, tracer, tracingActive } from '../engines/telemetry/tracing.js';

/**
 * One log line and one latency sample per HTTP request. The line carries the
 * request id (the caller's X-Request-Id when well-formed, echoed back), the
 * route template (never the raw path or query, which may carry ids or
 * secrets), the tool and its outcome when one ran, status, duration, and
 * the trace and span ids when tracing is on. Nothing from headers or bodies.
 */
export function observeRequests(options: { logger: Logger; metrics: Metrics }): MiddlewareHandler {
  const { logger, metrics } = options;
  const durations = labelledOnce((method: string, route: string, status: number) =>
    metrics.httpDuration.labels({ method, route, status: String(status) }),
  );
  return async (c, next) => {
    const scope: RequestScope = {
      id: requestIdFrom(c.req.header('x-request-id')),
      transport: c.req.path === '/mcp' ? 'streamable-http' : 'rest',
    };
    c.header('X-Request-Id', scope.id);
    const begun = performance.now();
    const method = c.req.method;
    // without a tracer provider the span would record nothing: none is made
    const span = tracingActive()
      ? tracer().startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } })
      : undefined;
    if (span) {
      const sc = span.spanContext();
      if (trace.isSpanContextValid(sc)) Object.assign(scope, { traceId: sc.traceId, spanId: sc.spanId });
      try {
        await context.with(trace.setSpan(context.active(), span), () => runInRequest(scope, next));
      } catch (e) {
        span.end();
        throw e;
      }
    } else await runInRequest(scope, next);
    const matched = routePath(c, -1);
    const route = matched === '*' || matched === '/*' ? 'unmatched' : matched;
    const status = c.res.status;
    if (span) {
      span.updateName(`${method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
      if (status >= 500) markError(span, String(status));
    }
    const done = () => {
      span?.end();
      const seconds = (performance.now() - begun) / 1000;
      durations(method, route, status).observe(seconds);
      if (!logger.isLevelEnabled('info')) return;
      logger.info(
        {
          reqId: scope.id,
          transport: scope.transport,
          method,
          route,
          status,
          durationMs: Math.round(seconds * 1000 * 10) / 10,
          ...(scope.tool ? { tool: scope.tool, toolStatus: scope.toolStatus } : {}),
          ...(scope.traceId ? { traceId: scope.traceId, spanId: scope.spanId } : {}),
        },
        'request',
      );
    };
    // A streamed answer (MCP over SSE, the job feed) is still running when the handler returns:
    // the line is written once the response has ended, with the tool's outcome and the full duration.
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (outgoing && !outgoing.writableFinished) outgoing.once('close', done);
    else done();
  };
}

/**
 * A metric's child per label values, made on first use and kept: the values
 * are few (route templates, methods, statuses), so the hot path builds no
 * label object or key string. Past `max` children the table starts over,
 * bounding memory whatever arrives.
 */
function labelledOnce<C>(make: (method: string, route: string, status: number) => C, max = 4096) {
  let table = new Map<string, Map<string, Map<number, C>>>();
  let size = 0;
  return (method: string, route: string, status: number): C => {
    const byStatus = entry(entry(table, route, newMap), method, newMap) as Map<number, C>;
    let child = byStatus.get(status);
    if (child === undefined) {
      child = make(method, route, status);
      if (++size > max) {
        table = new Map();
        size = 1;
      }
      (entry(entry(table, route, newMap), method, newMap) as Map<number, C>).set(status, child);
    }
    return child;
  };
}

const newMap = <K, V>() => new Map<K, V>();

/** The value under `key`, made and kept on first use. */
function entry<K, V>(table: Map<K, V>, key: K, make: () => V): V {
  let value = table.get(key);
  if (value === undefined) {
    value = make();
    table.set(key, value);
  }
  return value;
}
