import type { TimeSeries } from '../../core/types.js';
import { fmt, scoreChecks } from './checks.js';
import type { Rules, ValidationReport, ValidatorSummary } from './schema.js';
import type { ValidatorOutput } from './validator.js';

/** One validator's finished run, ready to aggregate. */
export interface ValidatorRun {
  name: string;
  output: ValidatorOutput;
  durationMs: number;
}

export const SCORING_METHOD =
  'Each check earns credit 1 when it passes; a failed check earns partial credit falling linearly to 0 at twice its limit (at_most) or at 0 (at_least). ' +
  'A validator scores 100 × the weighted mean credit of its applicable checks (check weight default 1); not-applicable checks do not count. ' +
  'The overall score is the weighted mean of the validator scores over validators with at least one applicable check; weights come from rules.weights, by default 3 for statistical and fidelity (comparisons with the reference) and 1 for the others.';

export function seriesRef(s: TimeSeries) {
  return { id: s.id, name: s.name, rows: s.timestamps.length, columns: s.columns.map((c) => c.name) };
}

export function verdictOf(score: number | null): ValidationReport['verdict'] {
  if (score === null) return 'unknown';
  return score >= 80 ? 'good' : score >= 50 ? 'fair' : 'poor';
}

/**
 * Default validator weights: the comparisons with a reference (statistical,
 * fidelity) count three times as much as the checks of the data on its own.
 */
export const DEFAULT_WEIGHTS: Readonly<Record<string, number>> = { statistical: 3, fidelity: 3 };

export function weightOf(rules: Rules, name: string): number {
  return rules.weights[name] ?? DEFAULT_WEIGHTS[name] ?? 1;
}

function summarise(run: ValidatorRun, weight: number): ValidatorSummary {
  const { checks } = run.output;
  const passed = checks.filter((c) => c.passed === true).length;
  const failed = checks.filter((c) => c.passed === false).length;
  const notApplicable = checks.length - passed - failed;
  const score = scoreChecks(checks);
  const failedNames = [...new Set(checks.filter((c) => c.passed === false).map((c) => c.name))];
  const headline =
    run.output.headline ??
    (passed + failed === 0
      ? `No check applied${notApplicable ? ` (${notApplicable} not applicable)` : ''}.`
      : `${passed} of ${passed + failed} checks passed${failed ? `; failing: ${failedNames.slice(0, 6).join(', ')}${failedNames.length > 6 ? ', …' : ''}` : ''}.`);
  return {
    name: run.name,
    score: score === null ? null : round2(score),
    weight,
    passed,
    failed,
    notApplicable,
    headline,
    ...(run.output.metrics ? { metrics: run.output.metrics } : {}),
    durationMs: Math.round(run.durationMs),
  };
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

export interface ReportSubject {
  synthetic: TimeSeries[];
  reference?: TimeSeries[];
  holdout?: TimeSeries[];
}

/** Aggregate validator runs into one report with an overall score and a readable summary. */
export function buildReport(
  runs: ValidatorRun[],
  subject: ReportSubject,
  rules: Rules,
  warnings: string[],
  durationMs: number,
): ValidationReport {
  const validators = runs.map((r) => summarise(r, weightOf(rules, r.name)));
  let num = 0;
  let den = 0;
  for (const v of validators) {
    if (v.score === null || v.weight <= 0) continue;
    num += v.weight * v.score;
    den += v.weight;
  }
  const score = den > 0 ? round2(num / den) : null;
  const verdict = verdictOf(score);
  const checks = runs.flatMap((r) => r.output.checks);
  const allWarnings = [...warnings, ...runs.flatMap((r) => r.output.warnings ?? [])];
  const failed = checks.filter((c) => c.passed === false);
  const parts = [
    score === null
      ? 'No check could be applied, so there is no score (see the not-applicable explanations).'
      : `Score ${fmt(score)}/100 (${verdict}) from ${validators
          .filter((v) => v.score !== null)
          .map((v) => `${v.name} ${fmt(v.score!)}`)
          .join(', ')}.`,
    failed.length
      ? `${failed.length} of ${checks.length} checks failed, e.g. ${failed
          .slice(0, 3)
          .map((c) => `${c.validator}.${c.name}${c.column ? ` on "${c.column}"` : ''}`)
          .join(', ')}.`
      : `All ${checks.filter((c) => c.passed === true).length} applicable checks passed.`,
    ...validators.filter((v) => v.name === 'privacy').map((v) => v.headline),
  ];
  return {
    createdAt: new Date().toISOString(),
    score,
    verdict,
    scoring: {
      method: SCORING_METHOD,
      validators: validators.map((v) => ({ name: v.name, weight: v.weight, score: v.score })),
    },
    summary: parts.join(' '),
    validators,
    checks,
    warnings: allWarnings,
    subject: {
      synthetic: subject.synthetic.map(seriesRef),
      ...(subject.reference ? { reference: subject.reference.map(seriesRef) } : {}),
      ...(subject.holdout ? { holdout: subject.holdout.map(seriesRef) } : {}),
    },
    seed: rules.seed,
    durationMs: Math.round(durationMs),
  };
}
