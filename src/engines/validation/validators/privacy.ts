import type { Rng } from '../../../core/rng.js';
import type { TimeSeries } from '../../../core/types.js';
import { CheckList, fmt, pct } from '../checks.js';
import { columnNames, findColumn, pooledColumn, selectColumns, yieldTurn } from '../dataset.js';
import { finiteValues, moments, quantileOfSorted } from '../stats/basic.js';
import { nearestTwo, type VectorSet } from '../stats/nearest.js';
import type { ValidationData, Validator, ValidatorContext, ValidatorOutput } from '../validator.js';

const NAME = 'privacy';

export const PRIVACY_CHECKS = {
  dcr: { name: 'dcr_ratio', direction: 'at_least', threshold: 0.5 },
  nndr: { name: 'nndr_ratio', direction: 'at_least', threshold: 0.5 },
  exact: { name: 'exact_copy_rate', direction: 'at_most', threshold: 0 },
  near: { name: 'near_duplicate_excess', direction: 'at_most', threshold: 0.05 },
  mia: { name: 'membership_inference_advantage', direction: 'at_most', threshold: 0.1 },
} as const;

/** Windows closer than this (RMS per value, in reference standard deviations) are exact copies. */
const EXACT_EPS = 1e-6;

/** Fewest synthetic and holdout windows the tests run on. */
const MIN_WINDOWS = 5;

/** Below this many holdout windows the report warns that the tests are weak. */
const FEW_WINDOWS = 50;

/** Where a window starts: series index and row. */
interface WindowRef {
  series: number;
  start: number;
}

interface Standardiser {
  columns: string[];
  mean: Float64Array;
  std: Float64Array;
}

/**
 * Does the synthetic data copy its training data? Synthetic windows are
 * compared with training windows by Euclidean distance in reference standard
 * deviations (RMS per value): their distance to the closest record (DCR) and
 * nearest-neighbour distance ratio (NNDR) are held against real windows that
 * were not trained on (the holdout), exact and near duplicates are counted,
 * and a distance-based membership-inference attack measures how much closer
 * training windows lie to the synthetic data than holdout windows do.
 */
