/** What a caller may say about a CSV file; every field is optional, the reader detects the rest. */
import { z } from 'zod';

export const CSV_DELIMITERS = [',', ';', '\t', '|'] as const;

/** The fields, to be spread into the schema of any input that takes a CSV. */
export const CsvReadShape = {
  delimiter: z
    .enum(CSV_DELIMITERS)
    .optional()
    .describe('CSV: the field delimiter (default: detected from the first lines, e.g. ";" for European files).'),
  decimal: z
    .enum(['.', ','])
    .optional()
    .describe('CSV: the decimal separator (default: detected; "," is possible only when the delimiter is not ",").'),
  timestampColumn: z
    .string()
    .min(1)
    .optional()
    .describe('CSV: the time column (default: one named time/timestamp/ts/date/datetime, else the first).'),
  dateColumn: z
    .string()
    .min(1)
    .optional()
    .describe(
      'CSV: a date column whose time of day is in `timeColumn` (e.g. "Date" + "Time"); found by name when absent.',
    ),
  timeColumn: z.string().min(1).optional().describe('CSV: the time-of-day column that goes with `dateColumn`.'),
  timeFormat: z
    .string()
    .min(2)
    .max(100)
    .optional()
    .describe(
      'CSV: strftime-style layout of the stamp, e.g. "%d/%m/%Y %H:%M" (with dateColumn + timeColumn: both, joined by one space). Default: ISO 8601, epoch numbers and common layouts are detected.',
    ),
  timeZone: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe('IANA time zone of stamps that name none, e.g. "Europe/Berlin" (default UTC, never the server\'s zone).'),
  missing: z
    .array(z.union([z.number(), z.string().max(50)]))
    .max(50)
    .optional()
    .describe(
      'CSV: more missing-value markers, e.g. [-200, "NA", "n/a"]; numbers match numerically. Empty cells, NA, NaN, null and N/A are always missing.',
    ),
  columns: z
    .array(z.string().min(1))
    .min(1)
    .max(1000)
    .optional()
    .describe(
      'CSV: read only these columns (besides the time), before any value is parsed; others are skipped unread.',
    ),
};

export const CsvReadOptionsSchema = z.object(CsvReadShape).strict();
export type CsvReadOptions = z.output<typeof CsvReadOptionsSchema>;

/** Largest CSV read (bytes) unless the server says otherwise. */
export const DEFAULT_MAX_CSV_BYTES = 256 * 1024 * 1024;
