/** The learned generators that ship with tsiot, for the model registry. */
import { arimaLearner } from '../generation/arima/learned.js';
import { dganLearner, ydataLearner } from '../generation/dgan/learned.js';
import { mixtureLearner } from '../generation/mixture/learned.js';
import { rnnLearner } from '../generation/rnn/learned.js';
import { statisticalLearner } from '../generation/statistical/fit/learned.js';
import { timeganLearner } from '../generation/timegan/learned.js';
import type { LearnedGenerator } from '../generation/learner.js';

export function builtinLearners(): LearnedGenerator<any, any>[] {
  return [arimaLearner, dganLearner, mixtureLearner, rnnLearner, statisticalLearner, timeganLearner, ydataLearner];
}
