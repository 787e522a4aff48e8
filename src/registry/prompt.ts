import type { z } from 'zod';
import type { Completer } from './completion.js';

export interface PromptMessage {
  role: 'user' | 'assistant';
  text: string;
}

/** A prompt template offered to MCP clients. Arguments are strings (as MCP requires). */
export interface PromptDefinition<
  A extends Record<string, z.ZodType<string | undefined>> = Record<string, z.ZodType<string | undefined>>,
> {
  name: string;
  title: string;
  description: string;
  args: A;
  /** Completion (MCP completion/complete) of arguments, by argument name. */
  complete?: { [K in keyof A]?: Completer };
  build(args: { [K in keyof A]: z.output<A[K]> }): PromptMessage[];
}

export function definePrompt<A extends Record<string, z.ZodType<string | undefined>>>(
  def: PromptDefinition<A>,
): PromptDefinition<A> {
  return def;
}

export type AnyPrompt = PromptDefinition<any>;
