import { ADMIN_SCOPE } from '../core/caller.js';
import type { AnyTool } from './tool.js';

/**
 * The OAuth scopes a token or API key may carry, each granting a family of
 * tools. `admin` grants every scope and, beyond them, operations that reach
 * past one caller's own objects (cleanup jobs, schedules).
 */
export const SCOPES = {
  'series:read': 'Read, search, analyze, validate and export stored series; list generators.',
  'series:write': 'Generate, store and delete series.',
  models: 'Fit, list, sample from and delete generative models.',
  jobs: 'Start, follow, cancel and requeue background jobs.',
  privacy: 'Privacy tools: private releases, budgets and their ledger.',
  [ADMIN_SCOPE]: 'Everything, plus cleanup jobs and schedules.',
} as const;

export type Scope = keyof typeof SCOPES;

export const SCOPE_NAMES = Object.keys(SCOPES) as Scope[];

export function isScope(value: string): value is Scope {
  return Object.hasOwn(SCOPES, value);
}

/**
 * The one scope a tool needs: its own `scope` when it declares one, otherwise
 * derived from its name and annotations, so a new tool is covered the day it
 * is added: jobs, models and privacy by name, then read-only tools read
 * series and everything else writes them.
 */
export function toolScope(tool: Pick<AnyTool, 'name' | 'annotations' | 'scope'>): Scope {
  if (tool.scope) return tool.scope;
  const name = tool.name;
  if (/(^|_)jobs?($|_)/.test(name)) return 'jobs';
  if (/(^|_)(privacy|privatize|private|dp|anonymi[sz]e|pseudonymi[sz]e|budget|ledger)($|_)/.test(name))
    return 'privacy';
  if (/(^|_)models?($|_)/.test(name) || name === 'synthesize_like') return 'models';
  return tool.annotations?.readOnlyHint ? 'series:read' : 'series:write';
}
