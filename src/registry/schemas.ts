/**
 * The wire schemas now live in `src/core/schemas.ts`, where engines can use
 * them too; this re-export keeps code written against the old path building.
 */
export {
  ColumnInfoSchema,
  LabelSchema,
  MetadataSchema,
  RangeSchema,
  SeedSchema,
  SeriesIdSchema,
  SeriesSummarySchema,
  TagsSchema,
} from '../core/schemas.js';
