import type { TimeSeries } from '../../../core/types.js';
import { CheckList, fmt, type CheckSpec } from '../checks.js';
import { columnNames, findColumn, pooledColumn, selectColumns, yieldTurn } from '../dataset.js';
import type { Rules } from '../schema.js';
import { acf, lagDistance, pacfFromAcf } from '../stats/acf.js';
import { averageVectors, evenSample, finiteValues, moments, quantilesOfSorted, type Moments } from '../stats/basic.js';
import { correlationMatrix, correlationalScore } from '../stats/correlation.js';
import { ksTwoSampleSorted } from '../stats/ks.js';
import { spectrumDistance, spectrumSegment, welchSpectrum } from '../stats/spectrum.js';
import { wasserstein1Sorted } from '../stats/wasserstein.js';
import type { ValidationData, Validator, ValidatorContext, ValidatorOutput } from '../validator.js';

const NAME = 'statistical';

export const STATISTICAL_CHECKS = {
  columnCoverage: { name: 'column_coverage', direction: 'at_least', threshold: 1 },
  mean: { name: 'mean_difference', direction: 'at_most', threshold: 0.1 },
  std: { name: 'std_ratio_error', direction: 'at_most', threshold: 0.2 },
  skewness: { name: 'skewness_difference', direction: 'at_most', threshold: 0.5 },
  kurtosis: { name: 'kurtosis_difference', direction: 'at_most', threshold: 1 },
  quantiles: { name: 'quantile_difference', direction: 'at_most', threshold: 0.15 },
  ks: { name: 'ks_statistic', direction: 'at_most', threshold: 0.1 },
  wasserstein: { name: 'wasserstein_distance', direction: 'at_most', threshold: 0.1 },
  acf: { name: 'acf_distance', direction: 'at_most', threshold: 0.1 },
  pacf: { name: 'pacf_distance', direction: 'at_most', threshold: 0.15 },
  spectrum: { name: 'spectrum_distance', direction: 'at_most', threshold: 0.2 },
  correlation: { name: 'correlational_score', direction: 'at_most', threshold: 0.01 },
} as const satisfies Record<string, CheckSpec>;

/** Fewest finite values per side for the distribution checks. */
const MIN_VALUES = 5;

interface ColumnStats {
  moments: Moments;
  quantiles: number[];
}

/**
 * Reference vs synthetic, per column: moments, quantiles, two-sample KS,
 * Wasserstein-1, ACF/PACF and power-spectrum distances; over all columns, the
 * correlational score of BENCHMARKS.md. Scale-dependent differences are
 * expressed in reference standard deviations so one threshold fits any unit.
 */
export const statisticalValidator: Validator = {
  name: NAME,
  description:
    'Compares the synthetic data with a reference, column by column: mean, std, skewness, kurtosis and quantiles, KS test and Wasserstein distance of the marginals, ACF/PACF and power-spectrum distances, and the cross-correlation matrix (correlational score).',
  requiresReference: true,
  async validate(data: ValidationData, ctx: ValidatorContext): Promise<ValidatorOutput> {
    const rules = ctx.rules;
    const out = new CheckList(NAME, rules);
    const reference = data.reference ?? [];
    const warnings: string[] = [];
    const refColumns = selectColumns(reference, rules.columns, 'reference');
    const synColumns = new Set(columnNames(data.synthetic));
    const common = refColumns.filter((c) => synColumns.has(c));
    const missing = refColumns.filter((c) => !synColumns.has(c));
    out.add(
      STATISTICAL_CHECKS.columnCoverage,
      refColumns.length ? common.length / refColumns.length : 0,
      missing.length
        ? `The synthetic data lacks reference column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')}`
        : `All ${refColumns.length} reference columns are present in the synthetic data`,
      { details: { missing, common } },
    );
    const metrics: Record<string, unknown> = {};
    for (const column of common) {
      metrics[column] = compareColumn(out, column, reference, data.synthetic, rules, warnings);
      await yieldTurn(ctx.signal);
    }
    if (common.length >= 2) metrics.correlation = compareCorrelations(out, common, reference, data.synthetic);
    else
      out.notApplicable(
        STATISTICAL_CHECKS.correlation,
        `The correlational score needs at least two common columns (found ${common.length})`,
      );
    return { checks: out.checks, metrics, warnings };
  },
};

