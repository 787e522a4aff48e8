import { z } from 'zod';
import { isTsiotError, type ErrorCode } from '../core/errors.js';

/** Media type of an RFC 9457 problem document. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<ErrorCode, string> = {
  invalid_input: 'Invalid input',
  not_found: 'Not found',
  too_large: 'Request too large',
  conflict: 'Conflict',
  unavailable: 'Service unavailable',
  timeout: 'Timed out',
  cancelled: 'Cancelled',
  unsupported: 'Unsupported',
  budget_exhausted: 'Privacy budget exhausted',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  rate_limited: 'Too many requests',
  internal: 'Internal error',
};

const ERROR_CODES = Object.keys(TITLES) as [ErrorCode, ...ErrorCode[]];

/** The problem document every REST error answers with (RFC 9457 plus tsiot's error fields). */
export const ProblemSchema = z
  .object({
    type: z.string().describe('URI naming the kind of problem: urn:tsiot:problem:<code>.'),
    title: z.string().describe('Short summary of the kind of problem.'),
    status: z.number().int().describe('HTTP status code.'),
    detail: z.string().describe('What went wrong in this request, naming the field when the input was at fault.'),
    instance: z.string().optional().describe('Path of the request that failed.'),
    code: z.enum(ERROR_CODES).describe('tsiot error code; the same code MCP tool errors carry.'),
    hint: z.string().optional().describe('A next step the caller can take.'),
    details: z.record(z.string(), z.unknown()).optional().describe('Structured detail: field paths, limits, ids.'),
    retryable: z.boolean().describe('Whether the same request may succeed if retried later.'),
  })
  .describe('An RFC 9457 problem document.');

export type Problem = z.output<typeof ProblemSchema>;

/**
 * The problem document for any thrown value. A TsiotError keeps its code,
 * message, hint and details; anything else is a bug and becomes a bare 500
 * with no message, stack or internals (log the original separately).
 */
export function toProblem(error: unknown, instance?: string): Problem {
  if (isTsiotError(error)) {
    return {
      type: problemType(error.code),
      title: TITLES[error.code],
      status: error.status,
      detail: error.message,
      ...(instance ? { instance } : {}),
      code: error.code,
      ...(error.hint ? { hint: error.hint } : {}),
      ...(error.details ? { details: error.details } : {}),
      retryable: error.retryable,
    };
  }
  return {
    type: problemType('internal'),
    title: TITLES.internal,
    status: 500,
    detail: 'Internal error; the server log has details.',
    ...(instance ? { instance } : {}),
    code: 'internal',
    retryable: false,
  };
}

export function problemType(code: ErrorCode): string {
  return `urn:tsiot:problem:${code}`;
}

/** A Response carrying the problem document with its status and media type. */
export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, ...headers },
  });
}
