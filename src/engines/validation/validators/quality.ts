import type { TimeSeries } from '../../../core/types.js';
import { CheckList, type CheckSpec, fmt, pct } from '../checks.js';
import { findColumn, pooledColumn, selectColumns, totalRows, yieldTurn } from '../dataset.js';
import type { Rules } from '../schema.js';
import { evenSample, finiteValues, robustSpread } from '../stats/basic.js';
import type { ValidationData, Validator, ValidatorContext, ValidatorOutput } from '../validator.js';
import { categoryShares } from './categories.js';

const NAME = 'quality';

export const QUALITY_CHECKS = {
  missing: { name: 'missing_rate', direction: 'at_most', threshold: 0.05 },
  missingGap: { name: 'missing_rate_difference', direction: 'at_most', threshold: 0.02 },
  unknownCategory: { name: 'unknown_category_rate', direction: 'at_most', threshold: 0 },
  categoryShares: { name: 'category_share_distance', direction: 'at_most', threshold: 0.1 },
  nonFinite: { name: 'non_finite_values', direction: 'at_most', threshold: 0 },
  duplicates: { name: 'duplicate_timestamps', direction: 'at_most', threshold: 0 },
  nonMonotonic: { name: 'non_monotonic_timestamps', direction: 'at_most', threshold: 0 },
  range: { name: 'out_of_range_rate', direction: 'at_most', threshold: 0 },
  outliers: { name: 'outlier_rate', direction: 'at_most', threshold: 0.01 },
  flatLines: { name: 'flat_line_rate', direction: 'at_most', threshold: 0.05 },
} as const;

/** The per-column checks, in report order. */
const COLUMN_CHECKS = [
  QUALITY_CHECKS.missing,
  QUALITY_CHECKS.nonFinite,
  QUALITY_CHECKS.range,
  QUALITY_CHECKS.outliers,
  QUALITY_CHECKS.flatLines,
];

/** 1 / Φ⁻¹(0.75): scales the MAD to a standard deviation for normal data. */
const MAD_SCALE = 1.4826;

/**
 * Data quality of the synthetic data on its own: missing and non-finite
 * values, duplicate and out-of-order timestamps, values outside the declared
 * sensor range (or, when none is declared, outside the range of the
 * reference), outliers (robust z-score, IQR fences when the MAD is 0) and
 * flat lines.
 */
export const qualityValidator: Validator = {
  name: NAME,
  description:
    'Checks the data on its own: missing and non-finite values, duplicate and non-monotonic timestamps, values outside the declared sensor range (else the range of the reference, when one is given), outliers (robust z-score / IQR) and flat lines; against a reference also the missing rate per column and, for categorical columns, levels the reference never has and the shares of its levels.',
  requiresReference: false,
  async validate(data: ValidationData, ctx: ValidatorContext): Promise<ValidatorOutput> {
    const out = new CheckList(NAME, ctx.rules);
    const series = data.synthetic;
    checkTimestamps(out, series);
    const metrics: Record<string, unknown> = {};
    for (const column of selectColumns(series, ctx.rules.columns, 'synthetic')) {
      metrics[column] = checkColumn(out, column, series, ctx.rules, data.reference);
      await yieldTurn(ctx.signal);
    }
    if (data.categorical) Object.assign(metrics, checkCategories(out, data.categorical));
    return { checks: out.checks, metrics };
  },
};

function checkTimestamps(out: CheckList, series: TimeSeries[]): void {
  const rows = totalRows(series);
  let duplicates = 0;
  let backwards = 0;
  let intervals = 0;
  for (const s of series) {
    const t = s.timestamps;
    for (let i = 1; i < t.length; i++) {
      intervals++;
      if (t[i] === t[i - 1]) duplicates++;
      else if (t[i]! < t[i - 1]!) backwards++;
    }
  }
  if (intervals === 0) {
    const reason = `Timestamp order needs at least two rows per series (found ${rows} row${rows === 1 ? '' : 's'})`;
    out.notApplicable(QUALITY_CHECKS.duplicates, reason);
    out.notApplicable(QUALITY_CHECKS.nonMonotonic, reason);
    return;
  }
  out.add(
    QUALITY_CHECKS.duplicates,
    duplicates / intervals,
    `${duplicates} of ${intervals} consecutive timestamps repeat the previous one (${pct(duplicates / intervals)})`,
    { details: { count: duplicates } },
  );
  out.add(
    QUALITY_CHECKS.nonMonotonic,
    backwards / intervals,
    `${backwards} of ${intervals} timestamps go back in time (${pct(backwards / intervals)})`,
    { details: { count: backwards } },
  );
}

