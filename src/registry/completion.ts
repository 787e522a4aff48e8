import type { Engines } from '../engines/engines.js';

/** Most values one completion answers (the MCP limit). */
export const MAX_COMPLETION_VALUES = 100;
/** Most stored objects one completion looks through, so a keystroke stays cheap on a large store. */
export const COMPLETION_SCAN_LIMIT = 5_000;
/** Longer partial values match nothing (no id or name is this long). */
export const MAX_COMPLETION_PREFIX = 256;

/** An answer to `completion/complete`: values to offer, how many matched, and whether more exist than offered. */
export interface CompletionResult {
  values: string[];
  /** Matches found; absent when unknown. */
  total?: number;
  hasMore: boolean;
}

/** What else the client has filled in (other arguments of the same prompt or template). */
export interface CompletionContext {
  arguments?: Record<string, string>;
}

/** Completes one argument: the partial value typed so far in, suggestions out. */
export type Completer = (
  prefix: string,
  engines: Engines,
  context: CompletionContext,
) => Promise<CompletionResult> | CompletionResult;

/** One item a stored-id completion looks at: its id and when it was made (ISO 8601, if known). */
export interface Completable {
  id: string;
  createdAt?: string | undefined;
}

/**
 * Stored ids starting with `prefix`, newest first, from pages read with
 * `page(limit, offset)` (an empty or short page ends the scan). Looks at no
 * more than COMPLETION_SCAN_LIMIT objects: `hasMore` then says the answer may
 * be incomplete.
 */
export async function completeStoredIds(
  prefix: string,
  page: (limit: number, offset: number) => Promise<Completable[]>,
  pageSize = 500,
): Promise<CompletionResult> {
  if (prefix.length > MAX_COMPLETION_PREFIX) return { values: [], total: 0, hasMore: false };
  const matches: Completable[] = [];
  let scanned = 0;
  let exhausted = false;
  while (scanned < COMPLETION_SCAN_LIMIT) {
    const size = Math.min(pageSize, COMPLETION_SCAN_LIMIT - scanned);
    const items = await page(size, scanned);
    scanned += items.length;
    for (const item of items) if (item.id.startsWith(prefix)) matches.push(item);
    if (items.length < size) {
      exhausted = true;
      break;
    }
  }
  const newestFirst = matches
    .map((m, i) => ({ m, i, t: m.createdAt ? Date.parse(m.createdAt) : Number.NaN }))
    .sort((a, b) => {
      // unknown times last; ties keep the store's order
      const [an, bn] = [Number.isNaN(a.t), Number.isNaN(b.t)];
      if (an !== bn) return an ? 1 : -1;
      return (an ? 0 : b.t - a.t) || a.i - b.i;
    })
    .map(({ m }) => m.id);
  return {
    values: newestFirst.slice(0, MAX_COMPLETION_VALUES),
    total: matches.length,
    hasMore: matches.length > MAX_COMPLETION_VALUES || !exhausted,
  };
}

/** Fixed choices starting with `prefix` (case-insensitive), in the given order. */
export function completeChoices(prefix: string, choices: readonly string[]): CompletionResult {
  const p = prefix.toLowerCase();
  const values = choices.filter((c) => c.toLowerCase().startsWith(p));
  return {
    values: values.slice(0, MAX_COMPLETION_VALUES),
    total: values.length,
    hasMore: values.length > MAX_COMPLETION_VALUES,
  };
}
