/**
 * The JSON of a tool result as a text block, for clients that read only
 * `content` (the MCP specification asks structured results to be repeated as
 * text). Long results are trimmed, lists cut to their first items and long
 * strings shortened, with a note saying so and naming the resources that hold
 * the rest, so a model's context is never flooded.
 */

/** Most bytes of JSON text put beside a result (about 2,000 tokens). */
export const RESULT_TEXT_LIMIT = 8_000;

/** Items kept per list at each try, from generous to frugal. */
const LIST_CUTS = [50, 20, 10, 5, 2, 1] as const;
const STRING_CUT = 300;
const MAX_POINTERS = 5;

export function resultText(structured: unknown, limit = RESULT_TEXT_LIMIT): string {
  const whole = JSON.stringify(structured);
  if (Buffer.byteLength(whole) <= limit) return whole;
  const pointers = resourcePointers(structured);
  const note = (shown: string) =>
    `\n(trimmed: ${Buffer.byteLength(shown)} of ${Buffer.byteLength(whole)} bytes shown, lists cut as marked; ` +
    `the whole result is in structuredContent${pointers.length ? `; read the rest at ${pointers.join(', ')}` : ''})`;
  for (const items of LIST_CUTS) {
    const shown = JSON.stringify(cut(structured, items));
    const text = shown + note(shown);
    if (Buffer.byteLength(text) <= limit) return text;
  }
  const shown = truncateBytes(JSON.stringify(cut(structured, 1)), Math.max(0, limit - 400));
  return `${shown}…${note(shown)}`;
}

/** A copy with lists cut to `items` (a marker string says how many were left out) and long strings shortened. */
function cut(value: unknown, items: number): unknown {
  if (typeof value === 'string')
    return value.length > STRING_CUT ? `${value.slice(0, STRING_CUT)}… (${value.length} characters)` : value;
  if (Array.isArray(value)) {
    const kept = value.slice(0, items).map((v) => cut(v, items));
    if (value.length > items) kept.push(`… ${value.length - items} more`);
    return kept;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = cut(v, items);
    return out;
  }
  return value;
}

/** Resources the result names: tsiot:// URIs it holds, and stored series and models by their ids. */
export function resourcePointers(value: unknown): string[] {
  const found = new Set<string>();
  const visit = (v: unknown, key: string | undefined) => {
    if (found.size >= MAX_POINTERS) return;
    if (typeof v === 'string') {
      if (v.startsWith('tsiot://')) found.add(v);
      else if (key === 'id' && /^ser_[\w-]+$/.test(v)) found.add(`tsiot://series/${v}`);
      else if (key === 'id' && /^mdl_[\w-]+$/.test(v)) found.add(`tsiot://models/${v}`);
    } else if (Array.isArray(v)) for (const x of v) visit(x, key);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, k);
  };
  visit(value, undefined);
  return [...found];
}

function truncateBytes(text: string, bytes: number): string {
  const buf = Buffer.from(text);
  if (buf.length <= bytes) return text;
  // never split a UTF-8 sequence
  let end = bytes;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString();
}
