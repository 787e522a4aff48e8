/**
 * How a server is read: each InfluxDB-compatible server answers reads and
 * deletes its own way, and keeps the per-series document (MetaDoc) in the form
 * it can store (string fields for InfluxDB, labels for VictoriaMetrics).
 */
import type { TimeSeries, Aggregation } from '../../../core/types.js';
import type { Precision } from './line-protocol.js';
import type { MetaDoc } from './meta.js';

/** Rows of a series: ascending timestamps and one value array per MetaDoc column. */
export interface Rows {
  timestamps: Float64Array;
  values: Float64Array[];
}

export interface RowRange {
  start?: number;
  end?: number;
  limit?: number;
}

export interface InfluxDialect {
  readonly name: string;
  /** Earliest timestamp the server keeps, epoch ms. */
  readonly minTimeMs: number;
  /** Refuse series the server cannot hold faithfully (beyond the common InfluxDB checks). */
  check(series: TimeSeries): void;
  /** Create what the dialect needs (a database); idempotent. */
  init(): Promise<void>;
  /** Line protocol lines that store the document, and their precision. */
  metaLines(doc: MetaDoc): { lines: string[]; precision: Precision };
  /** The newest document of one id, or of every id when `id` is absent. */
  readMeta(id?: string): Promise<MetaDoc[]>;
  readRows(doc: MetaDoc, range: RowRange): Promise<Rows>;
  /** Server-side downsampling of the given columns, when the server can. */
  downsample?(
    doc: MetaDoc,
    columns: string[],
    range: RowRange,
    bucketMs: number,
    aggregation: Aggregation,
  ): Promise<Rows>;
  /** Delete the points of an id (of one generation, or all) and, when `meta`, its documents. */
  deleteSeries(id: string, options: { gen?: string; meta: boolean }): Promise<void>;
  /** Make written points visible to reads (servers that buffer). */
  afterWrite?(): Promise<void>;
  /** A short description of the server for health. */
  describeServer(): Promise<string>;
}
