/**
 * The validation engine: one report on whether synthetic data can be trusted.
 * Other code should import from here.
 */
export {
  ValidationEngine,
  REPORTS_COLLECTION,
  newReportId,
  type ValidateRequest,
  type ValidateOptions,
  type ValidationEngineOptions,
  type ValidatorInfo,
} from './engine.js';
export {
  RulesSchema,
  RulesInputSchema,
  CheckSchema,
  ValidationReportSchema,
  ValidatorSummarySchema,
  type Rules,
  type RulesInput,
  type Check,
  type ValidationReport,
  type ValidatorSummary,
} from './schema.js';
export { resolveRules, mergeRules } from './rules.js';
export type { Validator, ValidatorContext, ValidatorOutput, ValidationData } from './validator.js';
export { CheckList, type CheckSpec } from './checks.js';
export type {
  StreamEvent,
  StreamInput,
  StreamPoint,
  StreamBatch,
  StreamAlert,
  StreamSnapshot,
} from './streaming/stream.js';
export {
  profileColumn,
  summarise as summariseProfiles,
  type ColumnProfile,
  type SideProfile,
} from './validators/temporal.js';
export {
  analyzeSeries,
  formatDuration,
  type SeriesAnalysis,
  type ColumnAnalysis,
  type AnomalyItem,
} from './analyze.js';
