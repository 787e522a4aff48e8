/**
 * A property-based fuzzer for every tool, over any transport: inputs are
 * drawn from each tool's own input schema (its JSON Schema), then often
 * broken on purpose — a field of the wrong type, an unknown or `__proto__`
 * key, a number at the edge of the double range, an instant far outside the
 * range of dates, a deeply nested value, or arguments that are not an object
 * at all. Every answer must be a success or a clean error: no crash, no 5xx,
 * no protocol error, no internal error, an invalid-input error that names its
 * field, and the server still answering afterwards.
 */
import fc from 'fast-check';
import { z } from 'zod';
import type { AnyTool } from '../../src/registry/tool.js';

type Json = Record<string, unknown>;

/** What one call over a transport gave back. */
export interface Answer {
  ok: boolean;
  /** The error text of a failed call. */
  text?: string;
  /** A failure of the transport itself (5xx, JSON-RPC error, dropped connection), never acceptable. */
  protocolError?: string;
}

export interface Transport {
  name: string;
  call(tool: string, args: unknown, timeoutMs: number): Promise<Answer | 'timeout'>;
  alive(): Promise<boolean>;
}

const EDGE_NUMBERS = [0, -0, 1e308, -1e308, 1e21, -1e21, 8.64e15 + 1, Number.MAX_SAFE_INTEGER + 2, 5e-324, -1, 1.5];
const EDGE_STRINGS = [
  '',
  ' ',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '\u0000',
  'é'.repeat(300),
  '1e400',
  '2025-13-45T99:99:99Z',
  '+275760-09-14T00:00:00.001Z',
];

function junk(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom<unknown>(null, true, [], {}, ...EDGE_NUMBERS, ...EDGE_STRINGS),
    fc.anything({ maxDepth: 2, maxKeys: 3 }),
    fc.integer({ min: 65, max: 200 }).map((depth) => {
      let v: unknown = 1;
      for (let i = 0; i < depth; i++) v = [v];
      return v;
    }),
  );
}

/** Values a JSON Schema accepts (roughly: bounds and formats are kept where cheap), small in size. */
function fromSchema(s: Json | boolean | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (s === undefined || typeof s === 'boolean' || depth > 5) return fc.constantFrom<unknown>(1, 'x', true, null);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  if ('const' in s) return fc.constant(s.const);
  const alts = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (alts?.length) return fc.oneof(...alts.map((a) => fromSchema(a, depth + 1)));
  if (Array.isArray(s.allOf) && s.allOf.length) return fromSchema(s.allOf[0] as Json, depth + 1);
  const type = Array.isArray(s.type) ? (s.type[0] as string) : (s.type as string | undefined);
  switch (type) {
    case 'string': {
      const min = (s.minLength as number | undefined) ?? 0;
      return fc.oneof(
        fc.string({ minLength: min, maxLength: Math.min((s.maxLength as number | undefined) ?? 12, 12) }),
        fc.constantFrom('2025-01-01T00:00:00Z', '1m', '1d', 'temperature', 'statistical', 'arima', 'ser_x', 'mdl_x'),
      );
    }
    case 'integer':
    case 'number': {
      const min =
        typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum : -1e6;
      const max =
        typeof s.maximum === 'number' ? s.maximum : typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum : 1e6;
      const lo = Math.max(min, -1e6);
      const hi = Math.min(max, Math.max(lo, 1e6));
      return type === 'integer'
        ? fc.integer({
            min: Math.ceil(Math.max(lo, -(2 ** 31))),
            max: Math.floor(Math.min(hi, 2 ** 31 - 1, Math.max(lo, 5_000))),
          })
        : fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = fromSchema(s.items as Json | undefined, depth + 1);
      const minItems = (s.minItems as number | undefined) ?? 0;
      return fc.array(items, { minLength: Math.min(minItems, 4), maxLength: Math.max(Math.min(minItems, 4), 4) });
    }

    default:
      return objectFrom(s, depth);
  }
}

