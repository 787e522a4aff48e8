import type { Rng } from '../../core/rng.js';
import type { TimeSeries } from '../../core/types.js';
import type { Check, Rules } from './schema.js';

/** What a validation request hands every validator. */
export interface ValidationData {
  /** The data under test: one series, or one per device of a fleet. */
  synthetic: TimeSeries[];
  /** Real data to compare against (for the privacy validator: the training data). */
  reference?: TimeSeries[];
  /** Real data withheld from training: the privacy baseline. */
  holdout?: TimeSeries[];
  /**
   * Categorical columns (those whose column info has `levels`), taken out of
   * `synthetic` and `reference` so that numeric checks never see level codes;
   * the quality validator compares them.
   */
  categorical?: { synthetic: TimeSeries[]; reference?: TimeSeries[] };
}

export interface ValidatorContext {
  rules: Rules;
  /** A stream of its own for this validator (forked by name from the request seed). */
  rng: Rng;
  signal?: AbortSignal;
}

export interface ValidatorOutput {
  checks: Check[];
  /** Descriptive results that are not pass/fail checks. */
  metrics?: Record<string, unknown>;
  /** A plain verdict sentence for the report; default "n of m checks passed". */
  headline?: string;
  /** Non-fatal remarks for the report, e.g. "sampled 1,000,000 of 4,000,000 values". */
  warnings?: string[];
}

/**
 * A validator: a named family of checks. The engine runs the selected
 * validators concurrently and aggregates their checks into one report.
 */
export interface Validator {
  readonly name: string;
  /** For a model choosing validators: what it checks. */
  readonly description: string;
  /** Runs only when a reference is given. */
  readonly requiresReference: boolean;
  validate(data: ValidationData, ctx: ValidatorContext): Promise<ValidatorOutput>;
}
