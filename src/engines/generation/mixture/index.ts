/** The `mixture` catalogue entry: learned only (fit on real data, then sample the model). */
import type { GeneratorDefinition } from '../generator.js';
import { mixtureLearner } from './learned.js';

export const mixtureGenerator: GeneratorDefinition = {
  name: 'mixture',
  title: 'Gaussian mixture over whole windows (learned)',
  description:
    'Learns from real data, then samples like it: a Gaussian mixture over whole windows on their principal components, each column mapped to a normal scale (z-scores or a Gaussian copula for skewed, bounded columns), the number of components chosen by BIC. The best measured fidelity of the learned generators on the TimeGAN benchmark, fitted in under a minute; for short, window-shaped data (sensor cycles, daily profiles). Paths longer than a window continue window by window from the model\'s conditional law; context "end" continues the training data, "random" a stretch of it kept in the model. A window holds at most 1,024 values (window × columns); structure longer than a window is carried only by the overlap. Fit with fit_model (or synthesize_like), then sample with generate_timeseries {"model": "mdl_…"}.',
  capabilities: { multivariate: true, fleets: true },
  learner: mixtureLearner,
  fitGuide:
    'the best measured fidelity, fitted in under a minute, for short, window-shaped data (sensor cycles, daily profiles, the benchmark windows): a Gaussian mixture over whole windows on their principal components; longer paths continue window by window from the model\'s conditional law (context "end" continues the data, "random" a stretch of it kept in the model); the default of synthesize_like for several series (options: window — default the sequences\' length or one detected cycle —, overlap, variance, components, maxComponents, marginals: "standardize" or "copula" for skewed, bounded columns).',
  fitExample: { window: 24 },
};
