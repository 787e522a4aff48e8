import type { TimeSeries } from '../../../core/types.js';
import { CheckList, fmt, pct } from '../checks.js';
import { findColumn, selectColumns, yieldTurn } from '../dataset.js';
import type { Rules } from '../schema.js';
import { quantileOfSorted } from '../stats/basic.js';
import { decompose, detectPeriods, fillMissing, strengths } from '../stats/seasonality.js';
import { adfTest, kpssTest, type AdfResult, type KpssResult } from '../stats/stationarity.js';
import type { ValidationData, Validator, ValidatorContext, ValidatorOutput } from '../validator.js';

const NAME = 'temporal';

export const TEMPORAL_CHECKS = {
  irregular: { name: 'irregular_interval_rate', direction: 'at_most', threshold: 0.05 },
  gaps: { name: 'gap_rate', direction: 'at_most', threshold: 0.01 },
  trend: { name: 'trend_strength_difference', direction: 'at_most', threshold: 0.2 },
  seasonal: { name: 'seasonal_strength_difference', direction: 'at_most', threshold: 0.2 },
  period: { name: 'dominant_period_error', direction: 'at_most', threshold: 0.1 },
  stationarity: { name: 'stationarity_agreement', direction: 'at_least', threshold: 0.5 },
  fleet: { name: 'fleet_consistency', direction: 'at_most', threshold: 0.1 },
} as const;

/** Series analysed per side for stationarity and seasonality (the first ones). */
const MAX_SERIES_ANALYSED = 20;
/** Fewest values for the stationarity tests and the decomposition. */
const MIN_POINTS = 20;
/** A device whose mean or std lies further than this many robust scales from the fleet median is inconsistent. */
const FLEET_Z = 3.5;

/** The temporal profile of one column of one series. */
export interface ColumnProfile {
  points: number;
  adf: AdfResult | null;
  kpss: KpssResult | null;
  trendStrength: number | null;
  seasonalStrength: number | null;
  /** Periods in samples, strongest first. */
  periods: { period: number; strength: number; acf: number }[];
}

/**
 * Profile one column: ADF and KPSS, trend strength, seasonal periods and
 * strength. Uses the first `maxPoints` values; missing values are linearly
 * interpolated. Null when fewer than 20 usable values remain.
 */
export function profileColumn(values: Float64Array, rules: Rules): ColumnProfile | null {
  const head = values.length > rules.temporal.maxPoints ? values.subarray(0, rules.temporal.maxPoints) : values;
  let finite = 0;
  for (let i = 0; i < head.length; i++) if (Number.isFinite(head[i]!)) finite++;
  if (finite < MIN_POINTS || finite < head.length / 2) return null;
  const x = fillMissing(head);
  if (!x) return null;
  const periods = detectPeriods(
    x,
    rules.temporal.maxPeriod !== undefined ? { maxPeriod: rules.temporal.maxPeriod } : {},
  );
  const dominant = periods[0]?.period ?? null;
  const s = strengths(decompose(x, dominant));
  return {
    points: x.length,
    adf: adfTest(x),
    kpss: kpssTest(x),
    trendStrength: s.trend,
    seasonalStrength: dominant ? s.seasonal : 0,
    periods,
  };
}

/**
 * Time behaviour: sampling regularity and gaps; stationarity (ADF, KPSS),
 * trend strength and seasonality, compared with the reference when one is
 * given (otherwise reported as metrics); and for fleets, whether devices
 * behave consistently.
 */
export const temporalValidator: Validator = {
  name: NAME,
  description:
    'Checks time behaviour: sampling regularity and gaps, stationarity (ADF and KPSS with critical values), trend strength, seasonality (dominant periods and strength) — compared with the reference when given — and per-device consistency of fleets.',
  requiresReference: false,
  async validate(data: ValidationData, ctx: ValidatorContext): Promise<ValidatorOutput> {
    const rules = ctx.rules;
    const out = new CheckList(NAME, rules);
    const metrics: Record<string, unknown> = { sampling: checkSampling(out, data.synthetic, rules) };
    const columns = selectColumns(data.synthetic, rules.columns, 'synthetic');
    const profiles: Record<string, unknown> = {};
    for (const column of columns) {
      const syn = summarise(profileSide(data.synthetic, column, rules));
      // columns the reference lacks are reported by the statistical validator's coverage check
      const ref = data.reference?.some((s) => findColumn(s, column))
        ? summarise(profileSide(data.reference, column, rules))
        : null;
      profiles[column] = ref ? { synthetic: syn, reference: ref } : syn;
      if (ref) compareProfiles(out, column, syn, ref);
      await yieldTurn(ctx.signal);
    }
    metrics.columns = profiles;
    if (data.synthetic.length >= 3) metrics.fleet = checkFleet(out, data.synthetic, columns);
    else
      out.notApplicable(
        TEMPORAL_CHECKS.fleet,
        `Fleet consistency needs at least 3 devices (series); found ${data.synthetic.length}`,
      );
    return { checks: out.checks, metrics };
  },
};

