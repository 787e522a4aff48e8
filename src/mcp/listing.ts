import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { toolScope } from '../registry/scopes.js';
import type { AnyTool } from '../registry/tool.js';

type Json = Record<string, unknown>;

/** Where a tool's full description and JSON Schemas are read (the `tools` resource). */
export const toolDocUri = (name: string) => `tsiot://tools/${encodeURIComponent(name)}`;

/**
 * Nesting shown in a listed input schema: the tool's own fields (depth 1) with
 * their types, defaults, limits and descriptions; the fields of an object field
 * (depth 2) with their types only; anything deeper as a bare type. The whole
 * schema is at tsiot://tools/{name}, and calls are checked against it.
 */
const FIELD_DEPTH = 1;
const SHAPE_DEPTH = 2;

/** The full JSON Schema of a zod schema, as a caller sends it (input) or receives it (output). */
export function fullJsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  delete json.$schema;
  return json;
}

/**
 * A tool as `tools/list` shows it: the short description and a compact input
 * schema. Every MCP client loads this list into a model's context, so it is
 * kept small (test/mcp/listing.test.ts bounds it); what it leaves out, the
 * details, the whole input schema and the output schema, is one
 * `resources/read` of tsiot://tools/{name} away. No output schema is listed:
 * every result carries its JSON as text beside structuredContent, and the
 * server checks each result against the full schema before sending it.
 */
export function listedTool(tool: AnyTool): Tool {
  const input = fullJsonSchema(tool.inputSchema.strict(), 'input');
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: compactInputSchema(input) as Tool['inputSchema'],
    ...(tool.annotations ? { annotations: listedAnnotations(tool.annotations) } : {}),
    _meta: { 'tsiot/scope': toolScope(tool) },
  };
}

/**
 * The hints that differ from the defaults the MCP specification gives them
 * (readOnly false, destructive true, idempotent false, openWorld true): the
 * same meaning in fewer bytes.
 */
export function listedAnnotations(a: NonNullable<AnyTool['annotations']>): Json {
  const out: Json = {};
  if (a.readOnlyHint === true) out.readOnlyHint = true;
  if (!a.readOnlyHint && a.destructiveHint === false) out.destructiveHint = false;
  if (!a.readOnlyHint && a.idempotentHint === true) out.idempotentHint = true;
  if (a.openWorldHint === false) out.openWorldHint = false;
  return out;
}

/** The top-level object with its fields compacted; unknown fields stay refused. */
export function compactInputSchema(schema: Json): Json {
  const defs = (schema.$defs ?? schema.definitions ?? {}) as Record<string, Json>;
  const out = slim(schema, 0, defs) as Json;
  out.type = 'object';
  out.additionalProperties = false;
  return out;
}