function compareColumn(
  out: CheckList,
  column: string,
  reference: TimeSeries[],
  synthetic: TimeSeries[],
  rules: Rules,
  warnings: string[],
): Record<string, unknown> {
  const opts = { column };
  const refAll = finiteValues(pooledColumn(reference, column));
  const synAll = finiteValues(pooledColumn(synthetic, column));
  if (refAll.length < MIN_VALUES || synAll.length < MIN_VALUES) {
    const reason = `Too few finite values in "${column}" to compare distributions (reference ${refAll.length}, synthetic ${synAll.length}; need at least ${MIN_VALUES} each)`;
    for (const spec of [
      STATISTICAL_CHECKS.mean,
      STATISTICAL_CHECKS.std,
      STATISTICAL_CHECKS.skewness,
      STATISTICAL_CHECKS.kurtosis,
      STATISTICAL_CHECKS.quantiles,
      STATISTICAL_CHECKS.ks,
      STATISTICAL_CHECKS.wasserstein,
    ]) {
      out.notApplicable(spec, reason, opts);
    }
    compareDynamics(out, column, reference, synthetic, rules);
    return { reference: { finite: refAll.length }, synthetic: { finite: synAll.length } };
  }
  const ref = evenSample(refAll, rules.maxSamples).slice().sort();
  const syn = evenSample(synAll, rules.maxSamples).slice().sort();
  if (ref.length < refAll.length || syn.length < synAll.length) {
    warnings.push(
      `"${column}": marginal statistics use ${ref.length.toLocaleString('en-US')} of ${refAll.length.toLocaleString('en-US')} reference and ${syn.length.toLocaleString('en-US')} of ${synAll.length.toLocaleString('en-US')} synthetic values (evenly spaced; rules.maxSamples).`,
    );
  }
  const r = columnStats(ref, rules.statistical.quantiles);
  const s = columnStats(syn, rules.statistical.quantiles);
  const constantRef = r.moments.std === 0;
  const scale = constantRef ? Math.abs(r.moments.mean) || 1 : r.moments.std;
  const unit = constantRef
    ? `(reference is constant; scaled by ${Math.abs(r.moments.mean) ? '|reference mean|' : '1'})`
    : 'reference std';
  const details = { scale };

  const dm = Math.abs(s.moments.mean - r.moments.mean) / scale;
  out.add(
    STATISTICAL_CHECKS.mean,
    dm,
    `Mean of "${column}" is ${fmt(s.moments.mean)} vs ${fmt(r.moments.mean)} in the reference: ${fmt(dm)} ${unit} apart`,
    { ...opts, details: { ...details, reference: r.moments.mean, synthetic: s.moments.mean } },
  );

  if (constantRef) {
    if (s.moments.std === 0) out.add(STATISTICAL_CHECKS.std, 0, `"${column}" is constant in both datasets`, opts);
    else
      out.notApplicable(
        STATISTICAL_CHECKS.std,
        `The reference "${column}" is constant (std 0) while the synthetic one varies (std ${fmt(s.moments.std)}); a ratio is undefined`,
        opts,
      );
  } else {
    const ratio = s.moments.std / r.moments.std;
    out.add(
      STATISTICAL_CHECKS.std,
      Math.abs(ratio - 1),
      `Std of "${column}" is ${fmt(s.moments.std)} vs ${fmt(r.moments.std)} (ratio ${fmt(ratio)})`,
      { ...opts, details: { reference: r.moments.std, synthetic: s.moments.std } },
    );
  }

  momentCheck(out, STATISTICAL_CHECKS.skewness, 'Skewness', column, r.moments.skewness, s.moments.skewness, 3);
  momentCheck(out, STATISTICAL_CHECKS.kurtosis, 'Excess kurtosis', column, r.moments.kurtosis, s.moments.kurtosis, 4);

  let worst = 0;
  let worstQ = rules.statistical.quantiles[0]!;
  rules.statistical.quantiles.forEach((q, i) => {
    const d = Math.abs(s.quantiles[i]! - r.quantiles[i]!) / scale;
    if (d > worst) {
      worst = d;
      worstQ = q;
    }
  });
  out.add(
    STATISTICAL_CHECKS.quantiles,
    worst,
    `Largest quantile gap of "${column}" is ${fmt(worst)} ${unit}, at q=${worstQ}`,
    {
      ...opts,
      details: { quantiles: rules.statistical.quantiles, reference: r.quantiles, synthetic: s.quantiles },
    },
  );

  const ks = ksTwoSampleSorted(ref, syn);
  out.add(
    STATISTICAL_CHECKS.ks,
    ks.statistic,
    `Two-sample KS statistic of "${column}" is ${fmt(ks.statistic)} (p = ${fmt(ks.pValue)}, ${ks.method}; n = ${ks.n}, m = ${ks.m})`,
    {
      ...opts,
      details: { pValue: ks.pValue, method: ks.method, n: ks.n, m: ks.m },
    },
  );

  const w = wasserstein1Sorted(ref, syn) / scale;
  out.add(
    STATISTICAL_CHECKS.wasserstein,
    w,
    `Wasserstein-1 distance of the "${column}" marginals is ${fmt(w)} ${unit}`,
    { ...opts, details },
  );

  const dynamics = compareDynamics(out, column, reference, synthetic, rules);
  return {
    reference: summaryOf(r),
    synthetic: summaryOf(s),
    ks: { statistic: ks.statistic, pValue: ks.pValue },
    ...dynamics,
  };
}

