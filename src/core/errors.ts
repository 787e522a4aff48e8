/**
 * One error class for domain failures. Bugs throw ordinary errors; anything a
 * caller can act on is a TsiotError with a code, mapped once to an MCP tool
 * result and an HTTP status (`status`).
 */
export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'too_large'
  | 'conflict'
  | 'unavailable'
  | 'timeout'
  | 'cancelled'
  | 'unsupported'
  | 'budget_exhausted'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  not_found: 404,
  too_large: 413,
  conflict: 409,
  unavailable: 503,
  timeout: 504,
  cancelled: 499,
  unsupported: 422,
  budget_exhausted: 403,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  internal: 500,
};

/** Whether the same call may succeed if simply retried later. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set(['unavailable', 'timeout', 'rate_limited']);

export interface TsiotErrorOptions {
  /** Structured detail for the caller (field paths, limits, ids). Never secrets. */
  details?: Record<string, unknown>;
  /** A next step the caller can take. */
  hint?: string;
  cause?: unknown;
}

export class TsiotError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, options: TsiotErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TsiotError';
    this.code = code;
    if (options.details) this.details = options.details;
    if (options.hint) this.hint = options.hint;
  }

  get status(): number {
    return STATUS[this.code];
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details ? { details: this.details } : {}),
      retryable: this.retryable,
    };
  }
}

export function isTsiotError(e: unknown): e is TsiotError {
  return e instanceof TsiotError;
}

export const invalid = (message: string, options?: TsiotErrorOptions) =>
  new TsiotError('invalid_input', message, options);
export const notFound = (what: string, id: string, hint?: string) =>
  new TsiotError('not_found', `${what} "${id}" does not exist`, { details: { id }, ...(hint ? { hint } : {}) });
