import type { HealthStatus, ListQuery, ListResult, SeriesQuery, SeriesSummary, TimeSeries } from '../../core/types.js';

export interface StoreOptions {
  /** Replace an existing series with the same id instead of failing with `conflict`. */
  overwrite?: boolean;
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
  init(): Promise<void>;
  store(series: TimeSeries, options?: StoreOptions): Promise<StoreResult>;
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
  putDocument(collection: string, id: string, doc: unknown): Promise<void>;
  getDocument<T = unknown>(collection: string, id: string): Promise<T | undefined>;
  listDocuments<T = unknown>(collection: string, options?: { limit?: number; offset?: number }): Promise<{ id: string; doc: T }[]>;
  deleteDocument(collection: string, id: string): Promise<boolean>;
}
