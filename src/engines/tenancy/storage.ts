import { DEFAULT_TENANT } from '../../core/caller.js';
import { TsiotError } from '../../core/errors.js';
import type { ListQuery, ListResult, SeriesQuery, SeriesSummary, TimeSeries } from '../../core/types.js';
import {
  hasSimilaritySearch,
  type SimilarityMatch,
  type SimilarityOptions,
  type SimilarityQuery,
  type Storage,
  type StoreOptions,
  type StoreResult,
} from '../storage/storage.js';

/**
 * The tag that records which tenant a series belongs to. Series of the
 * default tenant carry none, so embedded databases from before tenancy
 * keep working: everything already stored is the default tenant's.
 */
export const TENANT_TAG = 'tsiot.tenant';

/** Most series read to page a default-tenant listing (untagged series cannot be selected by the backend). */
const MAX_SCAN = 1_000_000;
/** Most matches asked of a backend's similarity search at once (the embedded backend's cap). */
const MAX_MATCHES = 1000;

export function tenantOf(metadata: { tags?: Record<string, string> } | undefined): string {
  return metadata?.tags?.[TENANT_TAG] ?? DEFAULT_TENANT;
}

/** The answer for an id that is absent or another tenant's: the same either way, so existence does not leak. */
export function seriesNotFound(id: string): TsiotError {
  return new TsiotError('not_found', `Series "${id}" does not exist`, {
    details: { id },
    hint: 'List stored series with list_series.',
  });
}

/**
 * One tenant's view of a storage backend: what it stores is tagged with the
 * tenant, and it reads, lists, searches and deletes only its own series;
 * another tenant's ids behave exactly like ids that do not exist.
 */
export function tenantStorage(storage: Storage, tenant: string): Storage {
  const owns = (s: { metadata?: { tags?: Record<string, string> } } | undefined): boolean =>
    s !== undefined && tenantOf(s.metadata) === tenant;

  const describe = async (id: string): Promise<SeriesSummary | undefined> => {
    const summary = await storage.describe(id);
    return owns(summary) ? summary : undefined;
  };

  const view: Storage = {
    kind: storage.kind,
    init: () => storage.init(),
    health: () => storage.health(),
    close: () => storage.close(),
    describe,
    async store(series: TimeSeries, options?: StoreOptions): Promise<StoreResult> {
      if (options?.overwrite) {
        const existing = await storage.describe(series.id);
        if (existing && !owns(existing)) throw seriesNotFound(series.id);
      }
      const tags = { ...series.metadata.tags };
      if (tenant === DEFAULT_TENANT) delete tags[TENANT_TAG];
      else tags[TENANT_TAG] = tenant;
      series.metadata = { ...series.metadata, tags };
      return storage.store(series, options);
    },
    async retrieve(query: SeriesQuery): Promise<TimeSeries> {
      if (!(await describe(query.id))) throw seriesNotFound(query.id);
      return storage.retrieve(query);
    },
    async delete(id: string): Promise<boolean> {
      if (!(await describe(id))) return false;
      return storage.delete(id);
    },
    async list(query: ListQuery = {}): Promise<ListResult> {
      const { limit, offset, ...filter } = query;
      if (tenant !== DEFAULT_TENANT) {
        return storage.list({ ...query, tags: { ...filter.tags, [TENANT_TAG]: tenant } });
      }
      // the default tenant's series are the untagged ones, which no backend filter selects: read and page here
      const tags = { ...filter.tags };
      delete tags[TENANT_TAG];
      const all = await storage.list({ ...filter, tags, limit: MAX_SCAN, offset: 0 });
      const mine = all.items.filter(owns);
      const from = offset ?? 0;
      return { items: mine.slice(from, limit === undefined ? undefined : from + limit), total: mine.length };
    },
  };
  if (!hasSimilaritySearch(storage)) return view;
  return Object.assign(view, {
    async findSimilar(query: SimilarityQuery, options: SimilarityOptions = {}): Promise<SimilarityMatch[]> {
      if ('id' in query && !(await describe(query.id))) throw seriesNotFound(query.id);
      const wanted = options.limit ?? 10;
      // others' series are dropped from the matches, so ask for more and keep this tenant's
      for (let ask = Math.min(wanted * 4, MAX_MATCHES); ; ask = Math.min(ask * 4, MAX_MATCHES)) {
        const found = await storage.findSimilar(query, { ...options, limit: ask });
        const mine: SimilarityMatch[] = [];
        for (const m of found) if (await describe(m.id)) mine.push(m);
        if (mine.length >= wanted || found.length < ask || ask >= MAX_MATCHES) return mine.slice(0, wanted);
      }
    },
  });
}
