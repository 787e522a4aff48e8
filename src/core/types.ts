/**
 * The data model shared by every engine and adapter.
 *
 * Internally a series is columnar: one Float64Array of epoch-millisecond
 * timestamps and one Float64Array per value column, with NaN for a missing
 * value. At the edges (JSON, MCP, REST) NaN becomes null (`seriesToJson` in
 * series.ts). What crosses the wire is declared once as zod in schemas.ts and
 * its types are derived here; the typed-array shapes are written by hand.
 */
import type { z } from 'zod';
import type {
  AttributeValueSchema,
  ColumnInfoSchema,
  LabelSchema,
  MetadataSchema,
  SeriesSummarySchema,
} from './schemas.js';

/** What is known of a value column besides its values. */
export type ColumnInfo = z.infer<typeof ColumnInfoSchema>;

/** One value column of a series, e.g. the temperature of a device. */
export interface Column extends ColumnInfo {
  values: Float64Array;
}

/** An injected anomaly or imperfection, as a labelled closed interval [start, end] in epoch ms. */
export type AnomalyLabel = z.infer<typeof LabelSchema>;

/** A static attribute value of an entity (metadata.attributes). */
export type AttributeValue = z.infer<typeof AttributeValueSchema>;

export type SeriesMetadata = z.infer<typeof MetadataSchema>;

export interface TimeSeries {
  id: string;
  name: string;
  metadata: SeriesMetadata;
  /** Epoch milliseconds, non-decreasing. */
  timestamps: Float64Array;
  columns: Column[];
  labels: AnomalyLabel[];
}

/** What `list` returns for a series: everything but the values. */
export type SeriesSummary = z.infer<typeof SeriesSummarySchema>;

export type Aggregation = 'avg' | 'min' | 'max' | 'first' | 'last' | 'sum' | 'count';

export interface SeriesQuery {
  id: string;
  /** Inclusive epoch ms bounds. */
  start?: number;
  end?: number;
  /** Restrict to these columns (by name); all when absent. */
  columns?: string[];
  /** Aggregate into fixed buckets of bucketMs, aligned to the epoch. */
  downsample?: { bucketMs: number; aggregation: Aggregation };
  /** Return at most this many rows (the first ones in time order). */
  limit?: number;
}

export interface ListQuery {
  /** All of these tags must match exactly. */
  tags?: Record<string, string>;
  deviceId?: string;
  generator?: string;
  namePrefix?: string;
  limit?: number;
  offset?: number;
}

export interface ListResult {
  items: SeriesSummary[];
  total: number;
}

export interface HealthStatus {
  backend: string;
  ok: boolean;
  latencyMs: number;
  detail?: string;
}

/** Progress of a long operation, reported through onProgress callbacks. */
export interface Progress {
  done: number;
  total: number;
  message?: string;
}

export type ProgressFn = (p: Progress) => void;
