import { TsiotError, isTsiotError } from '../../../core/errors.js';
import { describeCause, unavailable } from '../remote.js';

/** SQLSTATE classes and codes meaning the server or the connection went away. */
function isConnectionLoss(code: string | undefined): boolean {
  return (
    code !== undefined &&
    (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300')
  );
}

/** True when a pg error means the connection or server failed (worth a retry), not the statement. */
export function isPgTransient(e: unknown): boolean {
  if (isTsiotError(e)) return e.code === 'unavailable' || e.code === 'timeout';
  const code = (e as { code?: string }).code;
  if (isConnectionLoss(code)) return true;
  if (code && /^[0-9A-Z]{5}$/.test(code)) return false;
  return /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(
    `${code ?? ''} ${describeCause(e)}`,
  );
}

/** Map a pg driver error to a TsiotError a caller can act on; unknown errors pass through. */
export function mapPgError(e: unknown, url: string, what: string): unknown {
  if (isTsiotError(e)) return e;
  if (isPgTransient(e)) return unavailable('PostgreSQL', url, e, what);
  const code = (e as { code?: string }).code;
  if (code === '23505')
    return new TsiotError('conflict', `PostgreSQL: ${what} conflicts with an existing row`, { cause: e });
  if (code?.startsWith('22'))
    return new TsiotError('invalid_input', `PostgreSQL rejected the data in ${what}: ${describeCause(e)}`, {
      cause: e,
    });
  return e;
}