export const privacyValidator: Validator = {
  name: NAME,
  description:
    'Tells whether synthetic data copies its training data (the reference): distance to closest record and nearest-neighbour distance ratio against a holdout baseline, exact and near-duplicate copy rates, and a membership-inference attack advantage. Pass the real data withheld from training as holdout for the fairest baseline; otherwise part of the reference is held out.',
  requiresReference: true,
  async validate(data: ValidationData, ctx: ValidatorContext): Promise<ValidatorOutput> {
    const rules = ctx.rules;
    const out = new CheckList(NAME, rules);
    const reference = data.reference ?? [];
    const synColumns = new Set(columnNames(data.synthetic));
    const columns = selectColumns(reference, rules.columns, 'reference').filter(
      (c) => synColumns.has(c) && (!data.holdout || data.holdout.some((h) => findColumn(h, c))),
    );
    const allNa = (reason: string, warnings: string[] = []) => {
      for (const spec of Object.values(PRIVACY_CHECKS)) out.notApplicable(spec, reason);
      return { checks: out.checks, headline: `Not assessed: ${reason}.`, warnings };
    };
    if (columns.length === 0) return allNa('the reference and synthetic data share no column');
    const std = standardiser(reference, columns);
    const L = rules.privacy.windowLength;
    const rng = ctx.rng;

    const split = data.holdout
      ? explicitSplit(reference, data.holdout, L)
      : blockSplit(reference, L, rules.privacy.holdoutFraction, rng);
    if (typeof split === 'string') return allNa(split);
    const synRefs = sample(nonOverlapping(data.synthetic, L), rules.privacy.maxWindows, rng);
    const holdRefs = sample(split.holdout, rules.privacy.maxWindows, rng);
    const trainRefs = evenly(split.train, rules.privacy.maxTrainWindows);
    const syn = vectors(data.synthetic, synRefs, L, std);
    const hold = vectors(split.holdoutSeries, holdRefs, L, std);
    const train = vectors(reference, trainRefs, L, std);
    if (syn.count < MIN_WINDOWS || hold.count < MIN_WINDOWS || train.count < 2) {
      return allNa(
        `too few complete windows of ${L} rows (synthetic ${syn.count}, holdout ${hold.count}, training ${train.count}; need ${MIN_WINDOWS}, ${MIN_WINDOWS} and 2) — shorten rules.privacy.windowLength or pass more data`,
      );
    }
    const scale = Math.sqrt(syn.dim);
    const synNn = nearestTwo(syn, train);
    await yieldTurn(ctx.signal);
    const holdNn = nearestTwo(hold, train);
    await yieldTurn(ctx.signal);

    const dcrSyn = scaled(synNn.first, scale);
    const dcrHold = scaled(holdNn.first, scale);
    const medSyn = median(dcrSyn);
    const medHold = median(dcrHold);
    const basis = `${syn.count} synthetic vs ${hold.count} holdout windows of ${L} rows × ${columns.length} column${columns.length > 1 ? 's' : ''}, against ${train.count} training windows`;

    if (medHold > 0) {
      out.add(
        PRIVACY_CHECKS.dcr,
        medSyn / medHold,
        `Median distance to the closest training window is ${fmt(medSyn)} for synthetic windows vs ${fmt(medHold)} for real holdout windows (ratio ${fmt(medSyn / medHold)}; well below 1 means copying)`,
        {
          details: {
            synthetic: medSyn,
            holdout: medHold,
            p5Synthetic: quantile(dcrSyn, 0.05),
            p5Holdout: quantile(dcrHold, 0.05),
          },
        },
      );
    } else {
      out.notApplicable(
        PRIVACY_CHECKS.dcr,
        'Half the holdout windows repeat a training window exactly, so the real data gives no distance baseline',
      );
    }

    const nndrSyn = median(ratio(synNn.first, synNn.second));
    const nndrHold = median(ratio(holdNn.first, holdNn.second));
    if (nndrHold > 0) {
      out.add(
        PRIVACY_CHECKS.nndr,
        nndrSyn / nndrHold,
        `Median nearest/second-nearest distance ratio is ${fmt(nndrSyn)} for synthetic vs ${fmt(nndrHold)} for holdout windows`,
        { details: { synthetic: nndrSyn, holdout: nndrHold } },
      );
    } else {
      out.notApplicable(
        PRIVACY_CHECKS.nndr,
        'The holdout windows have exact twins in the training data, so the NNDR baseline is 0',
      );
    }

    // exact copies: against every reference window (all offsets) when affordable
    const allRef = vectors(reference, evenly(split.all, rules.privacy.maxTrainWindows), L, std);
    const copyNn = nearestTwo(syn, allRef);
    let exact = 0;
    for (let i = 0; i < syn.count; i++) if (copyNn.first[i]! / scale <= EXACT_EPS) exact++;
    const exactRate = exact / syn.count;
    out.add(
      PRIVACY_CHECKS.exact,
      exactRate,
      `${exact} of ${syn.count} synthetic windows are exact copies of a reference window (${pct(exactRate)})`,
      { details: { count: exact, referenceWindows: allRef.count } },
    );

    const radius = rules.privacy.nearDuplicateFactor * medHold;
    const nearSyn = share(dcrSyn, radius);
    const nearHold = share(dcrHold, radius);
    out.add(
      PRIVACY_CHECKS.near,
      nearSyn - nearHold,
      `${pct(nearSyn)} of synthetic vs ${pct(nearHold)} of holdout windows lie within ${fmt(radius)} of a training window (near duplicates)`,
      {
        details: { radius, synthetic: nearSyn, holdout: nearHold },
      },
    );
    await yieldTurn(ctx.signal);

    // membership inference: are training windows closer to the synthetic data than unseen ones?
    const memberRefs = sample(split.train, hold.count, rng.fork('members'));
    const members = vectors(reference, memberRefs, L, std);
    // against every synthetic offset, so a memorised window is found wherever it starts
    const synEvery = vectors(
      data.synthetic,
      evenly(everyOffset(data.synthetic, L), rules.privacy.maxTrainWindows),
      L,
      std,
    );
    const dMember = nearestTwo(members, synEvery).first;
    const dNon = nearestTwo(hold, synEvery).first;
    const advantage = attackAdvantage(dMember, dNon);
    // the default limit is raised to what chance alone reaches at these sample sizes (one-sided KS, 95%),
    // so small samples do not look like leaks; an explicit rule threshold is used as given
    const chance = Math.sqrt((-Math.log(0.05) / 2) * ((members.count + hold.count) / (members.count * hold.count)));
    out.add(
      { ...PRIVACY_CHECKS.mia, threshold: Math.max(PRIVACY_CHECKS.mia.threshold, chance) },
      advantage,
      `A distance-threshold membership attack tells training from holdout windows with advantage ${fmt(advantage)} (TPR − FPR at its best threshold; chance alone reaches ${fmt(chance)} with ${members.count} + ${hold.count} windows)`,
      {
        details: { members: members.count, nonMembers: hold.count, chanceLevel: chance },
      },
    );

    const failed = out.checks.filter(
      (c) =>
        c.passed === false &&
        (c.name === PRIVACY_CHECKS.exact.name ||
          c.name === PRIVACY_CHECKS.dcr.name ||
          c.name === PRIVACY_CHECKS.near.name),
    );
    const copies = failed.length > 0;
    const headline = copies
      ? `The synthetic data appears to copy the training data: ${failed.map((c) => c.explanation.replace(/ — failed.*$/, '')).join('; ')}.`
      : `The synthetic data does not copy the training data: no synthetic window is closer to the training data than real unseen windows typically are${exact ? ` (but ${exact} exact copies were found)` : ''}.`;
    const warnings = data.holdout
      ? []
      : [
          'privacy: no holdout was given, so part of the reference was held out; if the generator trained on all of it, the membership attack cannot see a difference. Pass the withheld real data as holdout.',
        ];
    if (hold.count < FEW_WINDOWS)
      warnings.push(
        `privacy: only ${hold.count} holdout windows, so the tests have little power; pass more reference or holdout data.`,
      );
    const guarantee = statedGuarantee(data.synthetic);
    return {
      checks: out.checks,
      headline: `${headline} ${guarantee.sentence}`,
      warnings,
      metrics: {
        guarantee: guarantee.stated,
        copiesTrainingData: copies,
        basis,
        windowLength: L,
        columns,
        holdout: data.holdout ? 'given' : `${pct(rules.privacy.holdoutFraction)} of reference blocks`,
      },
    };
  },
};