function checkSampling(out: CheckList, series: TimeSeries[], rules: Rules): Record<string, unknown> {
  let intervals = 0;
  let irregular = 0;
  let gaps = 0;
  let missingSlots = 0;
  let expectedSlots = 0;
  let largestGapMs = 0;
  const medians: number[] = [];
  for (const s of series) {
    const t = s.timestamps;
    const d: number[] = [];
    for (let i = 1; i < t.length; i++) if (t[i]! > t[i - 1]!) d.push(t[i]! - t[i - 1]!);
    if (d.length === 0) continue;
    const sorted = Float64Array.from(d).sort();
    const med = quantileOfSorted(sorted, 0.5);
    medians.push(med);
    expectedSlots += t.length;
    for (const dt of d) {
      intervals++;
      if (dt > rules.temporal.gapFactor * med) {
        gaps++;
        missingSlots += Math.max(1, Math.round(dt / med) - 1);
        if (dt > largestGapMs) largestGapMs = dt;
      } else if (Math.abs(dt - med) > rules.temporal.jitterTolerance * med) {
        irregular++;
      }
    }
  }
  if (intervals === 0) {
    const reason = 'Sampling regularity needs at least two distinct timestamps in a series';
    out.notApplicable(TEMPORAL_CHECKS.irregular, reason);
    out.notApplicable(TEMPORAL_CHECKS.gaps, reason);
    return { intervals: 0 };
  }
  const medianIntervalMs = medians.length ? quantileOfSorted(Float64Array.from(medians).sort(), 0.5) : null;
  out.add(
    TEMPORAL_CHECKS.irregular,
    irregular / intervals,
    `${irregular} of ${intervals} intervals deviate by more than ${pct(rules.temporal.jitterTolerance)} from the median interval (${pct(irregular / intervals)})`,
    {
      details: { count: irregular, medianIntervalMs },
    },
  );
  const gapRate = missingSlots / (expectedSlots + missingSlots);
  out.add(
    TEMPORAL_CHECKS.gaps,
    gapRate,
    `${gaps} gap${gaps === 1 ? '' : 's'} (intervals over ${rules.temporal.gapFactor}× the median) leave about ${missingSlots} samples missing (${pct(gapRate)}); largest ${fmt(largestGapMs)} ms`,
    {
      details: { gaps, missingSamples: missingSlots, largestGapMs },
    },
  );
  return { medianIntervalMs, intervals, irregular, gaps, missingSamples: missingSlots, largestGapMs };
}

function profileSide(series: TimeSeries[], column: string, rules: Rules): ColumnProfile[] {
  const out: ColumnProfile[] = [];
  for (const s of series.slice(0, MAX_SERIES_ANALYSED)) {
    const c = findColumn(s, column);
    const p = c ? profileColumn(c.values, rules) : null;
    if (p) out.push(p);
  }
  return out;
}

/** A side's temporal profile over its series (means and majority votes). */
export interface SideProfile {
  series: number;
  /** Share of series the ADF test finds stationary at 5%; null when untestable. */
  adfStationaryShare: number | null;
  kpssStationaryShare: number | null;
  trendStrength: number | null;
  seasonalStrength: number | null;
  /** Most frequent dominant period over the series (samples); null when none is found. */
  dominantPeriod: number | null;
  /** The first series in full, for a person to read. */
  example: ColumnProfile | null;
}

export function summarise(profiles: ColumnProfile[]): SideProfile {
  const mean = (xs: (number | null)[]) => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  const votes = new Map<number, number>();
  for (const p of profiles) {
    const d = p.periods[0]?.period;
    if (d !== undefined) votes.set(d, (votes.get(d) ?? 0) + 1);
  }
  let dominantPeriod: number | null = null;
  let best = 0;
  for (const [period, v] of votes) if (v > best) [dominantPeriod, best] = [period, v];
  if (best * 2 < profiles.length) dominantPeriod = null;
  return {
    series: profiles.length,
    adfStationaryShare: mean(profiles.map((p) => (p.adf ? (p.adf.stationary ? 1 : 0) : null))),
    kpssStationaryShare: mean(profiles.map((p) => (p.kpss ? (p.kpss.stationary ? 1 : 0) : null))),
    trendStrength: mean(profiles.map((p) => p.trendStrength)),
    seasonalStrength: mean(profiles.map((p) => p.seasonalStrength)),
    dominantPeriod,
    example: profiles[0] ?? null,
  };
}

