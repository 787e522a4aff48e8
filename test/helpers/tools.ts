import { TsiotError } from '../../src/core/errors.js';
import { runTool } from '../../src/registry/run-tool.js';
import type { AnyTool, ToolContext } from '../../src/registry/tool.js';

/** Call tools in-process with one context: `call` for the result, `errorOf` for the TsiotError a call must raise. */
export function toolCalls(ctx: () => ToolContext) {
  return {
    call: async (tool: AnyTool, input: unknown) =>
      (await runTool(tool, input, ctx())) as { structured: any; summary: string },
    async errorOf(tool: AnyTool, input: unknown): Promise<TsiotError> {
      try {
        await runTool(tool, input, ctx());
      } catch (e) {
        if (e instanceof TsiotError) return e;
        throw e;
      }
      throw new Error('expected the call to fail');
    },
  };
}