function checkColumn(
  out: CheckList,
  column: string,
  series: TimeSeries[],
  rules: Rules,
  reference: TimeSeries[] | undefined,
): Record<string, unknown> {
  const opts = { column };
  const all = pooledColumn(series, column);
  const n = all.length;
  if (n === 0) {
    for (const spec of COLUMN_CHECKS) out.notApplicable(spec, `Column "${column}" has no rows`, opts);
    return { rows: 0 };
  }
  let missing = 0;
  let infinite = 0;
  for (let i = 0; i < n; i++) {
    const v = all[i]!;
    if (Number.isNaN(v)) missing++;
    else if (!Number.isFinite(v)) infinite++;
  }
  const refValues = reference ? pooledColumn(reference, column) : undefined;
  let refRate: number | undefined;
  if (refValues && refValues.length > 0) {
    let refMissing = 0;
    for (const v of refValues) if (Number.isNaN(v)) refMissing++;
    refRate = refMissing / refValues.length;
  }
  const rate = missing / n;
  if (refRate !== undefined) {
    // A faithful copy of gappy data has its gaps: the limit allows the reference's rate plus the tolerance below.
    const tolerance = Math.max(out.threshold(QUALITY_CHECKS.missingGap), 0.2 * refRate);
    const spec = {
      ...QUALITY_CHECKS.missing,
      threshold: Math.max(QUALITY_CHECKS.missing.threshold, refRate + tolerance),
    };
    out.add(
      spec,
      rate,
      `${missing} of ${n} values of "${column}" are missing (${pct(rate)}; the reference has ${pct(refRate)})`,
      { ...opts, details: { count: missing, reference: refRate } },
    );
    out.add(
      { ...QUALITY_CHECKS.missingGap, threshold: tolerance },
      Math.abs(rate - refRate),
      `"${column}" is missing in ${pct(rate)} of the rows against ${pct(refRate)} in the reference (a copy that erases or invents gaps differs)`,
      { ...opts, details: { synthetic: rate, reference: refRate } },
    );
  } else {
    out.add(QUALITY_CHECKS.missing, rate, `${missing} of ${n} values of "${column}" are missing (${pct(rate)})`, {
      ...opts,
      details: { count: missing },
    });
  }
  out.add(QUALITY_CHECKS.nonFinite, infinite / n, `${infinite} values of "${column}" are ±Infinity`, {
    ...opts,
    details: { count: infinite },
  });

  const finite = finiteValues(all);
  const metrics: Record<string, unknown> = { rows: n, missing, infinite };
  if (finite.length === 0) {
    for (const spec of COLUMN_CHECKS.slice(2)) out.notApplicable(spec, `Column "${column}" has no finite values`, opts);
    return metrics;
  }

  checkRange(out, column, series, finite, reference);
  Object.assign(metrics, checkOutliers(out, column, finite, rules));
  metrics.flatLineRate = checkFlatLines(out, column, series, rules.quality.flatLineMinRun);
  return metrics;
}

function observedRange(finite: Float64Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < finite.length; i++) {
    if (finite[i]! < min) min = finite[i]!;
    if (finite[i]! > max) max = finite[i]!;
  }
  return { min, max };
}

/**
 * The share of values outside the column's range: the range the synthetic
 * series declare, else the one the reference declares, else the range the
 * reference's values span. A sample of the reference's own distribution falls
 * outside the span of n reference values at a rate of 2/(n+1), so an
 * inferred range allows twice that (at least 1 %) where a declared one
 * allows nothing.
 */
