/**
 * List queries evaluated in process, for backends that keep series summaries
 * as documents (Redis, S3, InfluxDB, Weaviate): filter by tags, device,
 * generator and name prefix, order by id, paginate.
 */
import { TsiotError } from '../../core/errors.js';
import { MAX_TAG_FILTERS } from '../../core/limits.js';
import type { ListQuery, ListResult, SeriesSummary } from '../../core/types.js';

/** Reject a malformed list query with invalid_input naming the field. */
export function checkListQuery(q: ListQuery): void {
  const bad = (field: string, expected: string, example: unknown) =>
    new TsiotError('invalid_input', `list.${field}: expected ${expected}`, {
      details: { field: `list.${field}`, expected, example },
    });
  if (q.limit !== undefined && (!Number.isInteger(q.limit) || q.limit < 0))
    throw bad('limit', 'a non-negative integer', 50);
  if (q.offset !== undefined && (!Number.isInteger(q.offset) || q.offset < 0))
    throw bad('offset', 'a non-negative integer', 0);
  if (q.tags !== undefined) {
    if (typeof q.tags !== 'object' || q.tags === null || Object.values(q.tags).some((v) => typeof v !== 'string')) {
      throw bad('tags', 'an object of string tag values', { site: 'plant-7' });
    }
    if (Object.keys(q.tags).length > MAX_TAG_FILTERS)
      throw bad('tags', `at most ${MAX_TAG_FILTERS} tag filters, got ${Object.keys(q.tags).length}`, {
        site: 'plant-7',
      });
  }
}

/** Whether a summary satisfies every filter of the query. */
export function matchesListQuery(s: SeriesSummary, q: ListQuery): boolean {
  if (q.deviceId !== undefined && s.metadata.deviceId !== q.deviceId) return false;
  if (q.generator !== undefined && s.metadata.generator !== q.generator) return false;
  if (q.namePrefix !== undefined && !s.name.startsWith(q.namePrefix)) return false;
  if (q.tags) {
    const tags = s.metadata.tags ?? {};
    for (const [k, v] of Object.entries(q.tags)) if (tags[k] !== v) return false;
  }
  return true;
}

/** Filter, order by id (code-point order, as SQL with COLLATE "C") and take the requested page. */
export function applyListQuery(all: Iterable<SeriesSummary>, q: ListQuery = {}): ListResult {
  checkListQuery(q);
  const matching = [...all]
    .filter((s) => matchesListQuery(s, q))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const offset = q.offset ?? 0;
  const items = q.limit === undefined ? matching.slice(offset) : matching.slice(offset, offset + q.limit);
  return { items, total: matching.length };
}
