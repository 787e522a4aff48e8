import type { AnyTool } from '../src/registry/tool.js';
import { deleteSeries } from './delete-series.js';
import { describeGenerator } from './describe-generator.js';
import { exportSeriesTool } from './export-series.js';
import { generateTimeseries } from './generate-timeseries.js';
import { getSeries } from './get-series.js';
import { listGenerators } from './list-generators.js';
import { listSeries } from './list-series.js';
import { findSimilarSeries } from './find-similar-series.js';
import { validateTimeseries } from './validate-timeseries.js';
import { compareSeries } from './compare-series.js';
import { analyzeSeriesTool } from './analyze-series.js';
import { startJob } from './start-job.js';
import { getJob } from './get-job.js';
import { listJobs } from './list-jobs.js';
import { cancelJob } from './cancel-job.js';
import { requeueJob } from './requeue-job.js';
import { fitModel } from './fit-model.js';
import { listModels } from './list-models.js';
import { describeModel } from './describe-model.js';
import { generateFromModel } from './generate-from-model.js';
import { deleteModel } from './delete-model.js';
import { synthesizeLike } from './synthesize-like.js';
import { plotSeries } from './plot-series.js';
import { simulateFleet } from './simulate-fleet.js';
import { applyDifferentialPrivacy } from './apply-differential-privacy.js';
import { dpAggregate } from './dp-aggregate.js';
import { privacyBudget } from './privacy-budget.js';
import { checkKAnonymityTool } from './check-k-anonymity.js';
import { anonymizeIdentifiers } from './anonymize-identifiers.js';

/**
 * Every tool tsiot offers. The MCP server, the REST adapter, the CLI and the
 * OpenAPI document are all built from this one list.
 */
export const tools: AnyTool[] = [
  generateTimeseries,
  listGenerators,
  describeGenerator,
  listSeries,
  getSeries,
  deleteSeries,
  exportSeriesTool,
  findSimilarSeries,
  validateTimeseries,
  compareSeries,
  analyzeSeriesTool,
  startJob,
  getJob,
  listJobs,
  cancelJob,
  requeueJob,
  fitModel,
  listModels,
  describeModel,
  generateFromModel,
  deleteModel,
  synthesizeLike,
  plotSeries,
  simulateFleet,
  applyDifferentialPrivacy,
  dpAggregate,
  privacyBudget,
  checkKAnonymityTool,
  anonymizeIdentifiers,
];
