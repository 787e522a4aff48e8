/**
 * The CLI's heavy parts, loaded by the commands that use them: the tool list
 * pulls in every engine (storage drivers, TensorFlow.js, the cloud SDKs), so
 * `tsiot --help` and the commands that need none of it never load it.
 */
import type { AnyTool } from '../registry/tool.js';

export async function loadTools(): Promise<readonly AnyTool[]> {
  return (await import('../../tools/index.js')).tools;
}

export async function loadRegistries() {
  const [{ tools }, { resources }, { prompts }] = await Promise.all([
    import('../../tools/index.js'),
    import('../../resources/index.js'),
    import('../../prompts/index.js'),
  ]);
  return { tools, resources, prompts };
}

export async function runTool(...args: Parameters<typeof import('../registry/run-tool.js').runTool>) {
  const { runTool: run } = await import('../registry/run-tool.js');
  return run(...args);
}

export async function startTracing(...args: Parameters<typeof import('../engines/telemetry/tracing.js').startTracing>) {
  return (await import('../engines/telemetry/tracing.js')).startTracing(...args);
}

export async function loadExport() {
  return import('../engines/export/index.js');
}
