import type { z } from 'zod';

/**
 * Turn URL parameters (always strings) into the values a tool's zod input
 * schema expects, so `GET /v1/series?limit=10&tags={"site":"a"}` feeds the
 * same handler as a JSON body. Each field is coerced by the type its schema
 * declares:
 *
 * - number / integer: "10" → 10;  boolean: "true" | "1" → true, "false" | "0" → false
 * - array: repeated params (`?sensor=a&sensor=b`) or a comma list (`?sensor=a,b`),
 *   or a JSON array; items are coerced by the element type
 * - object / record / tuple: JSON (`?tags={"site":"a"}`)
 * - union: the first member type the text reads as (number, boolean, JSON), else the text
 *
 * A value that does not read as the declared type is passed on as the text, so
 * the schema reports it with the field's name. A repeated parameter whose
 * field is not an array stays a list, which the schema reports the same way.
 * Names the schema does not declare pass through unchanged.
 */
export function coerceParams(schema: z.ZodObject, params: Record<string, readonly string[]>): Record<string, unknown> {
  const shape = schema.shape as Record<string, z.ZodType>;
  const out: Record<string, unknown> = {};
  for (const [name, values] of Object.entries(params)) {
    if (values.length === 0 || name === '__proto__') continue;
    const field = Object.hasOwn(shape, name) ? shape[name] : undefined;
    if (!field) {
      out[name] = values.length === 1 ? values[0] : [...values];
      continue;
    }
    const kind = kindOf(field);
    if (kind.type === 'array') {
      out[name] = coerceArray(values, kind.element);
    } else if (values.length > 1) {
      out[name] = values.map((v) => coerceValue(v, kind));
    } else {
      out[name] = coerceValue(values[0]!, kind);
    }
  }
  return out;
}

type Kind =
  | { type: 'number' | 'boolean' | 'json' | 'text' }
  | { type: 'array'; element: Kind }
  | { type: 'union'; options: Kind[] };

/** Schema wrappers whose inner type decides how the text is read. */
const WRAPPERS = new Set([
  'optional',
  'nullable',
  'default',
  'prefault',
  'readonly',
  'catch',
  'nonoptional',
  'success',
]);

function kindOf(schema: z.ZodType, depth = 0): Kind {
  if (depth > 16) return { type: 'text' };
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  if (WRAPPERS.has(def.type)) return kindOf(def.innerType as z.ZodType, depth + 1);
  switch (def.type) {
    case 'pipe':
      return kindOf(def.in as z.ZodType, depth + 1);
    case 'lazy':
      return kindOf((def.getter as () => z.ZodType)(), depth + 1);
    case 'number':
      return { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'array':
    case 'set':
      return { type: 'array', element: kindOf((def.element ?? def.valueType) as z.ZodType, depth + 1) };
    case 'object':
    case 'record':
    case 'map':
    case 'tuple':
      return { type: 'json' };
    case 'literal': {
      const values = def.values as unknown[];
      if (values.every((v) => typeof v === 'number')) return { type: 'number' };
      if (values.every((v) => typeof v === 'boolean')) return { type: 'boolean' };
      return { type: 'text' };
    }
    case 'union':
      return { type: 'union', options: (def.options as z.ZodType[]).map((o) => kindOf(o, depth + 1)) };
    default:
      return { type: 'text' };
  }
}

function coerceArray(values: readonly string[], element: Kind): unknown {
  if (values.length === 1) {
    const only = values[0]!.trim();
    if (only === '') return [];
    if (only.startsWith('[')) {
      const parsed = tryJson(only);
      if (Array.isArray(parsed)) return parsed;
    }
    // A comma list, unless the items are themselves JSON (objects may hold commas).
    if (element.type !== 'json') return only.split(',').map((v) => coerceValue(v.trim(), element));
  }
  return values.map((v) => coerceValue(v, element));
}

function coerceValue(text: string, kind: Kind): unknown {
  switch (kind.type) {
    case 'number':
      return asNumber(text) ?? text;
    case 'boolean':
      return asBoolean(text) ?? text;
    case 'json':
      return tryJson(text) ?? text;
    case 'array':
      return coerceArray([text], kind.element);
    case 'union':
      return coerceUnion(text, kind.options);
    case 'text':
      return text;
  }
}

function coerceUnion(text: string, options: Kind[]): unknown {
  for (const option of options) {
    if (option.type === 'number' && asNumber(text) !== undefined) return asNumber(text);
    if (option.type === 'boolean' && asBoolean(text) !== undefined) return asBoolean(text);
    if ((option.type === 'json' || option.type === 'array') && /^\s*[[{]/.test(text)) {
      const parsed = tryJson(text);
      if (parsed !== undefined) return parsed;
    }
  }
  return text;
}

function asNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

function asBoolean(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  return undefined;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