/**
 * The differential-privacy guarantee the synthetic series state (a private
 * model's samples and DP releases carry it in metadata.privacy), so the report
 * names what the data promises and does not leave it implied.
 */
function statedGuarantee(synthetic: TimeSeries[]): { stated: Record<string, unknown>[] | 'none'; sentence: string } {
  const seen = new Map<string, Record<string, unknown>>();
  let without = 0;
  for (const s of synthetic) {
    const p = s.metadata.privacy as Record<string, unknown> | undefined;
    if (p && typeof p === 'object') seen.set(JSON.stringify([p.mechanism, p.epsilon, p.delta, p.unit]), p);
    else without++;
  }
  if (seen.size === 0)
    return {
      stated: 'none',
      sentence: 'No differential-privacy guarantee is stated for this data (it is not differentially private).',
    };
  const list = [...seen.values()];
  const parts = list.map((p) => `ε = ${p.epsilon}, δ = ${p.delta} (${p.unit})`).join('; ');
  return {
    stated: list,
    sentence: `Differential privacy stated by the data: ${parts}${without ? `; ${without} series state none` : ''}.`,
  };
}

function standardiser(reference: TimeSeries[], columns: string[]): Standardiser {
  const mean = new Float64Array(columns.length);
  const std = new Float64Array(columns.length);
  columns.forEach((c, j) => {
    const finite = finiteValues(pooledColumn(reference, c));
    const m = finite.length ? moments(finite) : null;
    mean[j] = m?.mean ?? 0;
    std[j] = m && m.std > 0 ? m.std : 1;
  });
  return { columns, mean, std };
}

interface Split {
  /** Training windows (every offset). */
  train: WindowRef[];
  /** Holdout windows (non-overlapping), indexing holdoutSeries. */
  holdout: WindowRef[];
  holdoutSeries: TimeSeries[];
  /** Every reference window offset, for copy detection. */
  all: WindowRef[];
}

function explicitSplit(reference: TimeSeries[], holdout: TimeSeries[], L: number): Split {
  const all = everyOffset(reference, L);
  return { train: all, holdout: nonOverlapping(holdout, L), holdoutSeries: holdout, all };
}

/**
 * Hold out part of the reference without leakage: cut each series into
 * blocks of 2L rows, hold out a random share of blocks, and take training
 * windows only inside training blocks, so no training window shares a row
 * with a holdout window.
 */
