import { TsiotError } from '../../../core/errors.js';
import { parseDuration, parseTime } from '../../../core/time.js';
import {
  armaFromArPlusWhite,
  arUnitVariance,
  isStationary,
  stationaryStateFactor,
  unitAutocovariance,
  type Arma,
} from './arma.js';
import type { Matrix } from './linalg.js';
import { BATTERY_DISCHARGE_DAYS, OCCUPANCY_SWITCH_MS, PRESETS, type SensorKind } from './presets.js';
import type { AnomalyType, SensorSpec, SensorType, StatisticalParams } from './schema.js';
import type { Timing } from './timing.js';

const DAY_MS = 86_400_000;

export interface SeasonalModel {
  periodMs: number;
  amplitude: number;
  harmonics: number;
  /** Fraction of the period; the cycle peaks at phase + 0.25. */
  phase: number;
}

/** Piecewise-linear trend in absolute time: slope (per ms) from the start, changed at each breakpoint. */
export interface TrendModel {
  slopePerMs: number;
  breakpoints: { t: number; slopePerMs: number }[];
}

export interface NoiseModel {
  /** White + AR noise as one ARMA process (σ before per-device scaling). */
  arma: Arma;
  /** Stationary standard deviation of that process. */
  std: number;
  /** Cholesky factor of the unit-variance stationary state, to start the recursion in equilibrium. */
  stateFactor: Matrix;
  walkStd: number;
  heteroscedastic: number;
}

/** One sensor with preset and overrides merged, the same for every device (per-device variation comes later). */
export interface SensorModel {
  index: number;
  name: string;
  type: SensorType;
  kind: SensorKind;
  unit: string;
  range?: { min: number; max: number };
  nonNegative: boolean;
  level: number;
  levelSpread: number;
  trend: TrendModel;
  seasonalities: SeasonalModel[];
  noise: NoiseModel;
  regimeShifts?: { count: number; magnitude: number };
  /** The unit anomaly magnitudes are multiples of: the stationary noise std (counters: the hourly rate). */
  scale: number;
  /** battery: full-to-empty time. */
  dischargeMs: number;
  /** occupancy: mean time between switches at probability 0.5. */
  switchMs: number;
  anomalies: readonly AnomalyType[];
}

/** Merge presets and overrides for every sensor, validating what the schema cannot. */
export function resolveSensors(params: StatisticalParams, timing: Timing): SensorModel[] {
  const names = columnNames(params.sensors);
  return params.sensors.map((spec, i) => resolveSensor(spec, i, names[i]!, timing));
}

function columnNames(sensors: readonly SensorSpec[]): string[] {
  const used = new Set<string>();
  sensors.forEach((s, i) => {
    if (s.name === undefined) return;
    if (used.has(s.name)) {
      throw new TsiotError(
        'invalid_input',
        `sensors[${i}].name: "${s.name}" is used by another sensor; column names must be unique`,
        {
          details: { field: `sensors.${i}.name`, example: `${s.name}_2` },
        },
      );
    }
    used.add(s.name);
  });
  return sensors.map((s) => {
    if (s.name !== undefined) return s.name;
    let name: string = s.type;
    for (let k = 2; used.has(name); k++) name = `${s.type}_${k}`;
    used.add(name);
    return name;
  });
}

