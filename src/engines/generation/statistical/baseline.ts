import { LI_ION_CURVE } from './presets.js';
import type { TrendModel } from './sensor-model.js';
import type { Timing } from './timing.js';

/**
 * The slowly moving part of a sensor on one device: level, piecewise-linear
 * trend, regime shifts and (for batteries) the discharge curve, all
 * piecewise linear in time. It is kept as a value and slope at the start plus
 * events (a jump and/or a change of slope at a time), which sum cleanly.
 */
export interface Baseline {
  /** Value at timing.start. */
  value: number;
  /** Slope per ms at timing.start. */
  slope: number;
  /** Sorted by time, all after timing.start. */
  events: BaselineEvent[];
}

export interface BaselineEvent {
  t: number;
  jump: number;
  dslope: number;
}

/** On rows [fromRow, next segment's fromRow) the baseline is a + b·row. */
export interface LineSegment {
  fromRow: number;
  a: number;
  b: number;
}

/** A constant level with a piecewise-linear trend. */
export function trendBaseline(level: number, trend: TrendModel, start: number): Baseline {
  let initial = trend.slopePerMs;
  let current = initial;
  const events: BaselineEvent[] = [];
  for (const bp of trend.breakpoints) {
    // breakpoints are sorted; those at or before the start only set the initial slope
    if (bp.t <= start) initial = bp.slopePerMs;
    else events.push({ t: bp.t, jump: 0, dslope: bp.slopePerMs - current });
    current = bp.slopePerMs;
  }
  return { value: level, slope: initial, events };
}

/**
 * A Li-ion cell draining linearly in state of charge from `soc0` (0..1) to
 * empty over `dischargeMs`, seen through the open-circuit voltage curve; flat
 * at the empty voltage afterwards.
 */
export function dischargeBaseline(soc0: number, dischargeMs: number, start: number): Baseline {
  const curve = LI_ION_CURVE;
  if (soc0 <= 0) return { value: curve[0]![1], slope: 0, events: [] };
  const s = Math.min(soc0, 1);
  let j = 0;
  while (j < curve.length - 2 && curve[j + 1]![0] < s) j++;
  const dvds = (k: number) => (curve[k + 1]![1] - curve[k]![1]) / (curve[k + 1]![0] - curve[k]![0]);
  const value = curve[j]![1] + dvds(j) * (s - curve[j]![0]);
  let slope = -dvds(j) / dischargeMs;
  const initial = slope;
  const events: BaselineEvent[] = [];
  for (let k = j; k >= 0; k--) {
    const next = k > 0 ? -dvds(k - 1) / dischargeMs : 0;
    events.push({ t: start + (s - curve[k]![0]) * dischargeMs, jump: 0, dslope: next - slope });
    slope = next;
  }
  return { value, slope: initial, events: events.filter((e) => e.t > start) };
}

/** Pointwise sum of baselines. */
export function sumBaselines(parts: readonly Baseline[]): Baseline {
  return {
    value: parts.reduce((s, p) => s + p.value, 0),
    slope: parts.reduce((s, p) => s + p.slope, 0),
    events: parts.flatMap((p) => p.events).sort((x, y) => x.t - y.t),
  };
}

/** The baseline on the regular grid as row segments (later segments at the same row replace earlier ones). */
export function lineSegments(b: Baseline, timing: Timing): LineSegment[] {
  const { start, intervalMs, rows } = timing;
  let v = b.value;
  let s = b.slope;
  let tRef = start;
  const segments: LineSegment[] = [{ fromRow: 0, a: v, b: s * intervalMs }];
  for (const e of b.events) {
    v += s * (e.t - tRef) + e.jump;
    s += e.dslope;
    tRef = e.t;
    const fromRow = Math.ceil((e.t - start) / intervalMs);
    if (fromRow >= rows) break;
    const seg = { fromRow, a: v + s * (start - tRef), b: s * intervalMs };
    if (segments[segments.length - 1]!.fromRow === fromRow) segments[segments.length - 1] = seg;
    else segments.push(seg);
  }
  return segments;
}

/** Evaluates a baseline at increasing times (irregular sampling), one pass. */
export class BaselineCursor {
  private k = 0;
  private v: number;
  private s: number;
  private tRef: number;

  constructor(
    private readonly b: Baseline,
    start: number,
  ) {
    this.v = b.value;
    this.s = b.slope;
    this.tRef = start;
  }

  /** Value at t; t must not decrease between calls. */
  at(t: number): number {
    const ev = this.b.events;
    while (this.k < ev.length && ev[this.k]!.t <= t) {
      const e = ev[this.k++]!;
      this.v += this.s * (e.t - this.tRef) + e.jump;
      this.s += e.dslope;
      this.tRef = e.t;
    }
    return this.v + this.s * (t - this.tRef);
  }
}