function blockSplit(reference: TimeSeries[], L: number, fraction: number, rng: Rng): Split | string {
  const B = 2 * L;
  const blocks: WindowRef[] = [];
  reference.forEach((s, i) => {
    for (let start = 0; start + B <= s.timestamps.length; start += B) blocks.push({ series: i, start });
  });
  if (blocks.length < 5) {
    const rows = reference.reduce((a, s) => a + s.timestamps.length, 0);
    return `the reference has ${rows} rows; holding part of it out needs at least ${5 * B} (5 blocks of ${B}) — pass a holdout, more data, or a shorter rules.privacy.windowLength`;
  }
  const order = rng.fork('blocks').shuffle(blocks.map((_, i) => i));
  const nHold = Math.max(1, Math.round(fraction * blocks.length));
  const held = new Set(order.slice(0, nHold));
  const train: WindowRef[] = [];
  const holdout: WindowRef[] = [];
  blocks.forEach((b, i) => {
    if (held.has(i)) {
      holdout.push(b, { series: b.series, start: b.start + L });
    } else {
      for (let o = 0; o <= L; o++) train.push({ series: b.series, start: b.start + o });
    }
  });
  return { train, holdout, holdoutSeries: reference, all: everyOffset(reference, L) };
}

function everyOffset(series: TimeSeries[], L: number): WindowRef[] {
  const out: WindowRef[] = [];
  series.forEach((s, i) => {
    for (let start = 0; start + L <= s.timestamps.length; start++) out.push({ series: i, start });
  });
  return out;
}

function nonOverlapping(series: TimeSeries[], L: number): WindowRef[] {
  const out: WindowRef[] = [];
  series.forEach((s, i) => {
    for (let start = 0; start + L <= s.timestamps.length; start += L) out.push({ series: i, start });
  });
  return out;
}

/** A seeded random subset of at most k items, kept in their original order. */
function sample<T>(items: T[], k: number, rng: Rng): T[] {
  if (items.length <= k) return items;
  const idx = rng
    .shuffle(items.map((_, i) => i))
    .slice(0, k)
    .sort((a, b) => a - b);
  return idx.map((i) => items[i]!);
}

/** At most k items, evenly spaced. */
function evenly<T>(items: T[], k: number): T[] {
  if (items.length <= k) return items;
  const step = items.length / k;
  return Array.from({ length: k }, (_, i) => items[Math.floor(i * step)]!);
}

/** Standardised window vectors (row-major: time, then column); windows with a missing value are dropped. */
function vectors(series: TimeSeries[], refs: WindowRef[], L: number, st: Standardiser): VectorSet {
  const d = st.columns.length;
  const dim = L * d;
  const data = new Float64Array(refs.length * dim);
  let count = 0;
  for (const r of refs) {
    const s = series[r.series]!;
    const cols = st.columns.map((c) => findColumn(s, c)?.values);
    const o = count * dim;
    let ok = true;
    for (let t = 0; t < L && ok; t++) {
      for (let j = 0; j < d; j++) {
        const v = cols[j]?.[r.start + t];
        if (v === undefined || !Number.isFinite(v)) {
          ok = false;
          break;
        }
        data[o + t * d + j] = (v - st.mean[j]!) / st.std[j]!;
      }
    }
    if (ok) count++;
  }
  return { count, dim, data: data.subarray(0, count * dim) };
}

function scaled(x: Float64Array, s: number): Float64Array {
  return Float64Array.from(x, (v) => v / s);
}

function ratio(a: Float64Array, b: Float64Array): Float64Array {
  return Float64Array.from(a, (v, i) => (b[i]! > 0 && Number.isFinite(b[i]!) ? v / b[i]! : v > 0 ? 1 : 0));
}

function quantile(x: Float64Array, p: number): number {
  return quantileOfSorted(Float64Array.from(x).sort(), p);
}

function median(x: Float64Array): number {
  return quantile(x, 0.5);
}

function share(x: Float64Array, below: number): number {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i]! < below) n++;
  return n / x.length;
}

/**
 * Advantage of the attacker who calls a record a member when its distance to
 * the synthetic data is at most t, at the best t: max_t (TPR − FPR), floored at 0.
 */
export function attackAdvantage(member: Float64Array, nonMember: Float64Array): number {
  const a = Float64Array.from(member).sort();
  const b = Float64Array.from(nonMember).sort();
  let i = 0;
  let j = 0;
  let best = 0;
  while (i < a.length || j < b.length) {
    const t = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    while (i < a.length && a[i]! <= t) i++;
    while (j < b.length && b[j]! <= t) j++;
    const adv = i / a.length - j / b.length;
    if (adv > best) best = adv;
  }
  return best;
}
