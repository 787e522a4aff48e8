import type { Check, Rules } from './schema.js';

/** The fixed part of a check: its name, which way it passes and its default limit. */
export interface CheckSpec {
  name: string;
  direction: 'at_most' | 'at_least';
  threshold: number;
}

export interface CheckOptions {
  column?: string;
  details?: Record<string, unknown>;
}

/** Format a number for an explanation: 4 significant digits, no exponent for ordinary sizes. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(3);
  return Number(v.toPrecision(4)).toString();
}

export function pct(v: number): string {
  return `${fmt(v * 100)}%`;
}

/**
 * Credit of a check in 0..1: 1 when it passes; when it fails, the credit falls
 * linearly to 0 at twice the limit (at_most) or at zero (at_least), so a near
 * miss costs less than a gross failure.
 */
export function creditOf(direction: CheckSpec['direction'], value: number, threshold: number): number {
  if (direction === 'at_most') {
    if (value <= threshold) return 1;
    return threshold > 0 ? clamp01(2 - value / threshold) : 0;
  }
  if (value >= threshold) return 1;
  return threshold > 0 ? clamp01(value / threshold) : 0;
}

function clamp01(v: number): number {
  return v < 0 ? 0 : Math.min(v, 1);
}

/**
 * Collects the checks of one validator, applying the rule overrides
 * ("validator.check": enabled / threshold / weight) in one place.
 */
export class CheckList {
  readonly checks: Check[] = [];

  constructor(
    readonly validator: string,
    private readonly rules: Rules,
  ) {}

  /** Whether the rules leave this check switched on. */
  enabled(spec: CheckSpec | string): boolean {
    const name = typeof spec === 'string' ? spec : spec.name;
    return this.rules.checks[`${this.validator}.${name}`]?.enabled !== false;
  }

  /** The limit in force for a check: the rule override or the default. */
  threshold(spec: CheckSpec): number {
    return this.rules.checks[`${this.validator}.${spec.name}`]?.threshold ?? spec.threshold;
  }

  private weight(spec: CheckSpec): number {
    return this.rules.checks[`${this.validator}.${spec.name}`]?.weight ?? 1;
  }

  /**
   * Record a measured value. `what` describes the value in words; the verdict
   * and the limit are appended. A non-finite value becomes not applicable.
   */
  add(spec: CheckSpec, value: number, what: string, options: CheckOptions = {}): void {
    if (!this.enabled(spec)) return;
    if (!Number.isFinite(value)) {
      this.notApplicable(spec, `${what}: the value could not be computed (${String(value)})`, options);
      return;
    }
    const threshold = this.threshold(spec);
    const passed = spec.direction === 'at_most' ? value <= threshold : value >= threshold;
    const sign = spec.direction === 'at_most' ? '≤' : '≥';
    this.checks.push({
      validator: this.validator,
      name: spec.name,
      ...(options.column !== undefined ? { column: options.column } : {}),
      value,
      threshold,
      direction: spec.direction,
      passed,
      weight: this.weight(spec),
      credit: creditOf(spec.direction, value, threshold),
      explanation: `${what} — ${passed ? 'passed' : 'failed'} (limit ${sign} ${fmt(threshold)}).`,
      ...(options.details ? { details: options.details } : {}),
    });
  }

  /** Record that a check could not run, with the reason. */
  notApplicable(spec: CheckSpec, reason: string, options: CheckOptions = {}): void {
    if (!this.enabled(spec)) return;
    this.checks.push({
      validator: this.validator,
      name: spec.name,
      ...(options.column !== undefined ? { column: options.column } : {}),
      value: null,
      threshold: null,
      direction: spec.direction,
      passed: 'not_applicable',
      weight: this.weight(spec),
      credit: null,
      explanation: reason.endsWith('.') ? reason : `${reason}.`,
      ...(options.details ? { details: options.details } : {}),
    });
  }
}

/** Weighted mean credit of the applicable checks, 0..100, or null when none applied. */
export function scoreChecks(checks: readonly Check[]): number | null {
  let num = 0;
  let den = 0;
  for (const c of checks) {
    if (c.credit === null || c.weight <= 0) continue;
    num += c.weight * c.credit;
    den += c.weight;
  }
  return den > 0 ? (100 * num) / den : null;
}
