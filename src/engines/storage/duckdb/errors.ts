import { TsiotError } from '../../../core/errors.js';

/** Turn a DuckDB failure to open a database into a TsiotError the caller can act on. */
export function openError(path: string, cause: unknown): TsiotError {
  const message = cause instanceof Error ? cause.message : String(cause);
  if (/Could not set lock on file/i.test(message)) {
    const pid = /PID (\d+)/.exec(message)?.[1];
    return new TsiotError(
      'unavailable',
      `DuckDB file "${path}" is locked by another process${pid ? ` (PID ${pid})` : ''}`,
      {
        details: { path, ...(pid ? { pid: Number(pid) } : {}) },
        hint: 'Stop the other tsiot server using this file, or point storage at a different file.',
        cause,
      },
    );
  }
  return new TsiotError('unavailable', `DuckDB could not open "${path}": ${message}`, { details: { path }, cause });
}
