/**
 * The data model shared by every engine and adapter.
 *
 * Internally a series is columnar: one Float64Array of epoch-millisecond
 * timestamps and one Float64Array per value column, with NaN for a missing
 * value. At the edges (JSON, MCP, REST) NaN becomes null (see series-json.ts).
 */

/** One value column of a series, e.g. the temperature of a device. */
export interface Column {
  name: string;
  unit?: string;
  sensorType?: string;
  /** The physical range the sensor can report; values outside are impossible or clipped. */
  range?: { min: number; max: number };
  values: Float64Array;
}

/** An injected anomaly or imperfection, as a labelled closed interval [start, end] in epoch ms. */
export interface AnomalyLabel {
  /** e.g. spike, dip, stuck, drift, level_shift, noise_burst, degradation, gap, missing, clipping */
  type: string;
  /** "anomaly" for injected faults, "imperfection" for sensor/transport artefacts such as gaps or clipping. */
  kind: 'anomaly' | 'imperfection';
  /** The column the label applies to; absent when the whole row is affected (a gap). */
  column?: string;
  start: number;
  end: number;
  details?: Record<string, unknown>;
}

export interface SeriesMetadata {
  deviceId?: string;
  sensorType?: string;
  unit?: string;
  tags: Record<string, string>;
  /** Static attributes of the entity (model, site, firmware). */
  attributes?: Record<string, string | number | boolean>;
  generator?: string;
  /** The seed that produced this series, as given or as drawn when none was given. */
  seed?: string | number;
  createdAt?: string;
  [key: string]: unknown;
}

export interface TimeSeries {
  id: string;
  name: string;
  metadata: SeriesMetadata;
  /** Epoch milliseconds, non-decreasing. */
  timestamps: Float64Array;
  columns: Column[];
  labels: AnomalyLabel[];
}

export interface ColumnInfo {
  name: string;
  unit?: string;
  sensorType?: string;
  range?: { min: number; max: number };
}

/** What `list` returns for a series: everything but the values. */
export interface SeriesSummary {
  id: string;
  name: string;
  metadata: SeriesMetadata;
  columns: ColumnInfo[];
  points: number;
  /** Epoch ms of the first and last timestamp; null for an empty series. */
  start: number | null;
  end: number | null;
  labels: number;
}

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
