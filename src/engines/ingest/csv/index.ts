export {
  CSV_DELIMITERS,
  CsvReadOptionsSchema,
  CsvReadShape,
  DEFAULT_MAX_CSV_BYTES,
  type CsvReadOptions,
} from './options.js';
export {
  MAX_LEVELS,
  readCsv,
  type CategoricalColumn,
  type CsvColumnSummary,
  type CsvReadContext,
  type CsvSource,
  type CsvTable,
} from './reader.js';
