import { createHash } from 'node:crypto';
import { TsiotError } from '../core/errors.js';

/**
 * Opaque page cursors for list tools and resources/list: where the next page
 * starts, bound to the query it belongs to, so a cursor reused with other
 * filters is refused instead of paging through the wrong list.
 */
export interface CursorPosition {
  /** Offset within the current source. */
  offset: number;
  /** Index of the source (resources/list pages across several lists); 0 otherwise. */
  source?: number;
}

function queryKey(query: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(query ?? null))
    .digest('base64url')
    .slice(0, 8);
}

export function encodeCursor(position: CursorPosition, query?: unknown): string {
  const body: Record<string, unknown> = { o: position.offset, q: queryKey(query) };
  if (position.source) body.s = position.source;
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** The position a cursor names; a clear error naming `field` when it is not one this query gave out. */
export function decodeCursor(cursor: string, query?: unknown, field = 'cursor'): Required<CursorPosition> {
  const refuse = (why: string) =>
    new TsiotError('invalid_input', `${field}: ${why}; expected a nextCursor returned by the same call`, {
      details: { field, expected: 'a nextCursor from the previous page' },
      hint: 'Call again without a cursor to start from the first page, then pass the nextCursor it returns.',
    });
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse('not a cursor this server gave out');
  }
  const b = body as { o?: unknown; s?: unknown; q?: unknown };
  if (!b || typeof b !== 'object' || !Number.isSafeInteger(b.o) || (b.o as number) < 0)
    throw refuse('not a cursor this server gave out');
  if (b.s !== undefined && (!Number.isSafeInteger(b.s) || (b.s as number) < 0))
    throw refuse('not a cursor this server gave out');
  if (b.q !== queryKey(query)) throw refuse('it belongs to a different query (other filters or view)');
  return { offset: b.o as number, source: (b.s as number | undefined) ?? 0 };
}
