import type { z } from 'zod';
import type { ToolDefinition } from '../registry/tool.js';
import type { analyzeSeriesTool } from '../../tools/analyze-series.js';
import type { cancelJob } from '../../tools/cancel-job.js';
import type { compareSeries } from '../../tools/compare-series.js';
import type { deleteModel } from '../../tools/delete-model.js';
import type { deleteSeries } from '../../tools/delete-series.js';
import type { describeGenerator } from '../../tools/describe-generator.js';
import type { describeModel } from '../../tools/describe-model.js';
import type { exportSeriesTool } from '../../tools/export-series.js';
import type { findSimilarSeries } from '../../tools/find-similar-series.js';
import type { fitModel } from '../../tools/fit-model.js';
import type { generateFromModel } from '../../tools/generate-from-model.js';
import type { generateTimeseries } from '../../tools/generate-timeseries.js';
import type { getJob } from '../../tools/get-job.js';
import type { getSeries } from '../../tools/get-series.js';
import type { listGenerators } from '../../tools/list-generators.js';
import type { listJobs } from '../../tools/list-jobs.js';
import type { listModels } from '../../tools/list-models.js';
import type { listSeries } from '../../tools/list-series.js';
import type { plotSeries } from '../../tools/plot-series.js';
import type { requeueJob } from '../../tools/requeue-job.js';
import type { simulateFleet } from '../../tools/simulate-fleet.js';
import type { applyDifferentialPrivacy } from '../../tools/apply-differential-privacy.js';
import type { dpAggregate } from '../../tools/dp-aggregate.js';
import type { privacyBudget } from '../../tools/privacy-budget.js';
import type { checkKAnonymityTool } from '../../tools/check-k-anonymity.js';
import type { anonymizeIdentifiers } from '../../tools/anonymize-identifiers.js';
import type { startJob } from '../../tools/start-job.js';
import type { synthesizeLike } from '../../tools/synthesize-like.js';
import type { validateTimeseries } from '../../tools/validate-timeseries.js';

/** Input (as sent, defaults optional) and output (as returned) of a tool, from its zod schemas. */
type Io<T> = T extends ToolDefinition<infer I, infer O> ? { input: z.input<I>; output: z.output<O> } : never;

/**
 * Every tool's input and output type, derived from the same zod schemas the
 * server validates with, so the client cannot drift from the server.
 */
export interface ToolTypes {
  analyze_series: Io<typeof analyzeSeriesTool>;
  cancel_job: Io<typeof cancelJob>;
  compare_series: Io<typeof compareSeries>;
  delete_model: Io<typeof deleteModel>;
  delete_series: Io<typeof deleteSeries>;
  describe_generator: Io<typeof describeGenerator>;
  describe_model: Io<typeof describeModel>;
  export_series: Io<typeof exportSeriesTool>;
  find_similar_series: Io<typeof findSimilarSeries>;
  fit_model: Io<typeof fitModel>;
  generate_from_model: Io<typeof generateFromModel>;
  generate_timeseries: Io<typeof generateTimeseries>;
  get_job: Io<typeof getJob>;
  get_series: Io<typeof getSeries>;
  list_generators: Io<typeof listGenerators>;
  list_jobs: Io<typeof listJobs>;
  list_models: Io<typeof listModels>;
  list_series: Io<typeof listSeries>;
  plot_series: Io<typeof plotSeries>;
  requeue_job: Io<typeof requeueJob>;
  simulate_fleet: Io<typeof simulateFleet>;
  apply_differential_privacy: Io<typeof applyDifferentialPrivacy>;
  dp_aggregate: Io<typeof dpAggregate>;
  privacy_budget: Io<typeof privacyBudget>;
  check_k_anonymity: Io<typeof checkKAnonymityTool>;
  anonymize_identifiers: Io<typeof anonymizeIdentifiers>;
  start_job: Io<typeof startJob>;
  synthesize_like: Io<typeof synthesizeLike>;
  validate_timeseries: Io<typeof validateTimeseries>;
}

export type ToolName = keyof ToolTypes;
export type ToolInput<N extends ToolName> = ToolTypes[N]['input'];
export type ToolOutput<N extends ToolName> = ToolTypes[N]['output'];

/** The names of ToolTypes at run time (a test checks they are the server's tools). */
export const TOOL_NAMES = [
  'analyze_series',
  'cancel_job',
  'compare_series',
  'delete_model',
  'delete_series',
  'describe_generator',
  'describe_model',
  'export_series',
  'find_similar_series',
  'fit_model',
  'generate_from_model',
  'generate_timeseries',
  'get_job',
  'get_series',
  'list_generators',
  'list_jobs',
  'list_models',
  'list_series',
  'plot_series',
  'requeue_job',
  'simulate_fleet',
  'apply_differential_privacy',
  'dp_aggregate',
  'privacy_budget',
  'check_k_anonymity',
  'anonymize_identifiers',
  'start_job',
  'synthesize_like',
  'validate_timeseries',
] as const satisfies readonly ToolName[];

// Fails to compile when a tool is in ToolTypes but not in TOOL_NAMES.
type Unlisted = Exclude<ToolName, (typeof TOOL_NAMES)[number]>;
export const ALL_TOOLS_LISTED: [Unlisted] extends [never] ? true : Unlisted = true;
