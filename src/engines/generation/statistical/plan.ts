import { parseDuration } from '../../../core/time.js';
import { resolveCorrelation, type CorrelationPlan } from './correlation.js';
import type { AnomalySpec, StatisticalParams } from './schema.js';
import { resolveSensors, type SensorModel } from './sensor-model.js';
import { resolveTiming, type Timing } from './timing.js';

export interface Imperfections {
  jitterMs: number;
  irregular: number;
  missingRate: number;
  gaps: { count: number; maxRows: number } | null;
  clip: boolean;
  quantize: number | null;
}

/** A request with presets merged and everything validated: what every device is generated from. */
export interface Plan {
  timing: Timing;
  devices: number;
  devicePrefix: string;
  variation: number;
  sensors: SensorModel[];
  correlation: CorrelationPlan | null;
  anomalies: readonly AnomalySpec[];
  imperfections: Imperfections;
}

/** Resolve and validate parameters (throws invalid_input naming the field). */
export function resolvePlan(params: StatisticalParams): Plan {
  const timing = resolveTiming(params);
  const sensors = resolveSensors(params, timing);
  const imp = params.imperfections ?? {};
  const maxGapMs = imp.gaps ? parseDuration(imp.gaps.maxDuration, 'imperfections.gaps.maxDuration') : 0;
  return {
    timing,
    devices: params.devices,
    devicePrefix: params.devicePrefix,
    variation: params.variation,
    sensors,
    correlation: resolveCorrelation(params.correlation, sensors),
    anomalies: params.anomalies,
    imperfections: {
      jitterMs: imp.jitter !== undefined ? parseDuration(imp.jitter, 'imperfections.jitter') : 0,
      irregular: imp.irregular ?? 0,
      missingRate: imp.missingRate ?? 0,
      gaps: imp.gaps ? { count: imp.gaps.count, maxRows: Math.max(1, Math.floor(maxGapMs / timing.intervalMs)) } : null,
      clip: imp.clip ?? true,
      quantize: imp.quantize ?? null,
    },
  };
}

/** Values (rows × sensors × devices) a request produces, before gaps remove rows; computed without generating. */
export function estimateValues(params: StatisticalParams): number {
  return resolveTiming(params).rows * params.sensors.length * params.devices;
}

/** Device id for a 0-based index: `${prefix}-${index + 1}`, zero-padded to at least 3 digits. */
export function deviceId(prefix: string, index: number): string {
  return `${prefix}-${String(index + 1).padStart(3, '0')}`;
}
