/**
 * The privacy unit: what one person's (or device's) data is, so the
 * sensitivity of a release covers all of it.
 *
 * - `event`: one row. In a windowed release a row lies in every window that
 *   covers it — ⌈length/stride⌉ of them — so its influence is multiplied by
 *   that overlap.
 * - `window`: one window (the caller's windows are the protected records).
 * - `device`: everything a device contributed. Contributions are bounded
 *   before any noise (at most `maxRowsPerDevice` rows, `maxPartitionsPerDevice`
 *   partitions), as PipelineDP and Tumult do, and the sensitivity is that bound.
 */
import { z } from 'zod';

export const PrivacyUnitSchema = z
  .object({
    kind: z
      .enum(['event', 'window', 'device'])
      .describe(
        'What is protected: "event" one row, "window" one window of rows, "device" all rows of one device (contribution bounds apply)',
      ),
    windowRows: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'unit "window": rows in one protected window (the series is cut into consecutive windows of this many rows)',
      ),
    maxRowsPerDevice: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('unit "device": most rows a device contributes per partition (extra rows are dropped before noise)'),
    maxPartitionsPerDevice: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'unit "device": most partitions (time buckets) a device contributes to (extra ones dropped before noise)',
      ),
  })
  .strict();
export type PrivacyUnit = z.output<typeof PrivacyUnitSchema>;

/** The unit as one phrase, for every release's statement. */
export function describeUnit(unit: PrivacyUnit, overlap = 1): string {
  switch (unit.kind) {
    case 'event':
      return overlap > 1
        ? `event-level: one row, which lies in up to ${overlap} overlapping windows (accounted)`
        : 'event-level: one row';
    case 'window':
      return `window-level: one window of ${unit.windowRows ?? '?'} consecutive rows`;
    case 'device':
      return `device-level: all rows of one device, at most ${unit.maxRowsPerDevice ?? '?'} rows in each of at most ${unit.maxPartitionsPerDevice ?? '?'} partitions`;
  }
}

/** How many windows of `length` steps at `stride` one row lies in. */
export const windowOverlap = (length: number, stride: number): number => Math.ceil(length / stride);
