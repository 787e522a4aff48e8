import type { Context, Hono } from 'hono';
import { type Caller, hasScope } from '../core/caller.js';
import { TsiotError } from '../core/errors.js';
import type { Metrics } from '../engines/telemetry/metrics.js';
import { problemResponse, toProblem } from './problem.js';

export interface MetricsAccess {
  /**
   * true: any caller may scrape (a scraper on a private network); false:
   * only callers authenticated with the "metrics" scope.
   */
  open: boolean;
  /**
   * Whether /metrics keeps the Host check of the other routes. A scraper
   * reaches a pod by its address, which no Host list names, so the check is
   * dropped when the policy is set explicitly (open on a private network, or
   * authenticated); it stays while /metrics is open only because the server
   * is bound to loopback, where a page in a local browser could otherwise
   * read it through DNS rebinding.
   */
  checkHost: boolean;
}

/** Bound to loopback only: the interfaces no other machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The configured policy, or by default open exactly when nothing but this machine can connect. */
export function metricsAccess(configured: boolean | undefined, boundHost: string): MetricsAccess {
  if (configured !== undefined) return { open: configured, checkHost: false };
  const loopback = isLoopbackHost(boundHost);
  return { open: loopback, checkHost: loopback };
}

/**
 * Whether this request may read /metrics. The one place the scrape rule is
 * decided: open by policy, else a caller authenticated with the "metrics"
 * scope — and with no authentication configured there is no such caller.
 */
export function canScrapeMetrics(c: Context, access: MetricsAccess): boolean {
  if (access.open) return true;
  // set by the authentication middleware only: without authentication there is no such caller
  const caller = c.get('caller' as never) as Caller | undefined;
  return caller !== undefined && hasScope(caller, METRICS_SCOPE);
}

/** The scope a token needs to read /metrics when it is not open. */
export const METRICS_SCOPE = 'metrics';

/** GET /metrics in the Prometheus text format. */
export function mountMetrics(app: Hono, metrics: Metrics, access: MetricsAccess): void {
  app.get('/metrics', async (c) => {
    if (!canScrapeMetrics(c, access)) {
      return problemResponse(
        toProblem(
          new TsiotError('unauthorized', 'Reading /metrics needs a caller authenticated with the "metrics" scope.', {
            hint: 'For a Prometheus on a private network, set metrics.open = true (env TSIOT_METRICS_OPEN=true).',
          }),
          c.req.path,
        ),
      );
    }
    return c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType });
  });
}
