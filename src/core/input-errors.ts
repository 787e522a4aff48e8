import type { z } from 'zod';
import { TsiotError } from './errors.js';
import { MAX_INPUT_DEPTH, quoteKeys } from './limits.js';

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

/**
 * Parse input with a schema or throw TsiotError('invalid_input') naming every
 * bad field. Fields the schema does not know are refused, not dropped: a typo
 * such as `name` for `namePrefix` would otherwise run a different request.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  examples: Record<string, unknown> = {},
): z.output<S> {
  checkDepth(input, what);
  const r = schema.safeParse(input);
  if (!r.success) {
    throw new TsiotError('invalid_input', `Invalid ${what}: ${formatZodError(r.error, examples)}`, {
      details: {
        issues: r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message, code: i.code })),
      },
    });
  }
  const unknown = unknownFields(input, r.data);
  if (unknown) {
    unknown.known = declaredKeys(schema, unknown.path) ?? unknown.known;
    const where = unknown.path || '(input)';
    const known = unknown.known.length ? ` Known fields here: ${unknown.known.slice(0, 30).join(', ')}.` : '';
    const near = unknown.keys.length === 1 ? closest(unknown.keys[0]!, unknown.known) : undefined;
    throw new TsiotError(
      'invalid_input',
      `Invalid ${what}: ${where}: unknown field${unknown.keys.length > 1 ? 's' : ''} ${quoteKeys(unknown.keys)}.${near ? ` Did you mean "${near}"?` : ''}${known}`,
      {
        details: {
          issues: unknown.keys.slice(0, 20).map((k) => ({
            path: unknown.path ? `${unknown.path}.${k}` : k,
            message: 'unknown field',
            code: 'unrecognized_keys',
          })),
        },
        hint: 'Remove the field or correct its name; describe the tool to see its fields.',
      },
    );
  }
  return r.data;
}

/**
 * Refuse input nested deeper than MAX_INPUT_DEPTH, naming where. Walks
 * iteratively: a hostile 100,000-deep document must not overflow the stack
 * here, nor later when it is stored as JSON.
 */
export function checkDepth(input: unknown, what: string): void {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: input, path: '', depth: 0 }];
  while (stack.length) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) continue;
    if (depth >= MAX_INPUT_DEPTH) {
      throw new TsiotError(
        'invalid_input',
        `Invalid ${what}: ${path || '(input)'}: nested more than ${MAX_INPUT_DEPTH} levels deep`,
        {
          details: { field: path, limit: MAX_INPUT_DEPTH },
          hint: `Flatten the data: objects and arrays may nest at most ${MAX_INPUT_DEPTH} levels.`,
        },
      );
    }
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (const [k, v] of entries) {
      if (typeof v === 'object' && v !== null)
        stack.push({ value: v, path: path ? `${path}.${k}` : k, depth: depth + 1 });
    }
  }
}

interface UnknownFields {
  path: string;
  keys: string[];
  known: string[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * The first object in the raw input holding keys its parsed value lacks. zod
 * objects drop keys they do not declare while records, catch-alls and
 * defaults keep or add keys, so a key missing from the output is exactly a
 * key nothing in the schema accepted. Parts the schema turned into something
 * other than plain objects and arrays (typed arrays, dates) are not compared.
 */
function unknownFields(raw: unknown, parsed: unknown, path = ''): UnknownFields | undefined {
  if (Array.isArray(raw)) {
    if (!Array.isArray(parsed) || parsed.length !== raw.length) return undefined;
    for (let i = 0; i < raw.length; i++) {
      const found = unknownFields(raw[i], parsed[i], path ? `${path}.${i}` : String(i));
      if (found) return found;
    }
    return undefined;
  }
  if (!isPlainObject(raw) || !isPlainObject(parsed)) return undefined;
  const keys = Object.keys(raw).filter((k) => !Object.hasOwn(parsed, k));
  if (keys.length) return { path, keys, known: Object.keys(parsed) };
  for (const k of Object.keys(raw)) {
    const found = unknownFields(raw[k], parsed[k], path ? `${path}.${k}` : k);
    if (found) return found;
  }
  return undefined;
}

/** The field names a schema declares at a dotted path, when it is a (wrapped) object there. */
function declaredKeys(schema: z.ZodType, path: string): string[] | undefined {
  let at: unknown = schema;
  const unwrap = () => {
    for (let guard = 0; guard < 16; guard++) {
      const def = (at as { _zod?: { def?: { type?: string; innerType?: unknown; in?: unknown } } })._zod?.def;
      if (!def) return;
      if (
        def.innerType &&
        ['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional'].includes(def.type ?? '')
      )
        at = def.innerType;
      else if (def.type === 'pipe' && def.in) at = def.in;
      else return;
    }
  };
  for (const part of path ? path.split('.') : []) {
    unwrap();
    const def = (at as { _zod?: { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown } } })._zod
      ?.def;
    if (def?.type === 'object' && def.shape && Object.hasOwn(def.shape, part)) at = def.shape[part];
    else if (def?.type === 'array' && /^\d+$/.test(part)) at = def.element;
    else return undefined;
  }
  unwrap();
  const def = (at as { _zod?: { def?: { type?: string; shape?: Record<string, unknown> } } })._zod?.def;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : undefined;
}

/** The known name nearest to a mistyped one (prefix or small edit distance), if any is close. */
function closest(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const kl = k.toLowerCase();
    const score = kl.startsWith(lower) || lower.startsWith(kl) ? 0.5 : editDistance(lower, kl);
    if (score < bestScore) {
      bestScore = score;
      best = k;
    }
  }
  return bestScore <= Math.max(1, Math.floor(name.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3 || a.length > 64 || b.length > 64) return Number.POSITIVE_INFINITY;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
