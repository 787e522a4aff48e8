import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) of a zod schema
 * as a caller sends it (`input`: defaults make fields optional) or receives it
 * (`output`). Parts JSON Schema cannot express (transforms, custom checks)
 * become `{}` rather than failing.
 */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

/**
 * Rewrite the schema's local references (`#/$defs/X`, `#`) so they still
 * resolve once the schema is placed at `pointer` inside a larger document,
 * e.g. "#/components/schemas/generate_input".
 */
export function rebaseRefs(schema: JsonSchema, pointer: string): JsonSchema {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!node || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#')) out[key] = pointer + value.slice(1);
      else out[key] = walk(value);
    }
    return out;
  };
  return walk(schema) as JsonSchema;
}