function compareProfiles(out: CheckList, column: string, syn: SideProfile, ref: SideProfile): void {
  const opts = { column };
  const untestable = `"${column}" has too few usable values (at least ${MIN_POINTS}, at most half missing) on the ${syn.series === 0 ? 'synthetic' : 'reference'} side`;
  if (syn.series === 0 || ref.series === 0) {
    for (const spec of [
      TEMPORAL_CHECKS.trend,
      TEMPORAL_CHECKS.seasonal,
      TEMPORAL_CHECKS.period,
      TEMPORAL_CHECKS.stationarity,
    ])
      out.notApplicable(spec, untestable, opts);
    return;
  }
  if (syn.trendStrength === null || ref.trendStrength === null)
    out.notApplicable(TEMPORAL_CHECKS.trend, `Trend strength of "${column}" is undefined (constant series)`, opts);
  else
    out.add(
      TEMPORAL_CHECKS.trend,
      Math.abs(syn.trendStrength - ref.trendStrength),
      `Trend strength of "${column}" is ${fmt(syn.trendStrength)} vs ${fmt(ref.trendStrength)} in the reference`,
      opts,
    );

  if (syn.seasonalStrength === null || ref.seasonalStrength === null)
    out.notApplicable(
      TEMPORAL_CHECKS.seasonal,
      `Seasonal strength of "${column}" is undefined (constant series)`,
      opts,
    );
  else
    out.add(
      TEMPORAL_CHECKS.seasonal,
      Math.abs(syn.seasonalStrength - ref.seasonalStrength),
      `Seasonal strength of "${column}" is ${fmt(syn.seasonalStrength)} vs ${fmt(ref.seasonalStrength)} in the reference`,
      opts,
    );

  const rp = ref.dominantPeriod;
  const sp = syn.dominantPeriod;
  if (rp === null && sp === null)
    out.add(TEMPORAL_CHECKS.period, 0, `Neither side of "${column}" shows a seasonal period`, opts);
  else if (rp === null || sp === null)
    out.add(
      TEMPORAL_CHECKS.period,
      1,
      rp === null
        ? `The synthetic "${column}" has a period of ${sp} samples the reference lacks`
        : `The synthetic "${column}" lacks the reference period of ${rp} samples`,
      opts,
    );
  else
    out.add(
      TEMPORAL_CHECKS.period,
      Math.abs(sp - rp) / rp,
      `Dominant period of "${column}" is ${sp} samples vs ${rp} in the reference`,
      { ...opts, details: { synthetic: sp, reference: rp } },
    );

  if (syn.adfStationaryShare === null || ref.adfStationaryShare === null)
    out.notApplicable(TEMPORAL_CHECKS.stationarity, `The ADF test could not run on "${column}"`, opts);
  else {
    const agreement = 1 - Math.abs(syn.adfStationaryShare - ref.adfStationaryShare);
    const word = (share: number) => (share >= 0.5 ? 'stationary' : 'non-stationary');
    out.add(
      TEMPORAL_CHECKS.stationarity,
      agreement,
      `ADF finds ${pct(syn.adfStationaryShare)} of the synthetic and ${pct(ref.adfStationaryShare)} of the reference "${column}" series stationary (${word(syn.adfStationaryShare)} vs ${word(ref.adfStationaryShare)})`,
      opts,
    );
  }
}

function robustCentre(values: number[]): { median: number; scale: number } {
  const sorted = Float64Array.from(values).sort();
  const median = quantileOfSorted(sorted, 0.5);
  const dev = Float64Array.from(values, (v) => Math.abs(v - median)).sort();
  return { median, scale: 1.4826 * quantileOfSorted(dev, 0.5) };
}

function checkFleet(out: CheckList, series: TimeSeries[], columns: string[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const column of columns) {
    const devices: { name: string; mean: number; std: number }[] = [];
    for (const s of series) {
      const v = findColumn(s, column)?.values;
      if (!v) continue;
      let n = 0;
      let m = 0;
      let m2 = 0;
      for (let i = 0; i < v.length; i++) {
        const x = v[i]!;
        if (!Number.isFinite(x)) continue;
        n++;
        const d = x - m;
        m += d / n;
        m2 += d * (x - m);
      }
      if (n >= 2) devices.push({ name: s.metadata.deviceId ?? s.name, mean: m, std: Math.sqrt(m2 / (n - 1)) });
    }
    if (devices.length < 3) {
      out.notApplicable(TEMPORAL_CHECKS.fleet, `Fewer than 3 devices have 2+ values of "${column}"`, { column });
      continue;
    }
    const means = robustCentre(devices.map((d) => d.mean));
    const stds = robustCentre(devices.map((d) => d.std));
    // floor the scales so identical devices do not turn rounding noise into outliers
    const meanScale = Math.max(means.scale, 0.05 * stds.median, 1e-12 * (Math.abs(means.median) + 1));
    const stdScale = Math.max(stds.scale, 0.05 * stds.median, 1e-12);
    const odd = devices.filter(
      (d) =>
        Math.abs(d.mean - means.median) > FLEET_Z * meanScale || Math.abs(d.std - stds.median) > FLEET_Z * stdScale,
    );
    const rate = odd.length / devices.length;
    out.add(
      TEMPORAL_CHECKS.fleet,
      rate,
      `${odd.length} of ${devices.length} devices behave unlike the fleet in "${column}" (mean or std beyond ${FLEET_Z} robust scales of the fleet median)${
        odd.length
          ? `: ${odd
              .slice(0, 5)
              .map((d) => d.name)
              .join(', ')}${odd.length > 5 ? ', …' : ''}`
          : ''
      }`,
      {
        column,
        details: { inconsistent: odd.map((d) => d.name), medianMean: means.median, medianStd: stds.median },
      },
    );
    result[column] = {
      devices: devices.length,
      inconsistent: odd.length,
      medianMean: means.median,
      medianStd: stds.median,
    };
  }
  return result;
}
