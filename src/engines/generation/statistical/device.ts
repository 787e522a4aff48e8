import type { Rng } from '../../../core/rng.js';
import type { AnomalyLabel, Column, TimeSeries } from '../../../core/types.js';
import type { PlacedAnomaly } from './anomalies.js';
import { applyAnomaly, applyBinaryAnomaly, freeze } from './anomaly-effects.js';
import type { CorrelationPlan } from './correlation.js';
import { DeviceSensor } from './device-sensor.js';
import {
  clip,
  compact,
  dropValues,
  gridTimes,
  irregularTimes,
  jitterTimes,
  keptRows,
  placeGaps,
  quantize,
} from './imperfections.js';
import { IntervalSet } from './interval-set.js';
import { floorAtZero } from './kernels.js';
import { deviceId, type Plan } from './plan.js';
import type { Timing } from './timing.js';

/** Rows generated per step: buffers stay in cache, and cancellation and progress are checked in between. */
export const CHUNK_ROWS = 8192;
const MS_PER_HOUR = 3_600_000;

/** Called after every chunk with the rows done on this device; may throw (cancelled) or pause (to let other work run). */
export type Checkpoint = (rowsDone: number) => void | Promise<void>;

/** A label on rows of the full grid, turned into timestamps once the final rows are known. */
interface RowLabel {
  type: string;
  column: string;
  startRow: number;
  endRow: number;
  details: Record<string, unknown>;
}

/** The per-device sensors of a plan, each drawn from its own fork so devices and sensors do not shift each other. */
export function deviceSensors(plan: Plan, deviceRng: Rng, sampleTimes: Float64Array | null): DeviceSensor[] {
  const chunk = Math.min(CHUNK_ROWS, plan.timing.rows);
  return plan.sensors.map(
    (m) => new DeviceSensor(m, plan.timing, plan.variation, deviceRng.fork(`sensor:${m.name}`), sampleTimes, chunk),
  );
}

/**
 * The generation kernel: fill one column per sensor chunk by chunk: draw each
 * sensor's innovations, mix them for the target correlation, and render
 * noise, baseline and seasonalities.
 */
export async function renderColumns(
  sensors: readonly DeviceSensor[],
  correlation: CorrelationPlan | null,
  rows: number,
  checkpoint?: Checkpoint,
): Promise<Float64Array[]> {
  const chunk = Math.min(CHUNK_ROWS, rows);
  const columns = sensors.map(() => new Float64Array(rows));
  // sensors without noise share one buffer of zeros
  const zeros = new Float64Array(chunk);
  const z = sensors.map((s) => (s.usesInnovations || correlation ? new Float64Array(chunk) : zeros));
  const mixed = correlation ? sensors.map(() => new Float64Array(chunk)) : z;
  for (let from = 0; from < rows; from += CHUNK_ROWS) {
    const n = Math.min(CHUNK_ROWS, rows - from);
    for (let j = 0; j < sensors.length; j++) sensors[j]!.drawInnovations(z[j]!, n);
    if (correlation) mix(correlation.factor, z, mixed, n);
    for (let j = 0; j < sensors.length; j++) sensors[j]!.render(columns[j]!, from, n, mixed[j]!);
    if (checkpoint) await checkpoint(from + n);
  }
  return columns;
}

/** out_i = Σ_k L[i][k] z_k over the first n rows. */
function mix(factor: number[][], z: Float64Array[], out: Float64Array[], n: number): void {
  for (let i = 0; i < factor.length; i++) {
    const o = out[i]!;
    o.fill(0, 0, n);
    const row = factor[i]!;
    for (let k = 0; k <= i; k++) {
      const c = row[k]!;
      if (c === 0) continue;
      const zk = z[k]!;
      for (let t = 0; t < n; t++) o[t]! += c * zk[t]!;
    }
  }
}

