import { isTsiotError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { HealthStatus } from '../core/types.js';
import type { Engines } from '../engines/engines.js';

/** The answer of /readyz. */
export interface Readiness {
  ready: boolean;
  storage?: HealthStatus;
  /** Why the server is not ready; absent when it is. */
  reason?: string;
}

/**
 * Whether the server can do its work: the storage backend answers its health
 * check within `timeoutMs`. Never throws; a failing or hanging check gives
 * ready=false with a reason (internals of unexpected errors go to the log only).
 */
export async function readiness(
  engines: Pick<Engines, 'storage'>,
  logger: Logger,
  timeoutMs: number,
): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref();
  });
  try {
    const health = await Promise.race([engines.storage.health(), timeout]);
    if (health === 'timeout')
      return { ready: false, reason: `storage health check did not answer within ${timeoutMs} ms` };
    if (!health.ok)
      return {
        ready: false,
        storage: health,
        reason: `storage backend "${health.backend}" is unhealthy${health.detail ? `: ${health.detail}` : ''}`,
      };
    return { ready: true, storage: health };
  } catch (error) {
    if (isTsiotError(error)) return { ready: false, reason: `storage health check failed: ${error.message}` };
    logger.error({ err: error }, 'storage health check threw');
    return { ready: false, reason: 'storage health check failed; the server log has details' };
  } finally {
    clearTimeout(timer);
  }
}
