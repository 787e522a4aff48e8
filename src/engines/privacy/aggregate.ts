/**
 * Differentially private aggregates over time windows. The windows are public
 * partitions (fixed by the request's start, end, window and stride, never by
 * which windows hold data); per window: count, sum, mean, quantiles and a
 * histogram over public bins.
 *
 * Neighbouring datasets differ by adding or removing one privacy unit:
 * - event: one row. A row lies in up to ⌈window/stride⌉ windows, and the
 *   sensitivities are multiplied by that overlap.
 * - device: all rows of one device, after bounding its contribution — at most
 *   `maxPartitionsPerDevice` windows (chosen at random) and `maxRowsPerDevice`
 *   rows in each (chosen at random) — so the sensitivity is the bound.
 * Values are clipped to the declared bounds first (how many, reported).
 *
 * The budget is split evenly over the primitives released (count, sum,
 * quantiles, histogram); the mean is post-processing of count and sum. The
 * whole plan (ε, δ, ρ of every primitive) is fixed before the ledger is
 * charged, and no noise is drawn before the charge succeeds.
 */
import { TsiotError } from '../../core/errors.js';
import { pureToRho, rhoFor } from './calibration.js';
import { exponentialMechanism, gaussianMechanism, geometricMechanism, laplaceMechanism } from './mechanisms.js';
import { SecureRandom } from './random.js';
import { describeUnit, type PrivacyUnit } from './units.js';

export type AggregateStatistic = 'count' | 'sum' | 'mean' | 'quantiles' | 'histogram';

export interface DeviceRows {
  /** The device (or series) the rows belong to. */
  id: string;
  timestamps: Float64Array;
  values: Float64Array;
}

export interface AggregateRequest {
  devices: DeviceRows[];
  /** Public partitions: windows starting at start, start + stride, … before end (epoch ms). */
  start: number;
  end: number;
  window: number;
  stride: number;
  bounds: { lower: number; upper: number };
  statistics: AggregateStatistic[];
  quantiles: number[];
  histogramBins: number;
  /** Candidate values the quantile search chooses among (evenly spaced over the bounds). */
  quantileCandidates: number;
  epsilon: number;
  /** Required for the Gaussian mechanism. */
  delta?: number;
  mechanism: 'laplace' | 'gaussian';
  unit: PrivacyUnit;
}

/** Most windows one request may release. */
export const MAX_PARTITIONS = 10_000;

interface Primitive {
  name: 'count' | 'sum' | 'quantiles' | 'histogram';
  epsilon: number;
  delta: number;
  rho: number;
  mechanism: 'laplace' | 'geometric' | 'gaussian' | 'exponential';
}

export interface AggregatePlan {
  partitions: number;
  overlap: number;
  primitives: Primitive[];
  epsilon: number;
  delta: number;
  rho: number;
  unit: string;
}

const bad = (field: string, message: string, example: unknown) =>
  new TsiotError('invalid_input', `${field}: ${message}`, { details: { field, example } });

/** Check the request and fix every primitive's share of the budget, before anything is charged. */
export function planAggregate(req: AggregateRequest): AggregatePlan {
  const { lower, upper } = req.bounds;
  if (!Number.isFinite(lower) || !Number.isFinite(upper) || !(lower < upper))
    throw bad('bounds', `expected finite lower < upper, got lower = ${lower}, upper = ${upper}`, {
      lower: 0,
      upper: 100,
    });
  if (!(req.epsilon > 0 && Number.isFinite(req.epsilon)))
    throw bad('epsilon', `expected a finite number > 0, got ${req.epsilon}`, 1);
  if (!(req.window > 0 && req.stride > 0 && req.stride <= req.window))
    throw bad('stride', `expected 0 < stride ≤ window, got window = ${req.window}, stride = ${req.stride}`, {
      window: 3_600_000,
      stride: 3_600_000,
    });
  if (!(req.end > req.start)) throw bad('end', `expected end > start, got start = ${req.start}, end = ${req.end}`, 0);
  const partitions = Math.ceil((req.end - req.start) / req.stride);
  if (partitions > MAX_PARTITIONS)
    throw bad('window', `${partitions} windows between start and end; at most ${MAX_PARTITIONS} per request`, {
      window: 86_400_000,
    });
  if (req.unit.kind === 'window')
    throw bad(
      'unit.kind',
      'aggregates protect an "event" (one row) or a "device" (all its rows, with contribution bounds); "window" applies to apply_differential_privacy and private synthesis',
      { kind: 'device', maxRowsPerDevice: 60, maxPartitionsPerDevice: 24 },
    );
  if (req.unit.kind === 'device' && (!req.unit.maxRowsPerDevice || !req.unit.maxPartitionsPerDevice))
    throw bad('unit', 'unit "device" needs maxRowsPerDevice and maxPartitionsPerDevice (contribution bounds)', {
      kind: 'device',
      maxRowsPerDevice: 60,
      maxPartitionsPerDevice: 24,
    });
  if (req.mechanism === 'gaussian' && !(req.delta !== undefined && req.delta > 0 && req.delta < 1))
    throw bad('delta', 'the Gaussian mechanism needs delta in (0, 1)', 1e-6);
  if (req.statistics.length === 0) throw bad('statistics', 'name at least one statistic', ['count', 'mean']);
  for (const q of req.quantiles)
    if (!(q >= 0 && q <= 1)) throw bad('quantiles', `each quantile must be in [0, 1], got ${q}`, [0.5, 0.9]);
  const want = new Set(req.statistics);
  const names: Primitive['name'][] = [];
  if (want.has('count') || want.has('mean')) names.push('count');
  if (want.has('sum') || want.has('mean')) names.push('sum');
  if (want.has('quantiles')) names.push('quantiles');
  if (want.has('histogram')) names.push('histogram');
  const share = req.epsilon / names.length;
  const gaussians = names.filter((n) => n !== 'quantiles').length;
  const primitives = names.map((name): Primitive => {
    if (name !== 'quantiles' && req.mechanism === 'gaussian') {
      const delta = req.delta! / gaussians;
      return { name, epsilon: share, delta, rho: rhoFor(share, delta), mechanism: 'gaussian' };
    }
    return {
      name,
      epsilon: share,
      delta: 0,
      rho: pureToRho(share),
      mechanism: name === 'sum' ? 'laplace' : name === 'quantiles' ? 'exponential' : 'geometric',
    };
  });
  const overlap = Math.ceil(req.window / req.stride);
  return {
    partitions,
    overlap,
    primitives,
    epsilon: req.epsilon,
    delta: primitives.reduce((s, p) => s + p.delta, 0),
    rho: primitives.reduce((s, p) => s + p.rho, 0),
    unit: describeUnit(req.unit, req.unit.kind === 'event' ? overlap : 1),
  };
}

