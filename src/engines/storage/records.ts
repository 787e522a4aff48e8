/**
 * What the backends that keep a series' head as one record (Redis, S3,
 * Weaviate, InfluxDB's metadata) say alike: its summary, and the refusal to
 * store over an existing series without overwrite.
 */
import { TsiotError } from '../../core/errors.js';
import type { SeriesHead } from '../../core/series.js';
import type { SeriesSummary } from '../../core/types.js';

/** The listing summary of a stored head: its fields, with the labels counted. */
export function summaryOf(head: SeriesHead): SeriesSummary {
  return {
    id: head.id,
    name: head.name,
    metadata: head.metadata,
    columns: head.columns,
    points: head.points,
    start: head.start,
    end: head.end,
    labels: head.labels.length,
  };
}

/** A store refused because the id is taken and overwrite was not asked for. */
export function seriesExists(id: string): TsiotError {
  return new TsiotError('conflict', `series "${id}" already exists`, {
    details: { id },
    hint: 'Pass overwrite: true to replace it, or choose another id.',
  });
}
