import type { HealthStatus, ListQuery, ListResult, SeriesQuery, SeriesSummary, TimeSeries } from '../../core/types.js';

export interface StoreOptions {
  /** Replace an existing series with the same id instead of failing with `conflict`. */
  overwrite?: boolean;
  /**
   * Documents written in the same commit as the series (each replacing one
   * of its id), so they are durable exactly when the series are: the log
   * entry of the event announcing this store (a backend may assume each is
   * most likely new, with an id after those before it). Only a backend with a
   * `commitScope` takes them, into the document store of that scope; pass
   * them to no other.
   */
  documents?: readonly DocumentWrite[];
}

/** One document of a DocumentStore, to write. */
export interface DocumentWrite {
  collection: string;
  id: string;
  doc: unknown;
}

export interface StoreResult {
  id: string;
  points: number;
  backend: string;
}

/**
 * What every storage backend implements. Each one passes the shared contract
 * suite in test/storage/contract.ts against a real server.
 *
 * Guarantees every backend keeps:
 * - `store` is all-or-nothing: a failed store leaves no partial series behind.
 * - `retrieve` returns timestamps in ascending order, NaN for missing values,
 *   and throws TsiotError('not_found') for an unknown id.
 * - `health` answers within a bounded time, with ok=false when the backend is down.
 */
export interface Storage {
  /** Short backend name, e.g. "duckdb", "postgres". */
  readonly kind: string;
  /**
   * Set by a backend that can write documents in a store's commit
   * (StoreOptions.documents): the same object on every view of it and on the
   * DocumentStore those documents go to. Absent elsewhere.
   */
  readonly commitScope?: object;
  init(): Promise<void>;
  store(series: TimeSeries, options?: StoreOptions): Promise<StoreResult>;
  /**
   * Optional: store several series in one commit, so that even a crash
   * (kill -9) leaves all of them or none visible. Backends without it are
   * stored one by one, and a failure short of a crash removes what was
   * stored (SeriesStore).
   */
  storeMany?(series: readonly TimeSeries[], options?: StoreOptions): Promise<StoreResult[]>;
  retrieve(query: SeriesQuery): Promise<TimeSeries>;
  /** The summary of one series, or undefined when absent. */
  describe(id: string): Promise<SeriesSummary | undefined>;
  list(query?: ListQuery): Promise<ListResult>;
  /** True when something was deleted. */
  delete(id: string): Promise<boolean>;
  health(): Promise<HealthStatus>;
  close(): Promise<void>;
}

/**
 * JSON documents beside the series (validation reports, models, jobs, events).
 * The embedded backend implements it; engines that need persistence take one.
 */
export interface DocumentStore {
  /** See Storage.commitScope: a storage of the same scope writes documents into this store in its commits. */
  readonly commitScope?: object;
  putDocument(collection: string, id: string, doc: unknown): Promise<void>;
  getDocument<T = unknown>(collection: string, id: string): Promise<T | undefined>;
  listDocuments<T = unknown>(
    collection: string,
    options?: { limit?: number; offset?: number },
  ): Promise<{ id: string; doc: T }[]>;
  deleteDocument(collection: string, id: string): Promise<boolean>;
  /**
   * Read, change and write one document in a single transaction: updates of
   * the same store are serialised, so a check made in `fn` still holds when
   * its result is written (the privacy ledger relies on this). `fn` returns
   * the new document, or throws to leave the stored one unchanged.
   */
  updateDocument?<T>(collection: string, id: string, fn: (current: T | undefined) => T | Promise<T>): Promise<T>;
}

/** What to search near: raw values of one column, or a stored series' column. */
export type SimilarityQuery = { values: ArrayLike<number> } | { id: string; column?: string };

export interface SimilarityOptions {
  /** Most matches returned. Default 10. */
  limit?: number;
  /** Only stored columns of this name (backends that index per column). */
  column?: string;
  /** Leave this series out of the answer. */
  excludeId?: string;
}

/** One stored series (or one of its columns) near the query in shape. */
export interface SimilarityMatch {
  id: string;
  name: string;
  /** The matched column; absent where a backend indexes whole series. */
  column?: string;
  /** Cosine distance between the shape embeddings (0 = same shape, up to 2). */
  distance: number;
}

/**
 * Optional: shape-similarity search over stored series (embedding.ts), nearest
 * first. DuckDB indexes each column, Weaviate each whole series.
 */
export interface SimilaritySearch {
  findSimilar(query: SimilarityQuery, options?: SimilarityOptions): Promise<SimilarityMatch[]>;
}

/** True when the backend offers similarity search. */
export function hasSimilaritySearch<S extends object>(storage: S): storage is S & SimilaritySearch {
  return typeof (storage as Partial<SimilaritySearch>).findSimilar === 'function';
}
