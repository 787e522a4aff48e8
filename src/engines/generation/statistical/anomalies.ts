import { TsiotError } from '../../../core/errors.js';
import type { Rng } from '../../../core/rng.js';
import { parseDuration } from '../../../core/time.js';
import { IntervalSet } from './interval-set.js';
import { DEFAULT_DURATION_MS, DEFAULT_MAGNITUDE } from './presets.js';
import type { AnomalySpec, AnomalyType } from './schema.js';
import type { SensorModel } from './sensor-model.js';
import type { Timing } from './timing.js';

/** An anomaly placed on one device's column, rows [startRow, endRow] of the full grid. */
export interface PlacedAnomaly {
  type: AnomalyType;
  column: number;
  startRow: number;
  endRow: number;
  /** Multiples of the sensor's noise scale. */
  magnitude: number;
  sign: 1 | -1;
  /** For anomalies that draw noise of their own. */
  rng: Rng;
}

/** Free rows kept between two anomalies on the same column, so their labels stay distinct. */
const MARGIN = 1;
const RANDOM_TRIES = 32;

/**
 * Place every requested anomaly at seeded random, non-overlapping positions
 * across the fleet. Returns the anomalies of each device (index = device).
 */
export function placeAnomalies(
  specs: readonly AnomalySpec[],
  sensors: readonly SensorModel[],
  timing: Timing,
  devices: number,
  rng: Rng,
): PlacedAnomaly[][] {
  const perDevice: PlacedAnomaly[][] = Array.from({ length: devices }, () => []);
  const taken = new Map<number, IntervalSet>();
  const lineOf = (device: number, column: number): IntervalSet => {
    const key = device * sensors.length + column;
    let set = taken.get(key);
    if (!set) {
      set = new IntervalSet();
      taken.set(key, set);
    }
    return set;
  };
  // longest first, so short anomalies fill the room the long ones leave
  const requests = specs.map((spec, i) => ({
    spec,
    i,
    devices: eligibleDevices(spec, i, devices),
    columns: eligibleColumns(spec, i, sensors),
    len: durationRows(spec, i, timing),
  }));
  const order = [...requests].sort((a, b) => b.len - a.len || a.i - b.i);
  for (const { spec, i, devices: deviceChoices, columns: columnChoices, len } of order) {
    const magnitude = spec.magnitude ?? DEFAULT_MAGNITUDE[spec.type];
    for (let k = 0; k < spec.count; k++) {
      const own = rng.fork(`${i}:${k}`);
      const spot = findSpot(deviceChoices, columnChoices, len, timing.rows, lineOf, own);
      if (!spot) {
        throw new TsiotError(
          'invalid_input',
          `anomalies[${i}].count: no room for ${spec.count} non-overlapping ${spec.type} anomalies of ${len} samples each (placed ${k}); lower the count or the duration, or allow more devices or sensors`,
          { details: { field: `anomalies.${i}.count`, placed: k, samplesEach: len, rows: timing.rows } },
        );
      }
      lineOf(spot.device, spot.column).add(spot.start, spot.start + len - 1);
      perDevice[spot.device]!.push({
        type: spec.type,
        column: spot.column,
        startRow: spot.start,
        endRow: spot.start + len - 1,
        magnitude,
        sign: signOf(spec.type, own),
        rng: own,
      });
    }
  }
  for (const list of perDevice) list.sort((a, b) => a.startRow - b.startRow || a.column - b.column);
  return perDevice;
}

function findSpot(
  devices: readonly number[],
  columns: readonly number[],
  len: number,
  rows: number,
  lineOf: (d: number, c: number) => IntervalSet,
  rng: Rng,
): { device: number; column: number; start: number } | null {
  for (let t = 0; t < RANDOM_TRIES; t++) {
    const device = devices[Math.floor(rng.next() * devices.length)]!;
    const column = columns[Math.floor(rng.next() * columns.length)]!;
    const start = lineOf(device, column).place(0, rows - 1, len, MARGIN, rng.next());
    if (start >= 0) return { device, column, start };
  }
  // crowded: scan every eligible line from a random offset
  const pairs = devices.length * columns.length;
  const offset = Math.floor(rng.next() * pairs);
  for (let j = 0; j < pairs; j++) {
    const idx = (offset + j) % pairs;
    const device = devices[Math.floor(idx / columns.length)]!;
    const column = columns[idx % columns.length]!;
    const start = lineOf(device, column).place(0, rows - 1, len, MARGIN, rng.next());
    if (start >= 0) return { device, column, start };
  }
  return null;
}

function eligibleDevices(spec: AnomalySpec, i: number, devices: number): number[] {
  if (!spec.devices) return Array.from({ length: devices }, (_, d) => d);
  const bad = spec.devices.find((d) => d >= devices);
  if (bad !== undefined || spec.devices.length === 0) {
    throw new TsiotError(
      'invalid_input',
      spec.devices.length === 0
        ? `anomalies[${i}].devices: give at least one device index, or leave it out for all devices`
        : `anomalies[${i}].devices: device index ${bad} does not exist; indices are 0-based and below devices (${devices})`,
      { details: { field: `anomalies.${i}.devices`, example: [0] } },
    );
  }
  return [...new Set(spec.devices)].sort((a, b) => a - b);
}

function eligibleColumns(spec: AnomalySpec, i: number, sensors: readonly SensorModel[]): number[] {
  let candidates = sensors;
  if (spec.sensor !== undefined) {
    const byName = sensors.filter((s) => s.name === spec.sensor);
    candidates = byName.length ? byName : sensors.filter((s) => s.type === spec.sensor);
    if (!candidates.length) {
      throw new TsiotError(
        'invalid_input',
        `anomalies[${i}].sensor: no sensor named or of type "${spec.sensor}"; the sensors are ${sensors.map((s) => `"${s.name}"`).join(', ')}`,
        {
          details: { field: `anomalies.${i}.sensor`, example: sensors[0]!.name },
        },
      );
    }
  }
  const fit = candidates.filter((s) => s.anomalies.includes(spec.type));
  if (!fit.length) {
    const s = candidates[0]!;
    throw new TsiotError(
      'invalid_input',
      `anomalies[${i}].type: ${spec.type} does not apply to ${spec.sensor !== undefined ? `sensor "${s.name}" (${s.type})` : 'any of the sensors'}; use one of ${s.anomalies.join(', ')}`,
      {
        details: { field: `anomalies.${i}.type`, example: s.anomalies[0] },
      },
    );
  }
  return fit.map((s) => s.index);
}

/** Samples an anomaly lasts: as given (at least one), or the type's default capped to a quarter of the span. */
function durationRows(spec: AnomalySpec, i: number, timing: Timing): number {
  if (spec.duration !== undefined) {
    const ms = parseDuration(spec.duration, `anomalies[${i}].duration`);
    return Math.min(timing.rows, Math.max(1, Math.round(ms / timing.intervalMs)));
  }
  const ms = DEFAULT_DURATION_MS[spec.type];
  if (ms === 0) return 1;
  return Math.max(1, Math.min(Math.round(ms / timing.intervalMs), Math.floor(timing.rows / 4)));
}

function signOf(type: AnomalyType, rng: Rng): 1 | -1 {
  if (type === 'dip') return -1;
  if (type === 'drift' || type === 'level_shift') return rng.next() < 0.5 ? -1 : 1;
  return 1;
}
