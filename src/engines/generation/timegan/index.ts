/** The `timegan` catalogue entry: learned only (fit on real data, then sample the model). */
import type { GeneratorDefinition } from '../generator.js';
import { timeganLearner } from './learned.js';

export const timeganGenerator: GeneratorDefinition = {
  name: 'timegan',
  title: 'TimeGAN (learned)',
  description:
    'Learns from real data, then samples like it: TimeGAN (Yoon, Jarrett & van der Schaar, NeurIPS 2019) — embedder, recovery, generator, supervisor and discriminator GRUs trained in the paper\'s three phases on min-max scaled windows. For windows whose joint shape matters. Trains for a long time (minutes to hours); it checkpoints every checkpointEvery iterations and a fit interrupted by a restart resumes with fit_model {"resume": "mdl_…"}. Fit with fit_model, then sample with generate_timeseries {"model": "mdl_…"}.',
  capabilities: { multivariate: true, fleets: true },
  learner: timeganLearner,
  fitGuide:
    'windows whose joint shape matters (TimeGAN); trains for a long time, checkpoints and resumes after a restart (options: seqLen, hidden, layers, embeddingIterations, supervisedIterations, jointIterations, checkpointEvery).',
  fitExample: { seqLen: 24, hidden: 24, jointIterations: 1000, checkpointEvery: 50 },
};