function columnStats(sorted: Float64Array, qs: number[]): ColumnStats {
  return { moments: moments(sorted), quantiles: quantilesOfSorted(sorted, qs) };
}

function summaryOf(c: ColumnStats) {
  return {
    n: c.moments.n,
    mean: c.moments.mean,
    std: c.moments.std,
    skewness: c.moments.skewness,
    kurtosis: c.moments.kurtosis,
    quantiles: c.quantiles,
  };
}

function momentCheck(
  out: CheckList,
  spec: CheckSpec,
  label: string,
  column: string,
  r: number | null,
  s: number | null,
  need: number,
): void {
  if (r === null || s === null) {
    out.notApplicable(spec, `${label} of "${column}" is undefined for a constant column or fewer than ${need} values`, {
      column,
    });
    return;
  }
  out.add(spec, Math.abs(s - r), `${label} of "${column}" is ${fmt(s)} vs ${fmt(r)} in the reference`, {
    column,
    details: { reference: r, synthetic: s },
  });
}

/** Length-weighted mean ACF over the series long enough for maxLag. */
function meanAcf(series: TimeSeries[], column: string, maxLag: number): Float64Array | null {
  const parts: Float64Array[] = [];
  const weights: number[] = [];
  for (const s of series) {
    const c = findColumn(s, column);
    if (!c) continue;
    const r = acf(c.values, maxLag);
    if (r) {
      parts.push(r);
      weights.push(c.values.length);
    }
  }
  return averageVectors(parts, weights);
}

