/** Catalogue entries of the differentially private learners. */
import type { GeneratorDefinition } from '../../generation/generator.js';
import { privateMixtureLearner } from './private-mixture.js';
import { privateStatisticalLearner } from './private-statistical.js';

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

export const privateStatisticalGenerator: GeneratorDefinition = {
  name: 'statistical-dp',
  title: 'Differentially private trend + seasonal profiles + AR remainder (learned)',
  description:
    'The statistical learner fitted with differential privacy: trend line and seasonal mean profiles (declared periods) from noisy sums, the AR remainder from noisy autocovariances at a privately estimated clip, the cross-column correlation from noisy cross products; discrete Gaussian noise, every column clipped to declared bounds. Fit it through fit_model or synthesize_like with a privacy argument {epsilon, delta, unit, bounds}, which charges the dataset budget; the model records its guarantee and keeps no training rows.',
  capabilities: { multivariate: true },
  learner: privateStatisticalLearner,
  fitGuide:
    'differentially private synthesis of one long series: give privacy {epsilon, delta, unit, bounds} to fit_model or synthesize_like with generator "statistical" (options: periods, declared; arOrderMax).',
};

/** Every private learner, as the server registers them. */
export const privateGenerators: readonly GeneratorDefinition[] = [privateMixtureGenerator, privateStatisticalGenerator];

/** The private learner a fit with a privacy argument uses for the generator asked for, if there is one. */
export const PRIVATE_VARIANTS: Readonly<Record<string, string>> = {
  mixture: 'mixture-dp',
  'mixture-dp': 'mixture-dp',
  statistical: 'statistical-dp',
  'statistical-dp': 'statistical-dp',
};

/** Whether a generator name is a private learner (which must be fitted with a privacy argument). */
export const isPrivateLearner = (name: string | undefined): boolean =>
  name !== undefined && privateGenerators.some((g) => g.name === name);
