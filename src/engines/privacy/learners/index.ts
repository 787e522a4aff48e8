/** Catalogue entries of the differentially private learners. */
import type { GeneratorDefinition } from '../../generation/generator.js';
import { privateMixtureLearner } from './private-mixture.js';

export const privateMixtureGenerator: GeneratorDefinition = {
  name: 'mixture-dp',
  title: 'Differentially private Gaussian mixture over whole windows (learned)',
  description:
    'The mixture learner fitted with differential privacy: private principal components (noisy second moments) and private EM (noisy sufficient statistics per iteration), discrete Gaussian noise, every column clipped to declared bounds. Fit it through fit_model or synthesize_like with a privacy argument {epsilon, delta, unit, bounds}, which charges the dataset budget; the model records its guarantee and keeps no training rows.',
  capabilities: { multivariate: true, fleets: true },
  learner: privateMixtureLearner,
  fitGuide:
    'differentially private synthesis: give privacy {epsilon, delta, unit, bounds} to fit_model or synthesize_like with generator "mixture" (options: window, stride, components, iterations, maxLatent).',
};