function checkRange(
  out: CheckList,
  column: string,
  series: TimeSeries[],
  finite: Float64Array,
  reference: TimeSeries[] | undefined,
): void {
  const observed = observedRange(finite);
  if (series.some((s) => findColumn(s, column)?.range !== undefined)) {
    let outside = 0;
    let checked = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of series) {
      const c = findColumn(s, column);
      if (!c?.range) continue;
      const { min, max } = c.range;
      for (let i = 0; i < c.values.length; i++) {
        const v = c.values[i]!;
        if (!Number.isFinite(v)) continue;
        checked++;
        if (v < min || v > max) outside++;
      }
      lo = Math.min(lo, min);
      hi = Math.max(hi, max);
    }
    const rate = checked ? outside / checked : 0;
    out.add(
      QUALITY_CHECKS.range,
      rate,
      `${outside} of ${checked} values of "${column}" fall outside the declared range [${fmt(lo)}, ${fmt(hi)}] (observed ${fmt(observed.min)}..${fmt(observed.max)})`,
      {
        column,
        details: { count: outside, source: 'declared', declared: { min: lo, max: hi }, observed },
      },
    );
    return;
  }
  const declared = reference?.map((s) => findColumn(s, column)?.range).find((r) => r !== undefined);
  let range: { min: number; max: number };
  let spec: CheckSpec = QUALITY_CHECKS.range;
  let source: string;
  let from: string;
  if (declared) {
    range = declared;
    source = 'reference declared';
    from = 'the range the reference declares';
  } else {
    const ref = reference ? finiteValues(pooledColumn(reference, column)) : new Float64Array(0);
    if (ref.length === 0) {
      out.notApplicable(
        QUALITY_CHECKS.range,
        reference
          ? `Column "${column}" declares no sensor range and the reference has no values of it to infer one from`
          : `Column "${column}" declares no sensor range and no reference was given to infer one from`,
        { column },
      );
      return;
    }
    range = observedRange(ref);
    source = 'reference';
    from = `the range of the ${ref.length} reference values (inferred: none declared)`;
    spec = { ...QUALITY_CHECKS.range, threshold: Math.max(0.01, 4 / (ref.length + 1)) };
  }
  let outside = 0;
  for (let i = 0; i < finite.length; i++) if (finite[i]! < range.min || finite[i]! > range.max) outside++;
  out.add(
    spec,
    outside / finite.length,
    `${outside} of ${finite.length} values of "${column}" fall outside ${from} [${fmt(range.min)}, ${fmt(range.max)}] (observed ${fmt(observed.min)}..${fmt(observed.max)})`,
    { column, details: { count: outside, source, range, observed } },
  );
}

function checkOutliers(out: CheckList, column: string, finite: Float64Array, rules: Rules): Record<string, unknown> {
  const sorted = evenSample(finite, rules.maxSamples).slice().sort();
  const spread = robustSpread(sorted);
  const iqr = spread.q3 - spread.q1;
  let count = 0;
  let method: string;
  if (spread.mad > 0) {
    const limit = rules.quality.robustZ * MAD_SCALE * spread.mad;
    for (let i = 0; i < finite.length; i++) if (Math.abs(finite[i]! - spread.median) > limit) count++;
    method = `robust z > ${rules.quality.robustZ} (median ${fmt(spread.median)}, MAD ${fmt(spread.mad)})`;
  } else if (iqr > 0) {
    const lo = spread.q1 - rules.quality.iqrK * iqr;
    const hi = spread.q3 + rules.quality.iqrK * iqr;
    for (let i = 0; i < finite.length; i++) if (finite[i]! < lo || finite[i]! > hi) count++;
    method = `outside [Q1 - ${rules.quality.iqrK}·IQR, Q3 + ${rules.quality.iqrK}·IQR] = [${fmt(lo)}, ${fmt(hi)}]`;
  } else {
    out.notApplicable(
      QUALITY_CHECKS.outliers,
      `Outliers of "${column}" are undefined: over half its values equal ${fmt(spread.median)}, so the robust spread (MAD and IQR) is 0`,
      { column },
    );
    return { median: spread.median, mad: 0, iqr: 0 };
  }
  const rate = count / finite.length;
  out.add(
    QUALITY_CHECKS.outliers,
    rate,
    `${count} of ${finite.length} values of "${column}" are outliers, ${method} (${pct(rate)})`,
    { column, details: { count } },
  );
  return { median: spread.median, mad: spread.mad, iqr, outliers: count };
}