/** Generate the series of device `index` (0-based) with its share of the fleet's anomalies. */
export async function generateDevice(
  plan: Plan,
  index: number,
  root: Rng,
  anomalies: readonly PlacedAnomaly[],
  checkpoint?: Checkpoint,
): Promise<TimeSeries> {
  const { timing, imperfections: imp } = plan;
  const rng = root.fork(`device:${index}`);
  const id = deviceId(plan.devicePrefix, index);
  const sampleTimes = imp.irregular > 0 ? irregularTimes(timing, imp.irregular, rng.fork('sampling')) : null;
  const sensors = deviceSensors(plan, rng, sampleTimes);
  let columns = await renderColumns(sensors, plan.correlation, timing.rows, checkpoint);

  const rowLabels: RowLabel[] = [];
  sensors.forEach((s, j) => {
    const own = anomalies.filter((a) => a.column === j);
    rowLabels.push(...applyAnomaliesAndPhysics(s, columns[j]!, own, sampleTimes, timing));
  });

  let timestamps = sampleTimes ?? gridTimes(timing);
  if (imp.jitterMs > 0) timestamps = jitterTimes(timestamps, imp.jitterMs, timing.intervalMs, rng.fork('jitter'));

  const labels: AnomalyLabel[] = [];
  let rowIndex: Int32Array | null = null;
  if (imp.gaps) {
    const blocked = new IntervalSet();
    for (const a of anomalies) blocked.add(a.startRow, a.endRow);
    const gaps = placeGaps(imp.gaps.count, imp.gaps.maxRows, timing.rows, blocked, rng.fork('gaps'));
    for (const [s, e] of gaps) {
      labels.push({
        type: 'gap',
        kind: 'imperfection',
        start: timestamps[s]!,
        end: timestamps[e]!,
        details: { samples: e - s + 1, previous: timestamps[s - 1]!, next: timestamps[e + 1]! },
      });
    }
    const { index: map, kept } = keptRows(timing.rows, gaps);
    rowIndex = map;
    timestamps = compact(timestamps, map, kept);
    columns = columns.map((c) => compact(c, map, kept));
  }
  for (const l of rowLabels) {
    const s = rowIndex ? rowIndex[l.startRow]! : l.startRow;
    const e = rowIndex ? rowIndex[l.endRow]! : l.endRow;
    labels.push({
      type: l.type,
      kind: 'anomaly',
      column: l.column,
      start: timestamps[s]!,
      end: timestamps[e]!,
      details: l.details,
    });
  }

  sensors.forEach((sensor, j) => {
    const m = sensor.model;
    const values = columns[j]!;
    if (imp.quantize !== null && m.kind !== 'binary') quantize(values, imp.quantize);
    if (imp.clip && m.range) labels.push(...clip(values, m.range, timestamps, m.name));
    if (imp.missingRate > 0)
      labels.push(...dropValues(values, imp.missingRate, rng.fork(`missing:${m.name}`), timestamps, m.name));
  });
  labels.push(...wholeSeriesLabels(plan, timestamps));
  labels.sort(
    (a, b) =>
      a.start - b.start ||
      a.end - b.end ||
      a.type.localeCompare(b.type) ||
      (a.column ?? '').localeCompare(b.column ?? ''),
  );

  const attributes: Record<string, number> = {};
  for (const s of sensors) for (const [k, v] of Object.entries(s.attributes)) attributes[`${s.model.name}.${k}`] = v;
  if (plan.correlation && plan.correlation.attainable < 1)
    attributes.correlationAttainable = Number(plan.correlation.attainable.toPrecision(6));

  return {
    id,
    name: id,
    metadata: { deviceId: id, tags: {}, attributes },
    timestamps,
    columns: sensors.map(
      (s, j): Column => ({
        name: s.model.name,
        ...(s.model.unit ? { unit: s.model.unit } : {}),
        sensorType: s.model.type,
        ...(s.model.range ? { range: { ...s.model.range } } : {}),
        values: columns[j]!,
      }),
    ),
    labels,
  };
}

/**
 * Inject a column's anomalies and apply what the sensor physically is: never
 * negative, a counter's running total (anomalies then act on the consumption
 * rate, except stuck, which freezes the reading until it catches up).
 */
function applyAnomaliesAndPhysics(
  sensor: DeviceSensor,
  values: Float64Array,
  anomalies: readonly PlacedAnomaly[],
  times: Float64Array | null,
  timing: Timing,
): RowLabel[] {
  const m = sensor.model;
  const labels: RowLabel[] = [];
  const label = (a: PlacedAnomaly, details: Record<string, unknown>) =>
    labels.push({ type: a.type, column: m.name, startRow: a.startRow, endRow: a.endRow, details });
  if (m.kind === 'binary') {
    for (const a of anomalies) label(a, applyBinaryAnomaly(values, a));
    return labels;
  }
  if (m.kind === 'counter') {
    for (const a of anomalies)
      if (a.type !== 'stuck')
        label(a, { ...applyAnomaly(values, a, sensor.scale), appliedTo: 'consumption rate per hour' });
    floorAtZero(values, 0, values.length);
    accumulate(values, times, timing.intervalMs, sensor.initialReading);
    for (const a of anomalies) if (a.type === 'stuck') label(a, freeze(values, a));
    return labels;
  }
  for (const a of anomalies) label(a, applyAnomaly(values, a, sensor.scale));
  if (m.nonNegative) floorAtZero(values, 0, values.length);
  return labels;
}

/** Turn a non-negative hourly rate into a running total starting at `initial`. */
function accumulate(values: Float64Array, times: Float64Array | null, intervalMs: number, initial: number): void {
  const step = intervalMs / MS_PER_HOUR;
  let total = initial;
  for (let i = 0; i < values.length; i++) {
    if (i > 0) total += values[i]! * (times ? (times[i]! - times[i - 1]!) / MS_PER_HOUR : step);
    values[i] = total;
  }
}

/** Labels for artefacts that touch every sample: irregular sampling, jitter, quantisation. */
function wholeSeriesLabels(plan: Plan, timestamps: Float64Array): AnomalyLabel[] {
  const n = timestamps.length;
  if (n === 0) return [];
  const imp = plan.imperfections;
  const span = { kind: 'imperfection' as const, start: timestamps[0]!, end: timestamps[n - 1]! };
  const out: AnomalyLabel[] = [];
  if (imp.irregular > 0)
    out.push({
      type: 'irregular_sampling',
      ...span,
      details: { variation: imp.irregular, intervalMs: plan.timing.intervalMs },
    });
  if (imp.jitterMs > 0) out.push({ type: 'jitter', ...span, details: { maxMs: imp.jitterMs } });
  if (imp.quantize !== null) out.push({ type: 'quantization', ...span, details: { step: imp.quantize } });
  return out;
}
