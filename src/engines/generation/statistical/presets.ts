import type { AnomalyType, SensorType } from './schema.js';

/**
 * Sensor presets: units, physical ranges and typical behaviour. Noise is
 * described in physical time (a time constant and a stationary standard
 * deviation) and turned into per-sample AR coefficients for the requested
 * interval, so a preset looks the same at 1 s and at 15 min sampling.
 */

/** How a sensor's values come out of the components. */
export type SensorKind =
  /** level + trend + seasonalities + noise */
  | 'continuous'
  /** monotonic counter: the components give a non-negative consumption rate per hour, the values are its running total */
  | 'counter'
  /** Li-ion voltage on a discharge curve, plus the components */
  | 'battery'
  /** 0/1 state of a two-state Markov chain whose probability of being 1 follows the components */
  | 'binary';

export interface SeasonalityPreset {
  periodMs: number;
  amplitude: number;
  harmonics: number;
  /** As in the schema: the cycle peaks at fraction phase + 0.25 of the epoch-aligned period. */
  phase: number;
}

export interface SensorPreset {
  type: SensorType;
  kind: SensorKind;
  unit: string;
  range?: { min: number; max: number };
  level: number;
  /** Standard deviation of the per-device level at variation = 1 (for counters: of the hourly rate). */
  levelSpread: number;
  /** Values below zero are physically impossible (floored at 0 before any clipping). */
  nonNegative: boolean;
  seasonalities: SeasonalityPreset[];
  /** White measurement noise standard deviation. */
  whiteStd: number;
  /** Coloured (AR(1)) noise: time constant and stationary standard deviation; absent for none. */
  wander?: { timeConstantMs: number; std: number };
  /** Anomaly types that make sense for this sensor. */
  anomalies: readonly AnomalyType[];
  /** One line for the generator description. */
  summary: string;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const ALL_ANOMALIES = ['spike', 'dip', 'stuck', 'drift', 'level_shift', 'noise_burst', 'degradation'] as const;

/** The schema's phase for a daily cycle that peaks at `hour` UTC. */
export function dailyPeakPhase(hour: number): number {
  return mod1(hour / 24 - 0.25);
}

/**
 * The schema's phase for a weekly cycle peaking at `day` days after Monday
 * 00:00 UTC (the epoch, 1970-01-01, was a Thursday).
 */
export function weeklyPeakPhase(daysAfterMonday: number): number {
  return mod1((daysAfterMonday - 3) / 7 - 0.25);
}

function mod1(x: number): number {
  return x - Math.floor(x);
}

export const PRESETS: Record<SensorType, SensorPreset> = {
  temperature: {
    type: 'temperature',
    kind: 'continuous',
    unit: '°C',
    range: { min: -40, max: 85 },
    level: 21,
    levelSpread: 2,
    nonNegative: false,
    seasonalities: [{ periodMs: DAY, amplitude: 3, harmonics: 1, phase: dailyPeakPhase(15) }],
    whiteStd: 0.05,
    wander: { timeConstantMs: 0.5 * HOUR, std: 0.4 },
    anomalies: ALL_ANOMALIES,
    summary:
      'temperature: °C, range -40..85, level 21, daily cycle ±3 peaking 15:00 UTC, AR wander (30 min, σ 0.4) + white σ 0.05.',
  },
  humidity: {
    type: 'humidity',
    kind: 'continuous',
    unit: '%RH',
    range: { min: 0, max: 100 },
    level: 45,
    levelSpread: 6,
    nonNegative: true,
    seasonalities: [{ periodMs: DAY, amplitude: 8, harmonics: 1, phase: dailyPeakPhase(3) }],
    whiteStd: 0.3,
    wander: { timeConstantMs: HOUR, std: 2 },
    anomalies: ALL_ANOMALIES,
    summary:
      'humidity: %RH, range 0..100, level 45, daily cycle ±8 in anti-phase to temperature (peak 03:00 UTC), AR wander (1 h, σ 2) + white σ 0.3.',
  },
  pressure: {
    type: 'pressure',
    kind: 'continuous',
    unit: 'hPa',
    range: { min: 300, max: 1100 },
    level: 1013.25,
    levelSpread: 3,
    nonNegative: true,
    seasonalities: [{ periodMs: 12 * HOUR, amplitude: 0.6, harmonics: 1, phase: mod1(10 / 12 - 0.25) }],
    whiteStd: 0.05,
    wander: { timeConstantMs: 12 * HOUR, std: 6 },
    anomalies: ALL_ANOMALIES,
    summary:
      'pressure: hPa, range 300..1100, level 1013.25, slow weather wander (AR, 12 h, σ 6), semidiurnal tide ±0.6 (peaks 10:00/22:00 UTC), white σ 0.05.',
  },
  vibration: {
    type: 'vibration',
    kind: 'continuous',
    unit: 'mm/s',
    range: { min: 0, max: 50 },
    level: 2.5,
    levelSpread: 0.8,
    nonNegative: true,
    seasonalities: [],
    whiteStd: 0.3,
    wander: { timeConstantMs: 5 * 60_000, std: 0.4 },
    anomalies: ALL_ANOMALIES,
    summary:
      'vibration: mm/s RMS, range 0..50, never negative, level 2.5, noisy (AR 5 min σ 0.4 + white σ 0.3), no cycle; degradation models a bearing fault.',
  },
  power: {
    type: 'power',
    kind: 'continuous',
    unit: 'W',
    range: { min: 0, max: 10_000 },
    level: 400,
    levelSpread: 80,
    nonNegative: true,
    seasonalities: [
      { periodMs: DAY, amplitude: 250, harmonics: 3, phase: dailyPeakPhase(13) },
      { periodMs: WEEK, amplitude: 100, harmonics: 2, phase: weeklyPeakPhase(2.5) },
    ],
    whiteStd: 10,
    wander: { timeConstantMs: 15 * 60_000, std: 40 },
    anomalies: ALL_ANOMALIES,
    summary:
      'power: W, range 0..10000, never negative, level 400, business-hours pattern (daily ±250 with 3 harmonics peaking 13:00 UTC, weekly ±100 peaking Wednesday, low at weekends), AR (15 min, σ 40) + white σ 10.',
  },
  energy: {
    type: 'energy',
    kind: 'counter',
    unit: 'kWh',
    range: { min: 0, max: 1e9 },
    level: 0.4,
    levelSpread: 0.08,
    nonNegative: true,
    seasonalities: [
      { periodMs: DAY, amplitude: 0.25, harmonics: 3, phase: dailyPeakPhase(13) },
      { periodMs: WEEK, amplitude: 0.1, harmonics: 2, phase: weeklyPeakPhase(2.5) },
    ],
    whiteStd: 0.02,
    wander: { timeConstantMs: 30 * 60_000, std: 0.05 },
    anomalies: ALL_ANOMALIES,
    summary:
      'energy: kWh meter reading, a monotonic counter starting at a random reading per device. level/trend/seasonalities/noise describe the consumption rate in kWh per hour (default 0.4 with the power business-hours pattern), floored at 0 and summed over time, so readings never decrease. Anomalies act on the consumption (spike = burst, dip = drop, …) except stuck, which freezes the reading until it catches up.',
  },
  battery: {
    type: 'battery',
    kind: 'battery',
    unit: 'V',
    range: { min: 2.5, max: 4.25 },
    level: 4.2,
    levelSpread: 0,
    nonNegative: true,
    seasonalities: [{ periodMs: DAY, amplitude: 0.01, harmonics: 1, phase: dailyPeakPhase(15) }],
    whiteStd: 0.002,
    wander: { timeConstantMs: HOUR, std: 0.003 },
    anomalies: ALL_ANOMALIES,
    summary:
      'battery: V, range 2.5..4.25, Li-ion cell starting at `level` (default 4.2 V, full) and draining along a discharge curve towards 3.0 V over `dischargeDays` (default 21), tiny noise, clipped to range.',
  },
  occupancy: {
    type: 'occupancy',
    kind: 'binary',
    unit: '0/1',
    range: { min: 0, max: 1 },
    level: 0.3,
    levelSpread: 0.1,
    nonNegative: true,
    seasonalities: [
      { periodMs: DAY, amplitude: 0.3, harmonics: 2, phase: dailyPeakPhase(13) },
      { periodMs: WEEK, amplitude: 0.1, harmonics: 1, phase: weeklyPeakPhase(2.5) },
    ],
    whiteStd: 0,
    anomalies: ['spike', 'dip', 'stuck', 'noise_burst'],
    summary:
      'occupancy: 0/1 state from a two-state Markov chain; level/trend/seasonalities give the probability of being occupied (default 0.3 with a daytime, weekday peak), switches about every 30 min; noise options are ignored. Anomalies: spike (false 1), dip (false 0), stuck, noise_burst (chatter).',
  },
  custom: {
    type: 'custom',
    kind: 'continuous',
    unit: '',
    level: 0,
    levelSpread: 0,
    nonNegative: false,
    seasonalities: [],
    whiteStd: 0,
    anomalies: ALL_ANOMALIES,
    summary: 'custom: level 0, no unit, range, cycle or noise; build it from level, trend, seasonalities and noise.',
  },
};

/** Mean time between state switches of an occupancy sensor at probability 0.5. */
export const OCCUPANCY_SWITCH_MS = 30 * 60_000;

/** Default full-to-empty time of a battery sensor. */
export const BATTERY_DISCHARGE_DAYS = 21;

/**
 * Li-ion open-circuit voltage against state of charge (NMC cell), the
 * discharge curve of the battery preset: steep near full and near empty, a
 * plateau in between.
 */
export const LI_ION_CURVE: ReadonlyArray<readonly [soc: number, volts: number]> = [
  [0, 3.0],
  [0.05, 3.3],
  [0.1, 3.45],
  [0.2, 3.58],
  [0.3, 3.65],
  [0.4, 3.7],
  [0.5, 3.75],
  [0.6, 3.8],
  [0.7, 3.87],
  [0.8, 3.95],
  [0.9, 4.05],
  [1, 4.2],
];

/** Default anomaly size in multiples of the sensor noise scale. */
export const DEFAULT_MAGNITUDE: Record<AnomalyType, number> = {
  spike: 8,
  dip: 8,
  stuck: 0,
  drift: 6,
  level_shift: 5,
  noise_burst: 4,
  degradation: 6,
};

/** Default anomaly duration in ms; 0 means one sample. */
export const DEFAULT_DURATION_MS: Record<AnomalyType, number> = {
  spike: 0,
  dip: 0,
  stuck: 2 * HOUR,
  drift: DAY,
  level_shift: 6 * HOUR,
  noise_burst: 30 * 60_000,
  degradation: 2 * DAY,
};