/** Share of values inside runs of at least `minRun` identical consecutive values, per series. */
function checkFlatLines(out: CheckList, column: string, series: TimeSeries[], minRun: number): number {
  let flat = 0;
  let total = 0;
  let longest = 0;
  for (const s of series) {
    const v = findColumn(s, column)?.values;
    if (!v || v.length === 0) continue;
    total += v.length;
    let run = 1;
    for (let i = 1; i <= v.length; i++) {
      if (i < v.length && v[i] === v[i - 1] && Number.isFinite(v[i]!)) {
        run++;
        continue;
      }
      if (run >= minRun) flat += run;
      if (run > longest) longest = run;
      run = 1;
    }
  }
  const rate = total ? flat / total : 0;
  out.add(
    QUALITY_CHECKS.flatLines,
    rate,
    `${pct(rate)} of the values of "${column}" sit in flat lines of ${minRun}+ identical readings (longest run ${longest})`,
    { column, details: { values: flat, longestRun: longest } },
  );
  return rate;
}

/**
 * Categorical columns against the reference: the share of synthetic values
 * whose level the reference never has, and the total variation distance
 * between the two level distributions (missing counted as a level).
 */
function checkCategories(out: CheckList, data: NonNullable<ValidationData['categorical']>): Record<string, unknown> {
  const metrics: Record<string, unknown> = {};
  const names = [...new Set(data.synthetic.flatMap((s) => s.columns.map((c) => c.name)))];
  for (const column of names) {
    const opts = { column };
    const syn = categoryShares(data.synthetic, column);
    const ref = data.reference ? categoryShares(data.reference, column) : undefined;
    if (!ref || ref.total === 0) {
      const reason = `Categorical column "${column}" has no reference to compare its levels with`;
      out.notApplicable(QUALITY_CHECKS.unknownCategory, reason, opts);
      out.notApplicable(QUALITY_CHECKS.categoryShares, reason, opts);
      continue;
    }
    let unknown = 0;
    let present = 0;
    const unknownLevels: string[] = [];
    for (const [level, count] of syn.counts) {
      if (level === null) continue;
      present += count;
      if (!ref.counts.has(level)) {
        unknown += count;
        unknownLevels.push(level);
      }
    }
    const unknownRate = present ? unknown / present : 0;
    out.add(
      QUALITY_CHECKS.unknownCategory,
      unknownRate,
      `${unknown} of ${present} values of "${column}" have a level the reference never has${unknownLevels.length ? ` (${unknownLevels.length} level(s))` : ''}`,
      { ...opts, details: { count: unknown, levels: unknownLevels.length } },
    );
    let distance = 0;
    const levels = new Set([...syn.counts.keys(), ...ref.counts.keys()]);
    for (const level of levels) {
      const p = syn.total ? (syn.counts.get(level) ?? 0) / syn.total : 0;
      const q = (ref.counts.get(level) ?? 0) / ref.total;
      distance += Math.abs(p - q) / 2;
    }
    out.add(
      QUALITY_CHECKS.categoryShares,
      distance,
      `The shares of the ${levels.size} level(s) of "${column}" differ from the reference's by a total variation distance of ${fmt(distance)}`,
      { ...opts, details: { levels: levels.size } },
    );
    metrics[column] = { rows: syn.total, levels: syn.counts.size, unknownRate, shareDistance: distance };
  }
  return metrics;
}