function resolve(node: Json, defs: Record<string, Json>, seen = 0): Json {
  const ref = node.$ref;
  if (typeof ref !== 'string' || seen > 8) return node;
  const name = ref.replace(/^#\/(\$defs|definitions)\//, '');
  const target = defs[name];
  if (!target) return {};
  const { $ref: _ref, ...rest } = node;
  return resolve({ ...target, ...rest }, defs, seen + 1);
}

/** JSON types a value of this schema can have; empty when any. */
function typesOf(raw: Json, defs: Record<string, Json>): string[] {
  const node = resolve(raw, defs);
  if (node.const !== undefined) return [jsonType(node.const)];
  if (Array.isArray(node.enum)) return [...new Set(node.enum.map(jsonType))];
  if (typeof node.type === 'string') return [node.type === 'integer' ? 'number' : node.type];
  if (Array.isArray(node.type))
    return [...new Set((node.type as string[]).map((t) => (t === 'integer' ? 'number' : t)))];
  const branches = (node.anyOf ?? node.oneOf) as Json[] | undefined;
  if (Array.isArray(branches)) {
    const all = branches.map((b) => typesOf(b, defs));
    if (all.some((t) => t.length === 0)) return [];
    return [...new Set(all.flat())];
  }
  if (Array.isArray(node.allOf) && node.allOf.length > 0) return typesOf(node.allOf[0] as Json, defs);
  return [];
}

/** Longest field description shown whole; longer ones are cut after the last sentence that fits. */
export const FIELD_TEXT = 90;

/**
 * `text` up to FIELD_TEXT characters: cut after the last sentence that fits,
 * else at a word with "…" (the whole text is at tsiot://tools/{name}).
 */
export function shortText(text: string): string {
  if (text.length <= FIELD_TEXT) return text;
  const ends = [...text.matchAll(/[.;](?=\s+[A-Z("`])/g)].map((m) => m.index + 1);
  const fits = ends.filter((i) => i >= 30 && i <= FIELD_TEXT);
  if (fits.length) return text.slice(0, fits[fits.length - 1]!);
  const space = text.lastIndexOf(' ', FIELD_TEXT - 1);
  return `${text.slice(0, space > 30 ? space : FIELD_TEXT - 1).replace(/[\s,;:(—-]+$/, '')}…`;
}

/** The branches of nested anyOf/oneOf as one list. */
function flatten(branches: Json[], defs: Record<string, Json>): Json[] {
  return branches.flatMap((b) => {
    const node = resolve(b, defs);
    const inner = (node.anyOf ?? node.oneOf) as Json[] | undefined;
    return Array.isArray(inner) && node.properties === undefined ? flatten(inner, defs) : [node];
  });
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'number' ? 'number' : typeof v;
}

/** Keywords kept for a tool's own fields. */
const FIELD_KEYWORDS = ['type', 'enum', 'const', 'default', 'minimum', 'maximum', 'description'] as const;
/** Keywords kept for the fields of an object field. */
const SHAPE_KEYWORDS = ['type', 'enum', 'const'] as const;

/** `node` shown at `depth` (0: the tool's input object, 1: its fields, …). */
function slim(raw: Json, depth: number, defs: Record<string, Json>, item = false): Json | undefined {
  const node = resolve(raw, defs);
  const keep = depth <= FIELD_DEPTH ? FIELD_KEYWORDS : SHAPE_KEYWORDS;
  const out: Json = {};
  for (const k of keep) if (node[k] !== undefined) out[k] = node[k];
  if (typeof out.description === 'string') out.description = shortText(out.description);
  if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
  if (out.minimum === Number.MIN_SAFE_INTEGER) delete out.minimum;
  if (depth > SHAPE_DEPTH) {
    if (out.type === undefined && out.enum === undefined && out.const === undefined) {
      const types = typesOf(node, defs);
      if (types.length) out.type = types.length === 1 ? types[0] : types;
    }
    return out;
  }
  const branches = (node.anyOf ?? node.oneOf) as Json[] | undefined;
  if (Array.isArray(branches)) {
    const shown: Json[] = [];
    const keys = new Set<string>();
    // a choice of shapes is described by the field: each shape shows one level less than the field would
    for (const b of flatten(branches, defs)) {
      const s = slim(b, depth + 1, defs);
      if (!s) continue;
      delete s.description;
      const key = JSON.stringify(s);
      if (!keys.has(key)) {
        keys.add(key);
        shown.push(s);
      }
    }
    const simple = shown.every((b) => Object.keys(b).length === 1 && typeof b.type === 'string');
    if (shown.length === 1) Object.assign(out, shown[0]);
    else if (simple && shown.length > 1) out.type = [...new Set(shown.map((b) => b.type as string))];
    else if (shown.length > 1) out.anyOf = shown;
  }
  if ((node.type === 'array' || node.items !== undefined) && depth < SHAPE_DEPTH) {
    const items = node.items as Json | undefined;
    if (items && !Array.isArray(items)) {
      // an array's items are shown as the field itself (sensors: [{type, …}] lists the keys of one sensor)
      const s = slim(items, depth, defs, true);
      if (s && typeof out.description === 'string') delete s.description; // the field says what one item is
      if (s && Object.keys(s).length) out.items = s;
    }
  }
  const properties = node.properties as Record<string, Json> | undefined;
  // an object field's keys are named in its description; a list's items show theirs (sensors: [{type, …}])
  if (properties && (depth === 0 || (item && depth < SHAPE_DEPTH))) {
    const props: Record<string, Json> = {};
    for (const [name, prop] of Object.entries(properties)) props[name] = slim(prop, depth + 1, defs) ?? {};
    out.properties = props;
    if (depth === 0 && Array.isArray(node.required) && node.required.length) out.required = node.required;
  }
  return out;
}
