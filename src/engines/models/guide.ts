/**
 * When to use which fittable generator: one line each, shared by the
 * descriptions of the model tools (fit_model, synthesize_like,
 * generate_from_model) so they never disagree.
 */

/** Generator name → when to use it. */
export const GENERATOR_GUIDE: readonly (readonly [name: string, use: string])[] = [
  [
    'mixture',
    'the best measured fidelity, fitted in under a minute, for short, window-shaped data (sensor cycles, daily profiles, the benchmark windows): a Gaussian mixture over whole windows on their principal components; longer paths continue window by window from the model\'s conditional law (context "end" continues the data, "random" a stretch of it kept in the model); the default of synthesize_like for several series (options: window — default the sequences\' length or one detected cycle —, overlap, variance, components, maxComponents, marginals: "standardize" or "copula" for skewed, bounded columns).',
  ],
  [
    'statistical',
    'one long series with trend and several seasonalities (e.g. daily + weekly): MSTL decomposition, seasonal profiles, an AR residual with its own marginal shape; periods detected or given; a fraction of a second to seconds; the default of synthesize_like for one series; forecasts (options: periods, maxPeriods, robust, arOrderMax, residual).',
  ],
  [
    'arima',
    'one series with linear dynamics and seasonality; seconds to fit; exposes coefficients and forecasts (options: period, order, maxP, maxQ, criterion).',
  ],
  [
    'rnn',
    'non-linear multivariate dynamics; a GRU/LSTM with a Gaussian-mixture next step; minutes for large budgets; learns several series as independent sequences (options: cell, hidden, layers, window, output, iterations, batchSize, learningRate).',
  ],
  [
    'timegan',
    'windows whose joint shape matters (TimeGAN); trains for a long time, checkpoints and resumes after a restart (options: seqLen, hidden, layers, embeddingIterations, supervisedIterations, jointIterations, checkpointEvery).',
  ],
  [
    'dgan',
    'a fleet of entities with static attributes (DoppelGANger): fit on several series carrying metadata.attributes, then sample new entities, optionally fixing attributes such as {"site": "plant-3"} (options: length, sampleLen, hidden, iterations, batchSize, checkpointEvery).',
  ],
  ['ydata', 'the same model as dgan under the name ydata-synthetic users know.'],
];

/** The fittable generators' names, quoted, for a parameter description. */
export function generatorNames(): string {
  return GENERATOR_GUIDE.map(([name]) => `"${name}"`).join(', ');
}

/** The guide as one sentence per generator, for a tool description. */
export function generatorGuide(): string {
  return `Generators: ${GENERATOR_GUIDE.map(([name, use]) => `"${name}" — ${use}`).join(' ')}`;
}
