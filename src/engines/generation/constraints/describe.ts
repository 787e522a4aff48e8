/** What was learned, in words, for describe_model and the fit's details. */
import type { ColumnPlan, ConstraintPlan } from './plan.js';

export interface ConstraintDescription {
  column: string;
  kind: ColumnPlan['kind'];
  /** Closed bounds of the value (a counter's increment), where it has them. */
  min?: number;
  max?: number;
  /** The grid step, when values are whole or quantised. */
  step?: number;
  /** One sentence: the rule, where it came from and how it is enforced. */
  text: string;
}

const fmt = (v: number) => String(Number(v.toPrecision(6)));

function bounds(c: ColumnPlan): string {
  if (c.lo === undefined && c.hi === undefined) return 'unbounded';
  const lo = c.lo !== undefined ? `${fmt(c.lo)} (${c.loSource})` : '−∞';
  const hi = c.hi !== undefined ? `${fmt(c.hi)} (${c.hiSource})` : '+∞';
  return `within [${lo}, ${hi}]`;
}

function masses(c: ColumnPlan): string {
  const parts = [
    ...(c.atLo !== undefined ? [`${fmt(c.atLo * 100)} % on the lower bound`] : []),
    ...(c.atHi !== undefined ? [`${fmt(c.atHi * 100)} % on the upper bound`] : []),
  ];
  return parts.length ? `, ${parts.join(' and ')} (kept as a point mass)` : '';
}

function grid(c: ColumnPlan): string {
  if (c.step === undefined) return '';
  return c.step === 1 && !c.origin ? ', whole numbers' : `, in steps of ${fmt(c.step)}`;
}

const HOW: Record<string, string> = {
  logit: 'learned in logit space',
  log: 'learned in log space',
  'log-upper': 'learned as the log of the distance to the upper bound',
  identity: 'learned as is',
};

export function describeConstraints(plan: ConstraintPlan): ConstraintDescription[] {
  return plan.columns.map((c): ConstraintDescription => {
    const base = {
      column: c.name,
      kind: c.kind,
      ...(c.lo !== undefined ? { min: c.lo } : {}),
      ...(c.hi !== undefined ? { max: c.hi } : {}),
      ...(c.step !== undefined ? { step: c.step } : {}),
    };
    switch (c.kind) {
      case 'constant':
        return { ...base, text: `"${c.name}" is constant (${fmt(c.value!)}): not learned, copied as is` };
      case 'circular':
        return {
          ...base,
          text: `"${c.name}" is an angle in degrees (${c.reason}): learned as (sin, cos), read back in [0, ${c.period})${grid(c)}`,
        };
      case 'counter':
        return {
          ...base,
          text: `"${c.name}" is a counter that never goes down (${c.reason}): its increments are learned ${bounds(c)}${grid(c)}${masses(c)}, so paths never decrease`,
        };
      case 'composition': {
        const g = plan.groups[c.group!]!;
        return {
          ...base,
          text: `"${c.name}" is a share of ${g.columns.map((n) => `"${n}"`).join(' + ')} = ${fmt(g.total)}: learned as additive log-ratios, so the group always adds up and no share is negative`,
        };
      }
      default:
        return {
          ...base,
          text: `"${c.name}" ${bounds(c)}${grid(c)}${masses(c)}: ${HOW[c.transform ?? 'identity']}${c.outside ? `; ${c.outside} training value(s) outside the declared bounds were moved inside` : ''}`,
        };
    }
  });
}
