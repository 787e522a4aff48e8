/** The `dgan` catalogue entry (alias `ydata`): learned only (fit on a fleet, then sample new entities). */
import type { GeneratorDefinition } from '../generator.js';
import { dganLearner } from './learned.js';

export const dganGenerator: GeneratorDefinition = {
  name: 'dgan',
  aliases: ['ydata'],
  title: 'DoppelGANger fleets with static attributes (learned)',
  description:
    'Learns a fleet from real data, then samples new entities like it: DoppelGANger (Lin et al., IMC 2020), also known as the multi-entity model of ydata-synthetic ("ydata"). Each entity is a multivariate series with static attributes (metadata.attributes: model, site, firmware …); an attribute generator, a per-entity min/max generator and a GRU conditioned on both are trained against Wasserstein critics. Fit on several series carrying metadata.attributes; sampling draws new entities, and may fix some attributes for every entity (e.g. {"site": "plant-3"}; describe_model lists the values learned). Checkpoints and resumes like timegan. Fit with fit_model, then sample with generate_timeseries {"model": "mdl_…", "params": {"attributes": {…}}}.',
  capabilities: { multivariate: true, fleets: true, attributes: true },
  learner: dganLearner,
  fitGuide:
    'a fleet of entities with static attributes (DoppelGANger; "ydata" is the same model under the name ydata-synthetic users know): fit on several series carrying metadata.attributes, then sample new entities, optionally fixing attributes such as {"site": "plant-3"} (options: length, sampleLen, hidden, iterations, batchSize, checkpointEvery).',
  fitExample: { length: 24, sampleLen: 4, iterations: 1000 },
};
