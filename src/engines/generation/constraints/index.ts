export { type ConstraintDescription, describeConstraints } from './describe.js';
export { type ConstrainedState, constrainModel, withConstraints } from './layer.js';
export {
  type BoundSource,
  type ColumnPlan,
  type ConstraintPlan,
  detectGrid,
  learnConstraints,
  type Transform,
} from './plan.js';
export { type Constraints, type ConstraintsInput, ConstraintsSchema } from './schema.js';
export { forwardSeries, forwardTraining, fromLearner, inversePath, quantise, toLearner } from './transform.js';
