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
export interface TenantQuota {
  /** Most values (rows × columns) the tenant may keep stored. */
  maxStoredValues?: number;
}

const valuesOf = (s: { points: number; columns: readonly unknown[] }) => s.points * s.columns.length;

export function tenantStorage(storage: Storage, tenant: string, quota: TenantQuota = {}): Storage {
  const owns = (s: { metadata?: { tags?: Record<string, string> } } | undefined): boolean =>
    s !== undefined && tenantOf(s.metadata) === tenant;

  const describe = async (id: string): Promise<SeriesSummary | undefined> => {
    const summary = await storage.describe(id);
    return owns(summary) ? summary : undefined;
  };

  // the tenant's stored values, read once per view (views are made per call or job) and kept up to date by it
  let used: Promise<number> | undefined;
  const usage = (): Promise<number> => {
    used ??= (async () => {
      const mine = await view.list({ limit: MAX_SCAN });
      return mine.items.reduce((sum, s) => sum + valuesOf(s), 0);
    })();
    return used;
  };
  const admit = async (series: TimeSeries, replacing: SeriesSummary | undefined): Promise<void> => {
    const limit = quota.maxStoredValues;
    if (limit === undefined) return;
    const adding = series.timestamps.length * series.columns.length - (replacing ? valuesOf(replacing) : 0);
    const now = await usage();
    if (now + adding > limit)
      throw new TsiotError(
        'forbidden',
        `Storage quota exceeded: tenant "${tenant}" keeps ${now.toLocaleString('en-US')} values and this would add ${adding.toLocaleString('en-US')}; the quota is ${limit.toLocaleString('en-US')} stored values`,
        {
          details: { quota: 'storedValues', used: now, adding, limit },
          hint: 'Delete series you no longer need (delete_series, or a cleanup job), store fewer or shorter series, or ask the operator to raise TSIOT_QUOTA_STORED_VALUES.',
        },
      );
    used = Promise.resolve(now + adding);
  };

  const view: Storage = {
    kind: storage.kind,
    ...(storage.commitScope ? { commitScope: storage.commitScope } : {}),
    init: () => storage.init(),
    health: () => storage.health(),
    close: () => storage.close(),
    describe,
    async store(series: TimeSeries, options?: StoreOptions): Promise<StoreResult> {
      let replacing: SeriesSummary | undefined;
      if (options?.overwrite) {
        const existing = await storage.describe(series.id);
        if (existing && !owns(existing)) throw seriesNotFound(series.id);
        replacing = existing;
      }
      await admit(series, replacing);
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
      const summary = await describe(id);
      if (!summary) return false;
      const deleted = await storage.delete(id);
      if (deleted && used) used = used.then((n) => Math.max(0, n - valuesOf(summary)));
      return deleted;
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