function compareDynamics(
  out: CheckList,
  column: string,
  reference: TimeSeries[],
  synthetic: TimeSeries[],
  rules: Rules,
): Record<string, unknown> {
  const opts = { column };
  const maxLag = rules.statistical.maxLag;
  const result: Record<string, unknown> = {};
  const ra = meanAcf(reference, column, maxLag);
  const sa = meanAcf(synthetic, column, maxLag);
  if (!ra || !sa) {
    const reason = `The autocorrelation of "${column}" needs a series with at least ${maxLag + 2} values and some variation on both sides (${!ra ? 'reference' : 'synthetic'} has none)`;
    out.notApplicable(STATISTICAL_CHECKS.acf, reason, opts);
    out.notApplicable(STATISTICAL_CHECKS.pacf, reason, opts);
  } else {
    const dAcf = lagDistance(ra, sa);
    out.add(
      STATISTICAL_CHECKS.acf,
      dAcf,
      `Mean |ACF difference| of "${column}" over lags 1..${maxLag} is ${fmt(dAcf)} (lag 1: ${fmt(sa[1]!)} vs ${fmt(ra[1]!)})`,
      opts,
    );
    const rp = pacfFromAcf(ra);
    const sp = pacfFromAcf(sa);
    const dPacf = lagDistance(rp, sp);
    out.add(
      STATISTICAL_CHECKS.pacf,
      dPacf,
      `Mean |PACF difference| of "${column}" over lags 1..${maxLag} is ${fmt(dPacf)}`,
      opts,
    );
    result.acf = { reference: Array.from(ra), synthetic: Array.from(sa) };
    result.pacf = { reference: Array.from(rp), synthetic: Array.from(sp) };
  }

  const lengths: number[] = [];
  for (const s of [...reference, ...synthetic]) {
    const c = findColumn(s, column);
    if (c && c.values.length >= 16) lengths.push(c.values.length);
  }
  if (lengths.length === 0) {
    out.notApplicable(
      STATISTICAL_CHECKS.spectrum,
      `The power spectrum of "${column}" needs series of at least 16 values`,
      opts,
    );
    return result;
  }
  const segment = spectrumSegment(rules.statistical.spectrumSegment, Math.min(...lengths));
  const spectrumOf = (series: TimeSeries[]) => {
    const parts: Float64Array[] = [];
    const weights: number[] = [];
    for (const s of series) {
      const c = findColumn(s, column);
      const p = c ? welchSpectrum(c.values, segment) : null;
      if (p) {
        parts.push(p);
        weights.push(c!.values.length);
      }
    }
    return averageVectors(parts, weights);
  };
  const rs = spectrumOf(reference);
  const ss = spectrumOf(synthetic);
  const d = rs && ss ? spectrumDistance(rs, ss) : null;
  if (d === null)
    out.notApplicable(
      STATISTICAL_CHECKS.spectrum,
      `The power spectrum of "${column}" is empty on one side (series shorter than ${segment} values, all missing, or constant)`,
      opts,
    );
  else
    out.add(
      STATISTICAL_CHECKS.spectrum,
      d,
      `Total-variation distance of the normalised power spectra of "${column}" is ${fmt(d)} (Welch, segment ${segment})`,
      { ...opts, details: { segment } },
    );
  return result;
}

function compareCorrelations(
  out: CheckList,
  columns: string[],
  reference: TimeSeries[],
  synthetic: TimeSeries[],
): Record<string, unknown> {
  const blocksOf = (series: TimeSeries[]) =>
    series.map((s) => columns.map((c) => findColumn(s, c)?.values ?? new Float64Array(0)));
  const cr = correlationMatrix(blocksOf(reference), columns.length);
  const cs = correlationMatrix(blocksOf(synthetic), columns.length);
  const score = correlationalScore(cr, cs);
  const pairs = (columns.length * (columns.length - 1)) / 2;
  // default limit: a mean |difference| of 0.1 per column pair
  const spec: CheckSpec = {
    ...STATISTICAL_CHECKS.correlation,
    threshold: STATISTICAL_CHECKS.correlation.threshold * pairs,
  };
  if (score.pairs === 0) {
    out.notApplicable(spec, 'No column pair has a defined correlation on both sides (constant or missing columns)');
  } else {
    out.add(
      spec,
      score.score,
      `Correlational score (Σ|Δr| over ${score.pairs} column pairs / 10) is ${fmt(score.score)}; largest |Δr| ${fmt(score.maxDifference)}`,
      {
        details: { pairs: score.pairs, skipped: score.skipped, maxDifference: score.maxDifference },
      },
    );
  }
  return { columns, reference: cr, synthetic: cs };
}
