import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/** The TensorFlow.js namespace, loaded on first use. */
export type Tf = typeof import('@tensorflow/tfjs');

let loading: Promise<Tf> | undefined;

/**
 * Load TensorFlow.js on the WebAssembly backend. The library and its backend
 * are process-wide, so the promise is shared; importing lazily keeps tfjs out
 * of processes that never train a network.
 */
export function loadTf(): Promise<Tf> {
  loading ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    // the package's main file sits in dist/, beside the .wasm binaries
    wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    if (!(await tf.setBackend('wasm'))) throw new Error('the TensorFlow.js wasm backend failed to initialise');
    await tf.ready();
    return tf;
  })().catch((e: unknown) => {
    loading = undefined;
    throw e;
  });
  return loading;
}
