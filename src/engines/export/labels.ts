import { TsiotError } from '../../core/errors.js';
import type { TimeSeries } from '../../core/types.js';
import { csvField } from './csv.js';
import { formatTimestamp, resolveOptions, type ExportOptions } from './options.js';

export type LabelFormat = 'csv' | 'ndjson';

/**
 * The anomaly and imperfection labels of the series, one per line:
 * - csv: `series,type,kind,column,start,end,details` (column empty for a
 *   whole-row label, details as JSON text);
 * - ndjson: `{"series","type","kind","column"(null when whole-row),"start","end","details"(null when none)}`.
 * start and end follow options.timestamps.
 */
export async function exportLabels(
  series: readonly TimeSeries[],
  format: LabelFormat,
  options: ExportOptions = {},
): Promise<Uint8Array> {
  const { timestamps } = resolveOptions(options);
  const time = (ms: number) => formatTimestamp(ms, timestamps);
  const lines: string[] = [];
  if (format === 'csv') {
    lines.push('series,type,kind,column,start,end,details\n');
    for (const s of series) {
      for (const l of s.labels) {
        const fields = [
          s.name,
          l.type,
          l.kind,
          l.column ?? '',
          time(l.start),
          time(l.end),
          l.details ? JSON.stringify(l.details) : '',
        ];
        lines.push(`${fields.map(csvField).join(',')}\n`);
      }
    }
  } else if (format === 'ndjson') {
    for (const s of series) {
      for (const l of s.labels) {
        const at = (ms: number) => (timestamps === 'ms' ? ms : time(ms));
        lines.push(
          `${JSON.stringify({ series: s.name, type: l.type, kind: l.kind, column: l.column ?? null, start: at(l.start), end: at(l.end), details: l.details ?? null })}\n`,
        );
      }
    }
  } else {
    throw new TsiotError(
      'invalid_input',
      `format: expected "csv" or "ndjson" for labels, got ${JSON.stringify(format)}`,
      { details: { field: 'format', example: 'csv' } },
    );
  }
  return Buffer.from(lines.join(''), 'utf8');
}
