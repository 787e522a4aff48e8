import type { z } from 'zod';
import { TsiotError } from './errors.js';

/**
 * Turn a zod error into one message a person or a model can act on: which
 * field, what was expected, what was received, and an example when we have one.
 */
export function formatZodError(error: z.ZodError, examples: Record<string, unknown> = {}): string {
  const lines = error.issues.slice(0, 8).map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(input)';
    const example = examples[path] ?? examples[String(issue.path[issue.path.length - 1] ?? '')];
    return `${path}: ${issue.message}${example !== undefined ? ` (example: ${JSON.stringify(example)})` : ''}`;
  });
  if (error.issues.length > 8) lines.push(`… and ${error.issues.length - 8} more`);
  return lines.join('; ');
}

/** Parse input with a schema or throw TsiotError('invalid_input') naming every bad field. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  examples: Record<string, unknown> = {},
): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new TsiotError('invalid_input', `Invalid ${what}: ${formatZodError(r.error, examples)}`, {
    details: {
      issues: r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message, code: i.code })),
    },
  });
}