export interface PartitionResult {
  start: number;
  end: number;
  count?: number;
  sum?: number;
  mean?: number | null;
  quantiles?: Record<string, number>;
  histogram?: number[];
}

export interface AggregateResult {
  partitions: PartitionResult[];
  /** Histogram bin edges (public). */
  binEdges?: number[];
  sensitivity: Record<string, { l1?: number; l2?: number }>;
  clipping: { lower: number; upper: number; below: number; above: number; missingDropped: number };
  contributionBounding?: { droppedRows: number; droppedPartitions: number };
  outsideRange: number;
}

/** Run a planned aggregate (after the ledger accepted its charge). */
export function runAggregate(
  req: AggregateRequest,
  plan: AggregatePlan,
  rnd: SecureRandom = new SecureRandom(),
): AggregateResult {
  const { lower, upper } = req.bounds;
  const K = plan.partitions;
  const device = req.unit.kind === 'device';
  const rowsCap = device ? req.unit.maxRowsPerDevice! : Number.POSITIVE_INFINITY;
  const partsCap = device ? req.unit.maxPartitionsPerDevice! : Number.POSITIVE_INFINITY;
  // values kept in each window, after clipping and contribution bounding
  const cells: number[][] = Array.from({ length: K }, () => []);
  let below = 0;
  let above = 0;
  let missing = 0;
  let outside = 0;
  let droppedRows = 0;
  let droppedPartitions = 0;
  for (const d of req.devices) {
    const byWindow = new Map<number, number[]>();
    for (let i = 0; i < d.timestamps.length; i++) {
      const t = d.timestamps[i]!;
      let v = d.values[i]!;
      if (Number.isNaN(v)) {
        missing++;
        continue;
      }
      if (t < req.start || t >= req.end) {
        outside++;
        continue;
      }
      if (v < lower) {
        v = lower;
        below++;
      } else if (v > upper) {
        v = upper;
        above++;
      }
      const kHi = Math.min(K - 1, Math.floor((t - req.start) / req.stride));
      const kLo = Math.max(0, Math.floor((t - req.start - req.window) / req.stride) + 1);
      for (let k = kLo; k <= kHi; k++) {
        const list = byWindow.get(k);
        if (list) list.push(v);
        else byWindow.set(k, [v]);
      }
    }
    let windows = [...byWindow.keys()];
    if (windows.length > partsCap) {
      shuffle(windows, rnd);
      droppedPartitions += windows.length - partsCap;
      for (const k of windows.slice(partsCap)) droppedRows += byWindow.get(k)!.length;
      windows = windows.slice(0, partsCap);
    }
    for (const k of windows) {
      let list = byWindow.get(k)!;
      if (list.length > rowsCap) {
        shuffle(list, rnd);
        droppedRows += list.length - rowsCap;
        list = list.slice(0, rowsCap);
      }
      for (const v of list) cells[k]!.push(v);
    }
  }
  // per-window contribution of one unit, in rows, and in how many windows
  const rowsPerWindow = device ? rowsCap : 1;
  const windowsPerUnit = device ? partsCap : plan.overlap;
  const magnitude = Math.max(Math.abs(lower), Math.abs(upper));
  const sensitivity: AggregateResult['sensitivity'] = {};
  const out: PartitionResult[] = Array.from({ length: K }, (_, k) => ({
    start: req.start + k * req.stride,
    end: req.start + k * req.stride + req.window,
  }));
  let binEdges: number[] | undefined;
  const prim = (name: Primitive['name']) => plan.primitives.find((p) => p.name === name);

  const noisyVector = (p: Primitive, exact: number[], l1PerUnit: number, l2PerUnit: number, integer: boolean) => {
    sensitivity[p.name] = p.mechanism === 'gaussian' ? { l2: l2PerUnit } : { l1: l1PerUnit };
    if (p.mechanism === 'gaussian') {
      const r = gaussianMechanism(exact, { sensitivity: l2PerUnit, rho: p.rho, delta: p.delta }, rnd);
      return Array.from(r.values, (v) => (integer ? Math.round(v) : v));
    }
    if (integer)
      return Array.from(geometricMechanism(exact, { sensitivity: l1PerUnit, epsilon: p.epsilon }, rnd).values);
    return Array.from(laplaceMechanism(exact, { sensitivity: l1PerUnit, epsilon: p.epsilon }, rnd).values);
  };

  const count = prim('count');
  let noisyCounts: number[] | undefined;
  if (count) {
    const r = rowsPerWindow * windowsPerUnit;
    noisyCounts = noisyVector(
      count,
      cells.map((c) => c.length),
      r,
      rowsPerWindow * Math.sqrt(windowsPerUnit),
      true,
    ).map((v) => Math.max(0, v));
  }
  const sum = prim('sum');
  let noisySums: number[] | undefined;
  if (sum) {
    noisySums = noisyVector(
      sum,
      cells.map((c) => c.reduce((s, v) => s + v, 0)),
      magnitude * rowsPerWindow * windowsPerUnit,
      magnitude * rowsPerWindow * Math.sqrt(windowsPerUnit),
      false,
    );
  }
  const want = new Set(req.statistics);
  for (let k = 0; k < K; k++) {
    if (want.has('count')) out[k]!.count = noisyCounts![k]!;
    if (want.has('sum')) out[k]!.sum = noisySums![k]!;
    if (want.has('mean')) {
      const c = noisyCounts![k]!;
      out[k]!.mean = c >= 1 ? Math.min(upper, Math.max(lower, noisySums![k]! / c)) : null;
    }
  }
  const quant = prim('quantiles');
  if (quant && req.quantiles.length) {
    // each window's quantiles by the exponential mechanism over public candidates; a unit touches
    // `windowsPerUnit` windows and each of their quantiles, so each choice gets ε / (windows × quantiles)
    const eps = quant.epsilon / (windowsPerUnit * req.quantiles.length);
    const m = req.quantileCandidates;
    const candidates = Array.from({ length: m }, (_, i) => lower + ((upper - lower) * i) / (m - 1));
    sensitivity.quantiles = { l1: rowsPerWindow };
    for (let k = 0; k < K; k++) {
      const sorted = Float64Array.from(cells[k]!).sort();
      const n = sorted.length;
      const qs: Record<string, number> = {};
      for (const q of req.quantiles) {
        // score: −|#values ≤ candidate − q·n|, which one row changes by at most 1
        const scores = candidates.map((c) => -Math.abs(upperBound(sorted, c) - q * n));
        qs[String(q)] =
          candidates[exponentialMechanism(scores, { sensitivity: rowsPerWindow, epsilon: eps }, rnd).index]!;
      }
      out[k]!.quantiles = qs;
    }
  }
  const hist = prim('histogram');
  if (hist) {
    const b = req.histogramBins;
    binEdges = Array.from({ length: b + 1 }, (_, i) => lower + ((upper - lower) * i) / b);
    const exact: number[] = [];
    for (let k = 0; k < K; k++) {
      const h = new Array(b).fill(0);
      for (const v of cells[k]!) h[Math.min(b - 1, Math.floor(((v - lower) / (upper - lower)) * b))]++;
      exact.push(...h);
    }
    const noisy = noisyVector(
      hist,
      exact,
      rowsPerWindow * windowsPerUnit,
      rowsPerWindow * Math.sqrt(windowsPerUnit),
      true,
    ).map((v) => Math.max(0, v));
    for (let k = 0; k < K; k++) out[k]!.histogram = noisy.slice(k * b, (k + 1) * b);
  }
  return {
    partitions: out,
    ...(binEdges ? { binEdges } : {}),
    sensitivity,
    clipping: { lower, upper, below, above, missingDropped: missing },
    ...(device ? { contributionBounding: { droppedRows, droppedPartitions } } : {}),
    outsideRange: outside,
  };
}

/** Values ≤ x in a sorted array. */
function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function shuffle<T>(items: T[], rnd: SecureRandom): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rnd.smallInt(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
