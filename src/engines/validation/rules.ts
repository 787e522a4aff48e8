import { parseInput } from '../../core/input-errors.js';
import { RulesSchema, type Rules, type RulesInput } from './schema.js';

const NESTED = ['statistical', 'quality', 'temporal', 'privacy', 'fidelity', 'stream', 'weights', 'checks'] as const;

/**
 * Merge rule inputs, later ones winning: top-level fields are replaced,
 * the per-validator option objects, weights and check overrides are merged
 * key by key (a check override merges field by field).
 */
export function mergeRules(...layers: (RulesInput | undefined)[]): RulesInput {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      if ((NESTED as readonly string[]).includes(key) && isPlainObject(value) && isPlainObject(out[key])) {
        const merged: Record<string, unknown> = { ...(out[key] as Record<string, unknown>) };
        for (const [k, v] of Object.entries(value)) {
          merged[k] =
            key === 'checks' && isPlainObject(v) && isPlainObject(merged[k]) ? { ...(merged[k] as object), ...v } : v;
        }
        out[key] = merged;
      } else {
        out[key] = value;
      }
    }
  }
  return out as RulesInput;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validate and complete rules (defaults filled in); throws invalid_input naming the bad field. */
export function resolveRules(...layers: (RulesInput | undefined)[]): Rules {
  return parseInput(RulesSchema, mergeRules(...layers), 'validation rules', {
    checks: { 'statistical.ks_statistic': { threshold: 0.05 } },
    validators: ['quality', 'temporal', 'statistical'],
  });
}
