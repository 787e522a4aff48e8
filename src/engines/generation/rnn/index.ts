/** The `rnn` catalogue entry: learned only (fit on real data, then sample the model). */
import type { GeneratorDefinition } from '../generator.js';
import { rnnLearner } from './learned.js';

export const rnnGenerator: GeneratorDefinition = {
  name: 'rnn',
  title: 'Recurrent network: GRU or LSTM (learned)',
  description:
    'Learns from real data, then samples like it: a GRU or LSTM predicts the distribution of the next step (a Gaussian or a Gaussian mixture) from the steps before, over all columns together, and is sampled step by step from a context of real data or from scratch. For non-linear multivariate dynamics; minutes to fit for large budgets. Several series are learned as independent sequences (never across their joins). Fit with fit_model, then sample with generate_timeseries {"model": "mdl_…"}.',
  capabilities: { multivariate: true, fleets: true },
  learner: rnnLearner,
  fitGuide:
    'non-linear multivariate dynamics; a GRU/LSTM with a Gaussian-mixture next step; minutes for large budgets; learns several series as independent sequences (options: cell, hidden, layers, window, output, iterations, batchSize, learningRate).',
  fitExample: { cell: 'gru', hidden: 24, window: 24, iterations: 500 },
};
