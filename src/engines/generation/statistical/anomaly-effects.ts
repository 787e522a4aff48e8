import type { PlacedAnomaly } from './anomalies.js';

/**
 * What each anomaly does to the values of its rows, and nothing outside them,
 * so a label's interval is exactly where the data deviates. `scale` is the
 * sensor's noise scale on the device; deviations are `magnitude` multiples of it.
 * Each function returns the label details.
 */

export function applyAnomaly(values: Float64Array, a: PlacedAnomaly, scale: number): Record<string, unknown> {
  const { startRow: s, endRow: e, magnitude: m, sign } = a;
  const len = e - s + 1;
  const size = m * scale;
  switch (a.type) {
    case 'spike':
    case 'dip':
    case 'level_shift':
      for (let r = s; r <= e; r++) values[r]! += sign * size;
      return { magnitude: m, offset: sign * size };
    case 'stuck':
      return freeze(values, a);
    case 'drift':
      for (let r = s; r <= e; r++) values[r]! += (sign * size * (r - s + 1)) / len;
      return { magnitude: m, finalOffset: sign * size };
    case 'noise_burst':
      for (let r = s; r <= e; r++) values[r]! += size * a.rng.normal();
      return { magnitude: m, extraStd: size };
    case 'degradation':
      for (let r = s; r <= e; r++) {
        const f = (r - s + 1) / len;
        values[r]! += size * f * f + 0.5 * size * f * a.rng.normal();
      }
      return { magnitude: m, finalOffset: size, finalExtraStd: 0.5 * size };
  }
}

/** Hold the value of the first row over the whole interval (a frozen reading); details.value is that value before quantisation or clipping. */
export function freeze(values: Float64Array, a: PlacedAnomaly): Record<string, unknown> {
  const v = values[a.startRow]!;
  values.fill(v, a.startRow, a.endRow + 1);
  return { value: v };
}

/** 0/1 sensors: spike forces 1, dip forces 0, stuck holds, noise_burst chatters at random. */
export function applyBinaryAnomaly(values: Float64Array, a: PlacedAnomaly): Record<string, unknown> {
  switch (a.type) {
    case 'spike':
    case 'dip': {
      const v = a.type === 'spike' ? 1 : 0;
      values.fill(v, a.startRow, a.endRow + 1);
      return { value: v };
    }
    case 'noise_burst':
      for (let r = a.startRow; r <= a.endRow; r++) values[r] = a.rng.next() < 0.5 ? 0 : 1;
      return { chatter: true };
    default:
      return freeze(values, a);
  }
}
