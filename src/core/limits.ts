/**
 * Bounds on what one request may ask for, in one place so every interface
 * refuses the same inputs with the same numbers.
 */

/** Deepest nesting of objects and arrays accepted in any input (a JSON document stored as is must fit the stack). */
export const MAX_INPUT_DEPTH = 64;

/** Most tag filters in one list query: each is a semi-join, and hundreds make one query take seconds. */
export const MAX_TAG_FILTERS = 32;

/** Most unknown field names quoted in one error. */
const MAX_QUOTED_KEYS = 5;

/** Largest magnitude of an epoch-millisecond instant (the range of Date: ±100,000,000 days). */
export const MAX_EPOCH_MS = 8.64e15;

/**
 * Largest magnitude of a physical parameter (noise level, amplitude, offset,
 * bound). Far above any sensor, and small enough that sums and products of a
 * few of them over millions of points stay finite.
 */
export const MAX_PARAMETER_MAGNITUDE = 1e12;

/** How an unknown-field error lists the names it found. */
export function quoteKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, MAX_QUOTED_KEYS).map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k));
  return keys.length > MAX_QUOTED_KEYS
    ? `${shown.join(', ')} and ${keys.length - MAX_QUOTED_KEYS} more`
    : shown.join(', ');
}
