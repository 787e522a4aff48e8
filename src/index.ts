/**
 * The tsiot package entry: a typed client of a running `tsiot serve`.
 * The server itself starts from the `tsiot` command.
 */
export {
  JobHandle,
  TsiotApiError,
  TsiotClient,
  type CallOptions,
  type JobView,
  type ProblemDocument,
  type ToolAnswer,
  type TsiotClientOptions,
  type WaitOptions,
} from './sdk/client.js';
export { TOOL_NAMES, type ToolInput, type ToolName, type ToolOutput, type ToolTypes } from './sdk/types.js';
