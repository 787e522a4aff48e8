import { TsiotError } from '../../core/errors.js';
import { validateSeries } from '../../core/series.js';
import type { TimeSeries } from '../../core/types.js';

export type ExportFormat = 'csv' | 'ndjson' | 'line' | 'parquet';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'ndjson', 'line', 'parquet'];

export type TimestampFormat = 'iso' | 'ms';

export interface ExportOptions {
  /**
   * How CSV, NDJSON and Parquet write time. 'iso' (default): ISO 8601 UTC with
   * milliseconds in text ("2024-01-01T00:00:00.000Z") and a TIMESTAMP_MS
   * column in Parquet; 'ms': epoch milliseconds (a number in text, INT64 in
   * Parquet). Line protocol always writes epoch milliseconds.
   */
  timestamps?: TimestampFormat;
  /**
   * Line protocol measurement for every row. Default: the series'
   * metadata.sensorType, else "tsiot".
   */
  measurement?: string;
  /** Approximate size of each streamed chunk, bytes. Default 65536. */
  chunkBytes?: number;
}

export interface ResolvedOptions {
  timestamps: TimestampFormat;
  measurement: string | undefined;
  chunkBytes: number;
}

/** The two columns every row carries; a value column may not take their names. */
export const RESERVED_COLUMNS = ['timestamp', 'series'] as const;

function invalid(field: string, expected: string, example: unknown, got: unknown): TsiotError {
  return new TsiotError('invalid_input', `${field}: expected ${expected}, got ${JSON.stringify(got)}`, {
    details: { field, expected, example },
  });
}

export function resolveOptions(options: ExportOptions = {}): ResolvedOptions {
  const { timestamps = 'iso', measurement, chunkBytes = 65_536 } = options;
  if (timestamps !== 'iso' && timestamps !== 'ms') throw invalid('timestamps', '"iso" or "ms"', 'iso', timestamps);
  if (measurement !== undefined && (typeof measurement !== 'string' || measurement.trim() === '')) {
    throw invalid('measurement', 'a non-empty string', 'temperature', measurement);
  }
  if (!(Number.isInteger(chunkBytes) && chunkBytes >= 1))
    throw invalid('chunkBytes', 'a whole number of bytes >= 1', 65_536, chunkBytes);
  return { timestamps, measurement, chunkBytes };
}

export function checkFormat(format: unknown): ExportFormat {
  if (!EXPORT_FORMATS.includes(format as ExportFormat))
    throw invalid('format', `one of ${EXPORT_FORMATS.join(', ')}`, 'csv', format);
  return format as ExportFormat;
}

/** The widest epoch-ms value a JavaScript Date can hold. */
const MAX_EPOCH_MS = 8.64e15;

/** Validate every series, keep timestamps within the Date range and refuse value columns named like the row columns. */
export function checkExportable(series: readonly TimeSeries[]): void {
  for (const s of series) {
    validateSeries(s);
    const n = s.timestamps.length;
    if (n && (s.timestamps[0]! < -MAX_EPOCH_MS || s.timestamps[n - 1]! > MAX_EPOCH_MS)) {
      throw new TsiotError(
        'invalid_input',
        `series "${s.id}": timestamps must lie within ±${MAX_EPOCH_MS} epoch ms (the JavaScript Date range)`,
        {
          details: { field: 'timestamps', first: s.timestamps[0], last: s.timestamps[n - 1] },
        },
      );
    }
    for (const c of s.columns) {
      if ((RESERVED_COLUMNS as readonly string[]).includes(c.name.toLowerCase())) {
        throw new TsiotError(
          'invalid_input',
          `series "${s.id}": a value column may not be named "${c.name}" in an export (every row already has "timestamp" and "series")`,
          {
            details: { field: 'columns', column: c.name },
            hint: 'Rename the column before exporting.',
          },
        );
      }
    }
  }
}

/** Column names of all series, each once, in the order first seen. */
export function unionColumns(series: readonly TimeSeries[]): string[] {
  const seen = new Set<string>();
  for (const s of series) for (const c of s.columns) seen.add(c.name);
  return [...seen];
}

/** ISO 8601 UTC with milliseconds, or epoch ms as a plain number. */
export function formatTimestamp(ms: number, format: TimestampFormat): string {
  return format === 'ms' ? String(ms) : isoTimestamp(ms);
}

/** Whole ms from 1970 to the last of year 9999: where toISOString has the fixed 24-character form. */
const LAST_FIXED_ISO_MS = 253_402_300_799_999;
let cachedMinute = Number.NaN;
let cachedPrefix = '';

/**
 * new Date(ms).toISOString(), formatted incrementally: rows of one minute
 * share the "YYYY-MM-DDTHH:MM:" prefix, built once, and only the seconds and
 * milliseconds are written per row. Other times take toISOString itself.
 */
function isoTimestamp(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > LAST_FIXED_ISO_MS) return new Date(ms).toISOString();
  const minute = Math.floor(ms / 60_000);
  if (minute !== cachedMinute) {
    cachedPrefix = new Date(minute * 60_000).toISOString().slice(0, 17);
    cachedMinute = minute;
  }
  const rest = ms - minute * 60_000;
  const sec = Math.floor(rest / 1000);
  const milli = rest - sec * 1000;
  return `${cachedPrefix}${sec < 10 ? '0' : ''}${sec}.${milli < 100 ? (milli < 10 ? '00' : '0') : ''}${milli}Z`;
}