function resolveSensor(spec: SensorSpec, i: number, name: string, timing: Timing): SensorModel {
  const preset = PRESETS[spec.type];
  const field = `sensors[${i}]`;
  const range = spec.range ?? preset.range;
  if (range && !(range.min < range.max)) {
    throw new TsiotError('invalid_input', `${field}.range: min must be below max, got ${JSON.stringify(range)}`, {
      details: { field: `sensors.${i}.range`, example: { min: -40, max: 85 } },
    });
  }
  if (spec.dischargeDays !== undefined && preset.kind !== 'battery') {
    throw new TsiotError(
      'invalid_input',
      `${field}.dischargeDays: applies only to battery sensors (this one is ${spec.type})`,
      {
        details: { field: `sensors.${i}.dischargeDays` },
      },
    );
  }
  const level = spec.level ?? preset.level;
  const seasonalities = spec.seasonalities
    ? spec.seasonalities.map((s, k) => {
        const periodMs = parseDuration(s.period, `${field}.seasonalities[${k}].period`);
        if (!(periodMs > 0)) {
          throw new TsiotError(
            'invalid_input',
            `${field}.seasonalities[${k}].period: must be longer than 0, e.g. "1d"`,
            {
              details: { field: `sensors.${i}.seasonalities.${k}.period`, example: '1d' },
            },
          );
        }
        return { periodMs, amplitude: s.amplitude, harmonics: s.harmonics, phase: s.phase };
      })
    : preset.seasonalities.map((s) => ({ ...s }));
  const noise = resolveNoise(spec, i, timing);
  const maxAmplitude = seasonalities.reduce((m, s) => Math.max(m, Math.abs(s.amplitude)), 0);
  const fallbackScale = range
    ? 0.01 * (range.max - range.min)
    : Math.max(Math.abs(level) * 0.05, maxAmplitude * 0.1) || 1;
  const scale =
    preset.kind === 'counter'
      ? Math.max(Math.abs(level), noise.std) || fallbackScale
      : noise.std > 0
        ? noise.std
        : fallbackScale;
  return {
    index: i,
    name,
    type: spec.type,
    kind: preset.kind,
    unit: spec.unit ?? preset.unit,
    ...(range ? { range: { min: range.min, max: range.max } } : {}),
    nonNegative: preset.nonNegative,
    level,
    levelSpread: preset.type === 'custom' ? Math.max(Math.abs(level) * 0.1, noise.std) : preset.levelSpread,
    trend: resolveTrend(spec, timing, field),
    seasonalities,
    noise,
    ...(spec.regimeShifts && spec.regimeShifts.count > 0 && spec.regimeShifts.magnitude > 0
      ? { regimeShifts: { ...spec.regimeShifts } }
      : {}),
    scale,
    dischargeMs: (spec.dischargeDays ?? BATTERY_DISCHARGE_DAYS) * DAY_MS,
    switchMs: OCCUPANCY_SWITCH_MS,
    anomalies: preset.anomalies,
  };
}

function resolveTrend(spec: SensorSpec, timing: Timing, field: string): TrendModel {
  const slope = (spec.trend?.slope ?? 0) / DAY_MS;
  const span = timing.rows * timing.intervalMs;
  const breakpoints = (spec.trend?.breakpoints ?? [])
    .map((b, k) => ({
      t:
        typeof b.at === 'number' && b.at >= 0 && b.at <= 1
          ? timing.start + b.at * span
          : parseTime(b.at, `${field}.trend.breakpoints[${k}].at`),
      slopePerMs: b.slope / DAY_MS,
    }))
    .sort((a, b) => a.t - b.t);
  return { slopePerMs: slope, breakpoints };
}

function resolveNoise(spec: SensorSpec, i: number, timing: Timing): NoiseModel {
  const preset = PRESETS[spec.type];
  const n = spec.noise ?? {};
  const whiteStd = n.std ?? preset.whiteStd;
  let phi: number[];
  let arStd: number;
  if (n.ar !== undefined) {
    phi = n.ar;
    if (!isStationary(phi)) {
      throw new TsiotError(
        'invalid_input',
        `sensors[${i}].noise.ar: ${JSON.stringify(phi)} does not describe a stationary process (it would grow without bound); keep every root of 1 − Σ φ_k z^k outside the unit circle, e.g. |φ| < 1 for AR(1) or [0.6, 0.2] for AR(2)`,
        { details: { field: `sensors.${i}.noise.ar`, example: [0.8] } },
      );
    }
    // keep the preset's wander size unless the innovation std is given
    arStd = n.arStd ?? (preset.wander ? preset.wander.std / Math.sqrt(arUnitVariance(phi)) : phi.length ? 1 : 0);
  } else if (preset.wander) {
    const f = Math.exp(-timing.intervalMs / preset.wander.timeConstantMs);
    phi = f > 1e-12 ? [f] : [];
    arStd = n.arStd ?? preset.wander.std * Math.sqrt(1 - f * f);
  } else {
    phi = [];
    arStd = n.arStd ?? 0;
  }
  const arma = preset.kind === 'binary' ? { phi: [], theta: [], sigma: 0 } : armaFromArPlusWhite(phi, arStd, whiteStd);
  const std = arma.sigma * Math.sqrt(unitAutocovariance(arma, 0)[0]!);
  return {
    arma,
    std,
    stateFactor: stationaryStateFactor(arma),
    walkStd: preset.kind === 'binary' ? 0 : (n.randomWalkStd ?? 0),
    heteroscedastic: n.heteroscedastic ?? 0,
  };
}