function objectFrom(s: Json, depth: number): fc.Arbitrary<unknown> {
  const props = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required as string[] | undefined) ?? []);
  const keys = Object.keys(props);
  if (!keys.length) {
    const extra = s.additionalProperties;
    if (extra && typeof extra === 'object')
      return fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fromSchema(extra as Json, depth + 1), {
        maxKeys: 3,
      });
    return fc.constant({});
  }
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const k of keys) record[k] = fromSchema(props[k], depth + 1);
  return fc.record(record, { requiredKeys: keys.filter((k) => required.has(k)) });
}

/** Break a valid-looking input in one of the ways hostile callers do. */
function breakInput(input: unknown, tool: AnyTool): fc.Arbitrary<unknown> {
  const keys = Object.keys(
    (z.toJSONSchema(tool.inputSchema, { io: 'input', unrepresentable: 'any' }) as Json).properties ?? {},
  );
  const obj: Json = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Json) : {};
  const withProto = () => {
    const o = JSON.parse(JSON.stringify(obj)) as Json;
    // an own key named __proto__, as JSON.parse makes from {"__proto__": …}
    Object.defineProperty(o, '__proto__', {
      value: { polluted: true },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return o;
  };
  return fc.oneof(
    fc.constant(input),
    junk(), // arguments not an object, or nested too deep
    fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), junk()).map(([k, v]) => ({ ...obj, [`x_${k}`]: v })),
    fc.constant(null).map(withProto),
    keys.length ? fc.tuple(fc.constantFrom(...keys), junk()).map(([k, v]) => ({ ...obj, [k]: v })) : fc.constant(input),
    keys.length
      ? fc.tuple(fc.constantFrom(...keys), fc.constantFrom(...EDGE_NUMBERS)).map(([k, v]) => ({ ...obj, [k]: v }))
      : fc.constant(input),
  );
}

export function inputsFor(tool: AnyTool): fc.Arbitrary<unknown> {
  const schema = z.toJSONSchema(tool.inputSchema, { io: 'input', unrepresentable: 'any' }) as Json;
  const examples = tool.example ? [fc.constant(tool.example as unknown)] : [];
  return fc.oneof(fromSchema(schema), ...examples).chain((input) => breakInput(input, tool));
}

export interface ToolFuzzResult {
  tool: string;
  cases: number;
  ok: number;
  refused: number;
  timeouts: number;
  failures: string[];
}

/** Run `runs` seeded cases against one tool; every failure is described, none thrown. */
export async function fuzzTool(
  transport: Transport,
  tool: AnyTool,
  options: { runs: number; seed: number; timeoutMs: number; budgetMs: number },
): Promise<ToolFuzzResult> {
  const result: ToolFuzzResult = { tool: tool.name, cases: 0, ok: 0, refused: 0, timeouts: 0, failures: [] };
  const samples = fc.sample(inputsFor(tool), { numRuns: options.runs, seed: options.seed });
  const deadline = Date.now() + options.budgetMs;
  for (const input of samples) {
    if (Date.now() > deadline) break;
    result.cases++;
    const shown = () => {
      const s = JSON.stringify(input) ?? String(input);
      return s.length > 300 ? `${s.slice(0, 300)}…` : s;
    };
    let answer: Answer | 'timeout';
    try {
      answer = await transport.call(tool.name, input, options.timeoutMs);
    } catch (e) {
      result.failures.push(`${tool.name} ${shown()}: call threw ${(e as Error).message}`);
      continue;
    }
    if (answer === 'timeout') {
      result.timeouts++;
      continue;
    }
    if (answer.protocolError) result.failures.push(`${tool.name} ${shown()}: ${answer.protocolError}`);
    else if (answer.ok) result.ok++;
    else {
      result.refused++;
      const text = answer.text ?? '';
      if (/\[internal\]|Internal error|stack|at .*\.ts:\d+/.test(text))
        result.failures.push(`${tool.name} ${shown()}: internal error: ${text.slice(0, 300)}`);
      else if (/\[invalid_input\]|"invalid_input"/.test(text) && !/[A-Za-z_(][\w.()[\]-]*\)?: /.test(text))
        result.failures.push(`${tool.name} ${shown()}: invalid input without a field: ${text.slice(0, 300)}`);
    }
  }
  if (!(await transport.alive())) result.failures.push(`${tool.name}: the server stopped answering`);
  return result;
}
