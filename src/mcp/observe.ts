import type { Logger } from '../core/logger.js';
import { currentRequest, requestIdFrom, runInRequest, type RequestScope } from '../core/request-context.js';

/**
 * One log line per MCP tool call on transports without an HTTP request of
 * their own (stdio, WebSocket messages). Over Streamable HTTP the call is
 * part of an HTTP request, whose line already names the tool.
 */
export async function inToolCallScope<T>(transport: string, logger: Logger, fn: () => Promise<T>): Promise<T> {
  if (currentRequest()) return fn();
  const scope: RequestScope = { id: requestIdFrom(undefined), transport };
  const begun = performance.now();
  try {
    return await runInRequest(scope, fn);
  } finally {
    logger.info(
      {
        reqId: scope.id,
        transport,
        method: 'tools/call',
        ...(scope.tool ? { tool: scope.tool, toolStatus: scope.toolStatus } : {}),
        ...(scope.traceId ? { traceId: scope.traceId, spanId: scope.spanId } : {}),
        durationMs: Math.round((performance.now() - begun) * 10) / 10,
      },
      'request',
    );
  }
}
