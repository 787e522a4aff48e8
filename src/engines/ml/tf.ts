/**
 * TensorFlow.js for the learned generators. The wasm backend setup is shared
 * with the fidelity metrics (one process-wide backend), so it is re-exported
 * from there rather than initialised twice.
 */
export { loadTf, type Tf } from '../validation/fidelity/tf.js';
