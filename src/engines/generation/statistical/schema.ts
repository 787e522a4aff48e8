import { z } from 'zod';
import { MAX_PARAMETER_MAGNITUDE } from '../../../core/limits.js';
import { DurationSchema, TimeSchema } from '../../../core/time.js';

const BOUND = `at most ${MAX_PARAMETER_MAGNITUDE.toExponential()} in size, so the series stays finite`;
/** A value in the sensor unit (level, amplitude, slope, bound): finite and far inside the double range. */
const physical = () => z.number().min(-MAX_PARAMETER_MAGNITUDE, BOUND).max(MAX_PARAMETER_MAGNITUDE, BOUND);
/** A non-negative spread in the sensor unit (noise, step, shift size). */
const scale = () => z.number().min(0).max(MAX_PARAMETER_MAGNITUDE, BOUND);

/**
 * Parameters of the statistical generator. This schema is the public contract:
 * it is shown to models in the MCP tool schema, validated on REST and in the
 * CLI, and documented through describe_generator.
 */

export { ANOMALY_TYPES, type AnomalyType, SENSOR_TYPES, type SensorType } from './kinds.js';
import { ANOMALY_TYPES, SENSOR_TYPES } from './kinds.js';

export const SeasonalitySchema = z
  .object({
    period: DurationSchema.describe(
      'Length of one cycle: "1d" daily, "1w" weekly, or any custom duration such as "90m".',
    ),
    amplitude: physical().describe('Peak deviation from the level, in the sensor unit.'),
    harmonics: z
      .number()
      .int()
      .min(1)
      .max(12)
      .default(1)
      .describe(
        'Number of harmonics (1 = a pure sine; more gives sharper, non-sinusoidal cycles). Harmonic k has amplitude amplitude/k.',
      ),
    phase: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe(
        'Where the cycle peaks, as a fraction of the period after the epoch-aligned start (0..1). For a daily cycle peaking at 15:00 UTC use 0.625 - 0.25 = 0.375.',
      ),
  })
  .describe('A periodic component, aligned to the Unix epoch so that a daily cycle follows UTC clock time.');

export const TrendSchema = z
  .object({
    slope: physical().default(0).describe('Linear change per day, in the sensor unit.'),
    breakpoints: z
      .array(
        z.object({
          at: z
            .union([TimeSchema, z.number().min(0).max(1)])
            .describe('When the slope changes: a time, or a fraction (0..1) of the generated span.'),
          slope: physical().describe('The new slope per day from this point on.'),
        }),
      )
      .default([])
      .describe('Piecewise-linear trend: the slope changes at each breakpoint (the trend stays continuous).'),
  })
  .describe('Linear or piecewise-linear trend.');

export const NoiseSchema = z
  .object({
    std: scale()
      .optional()
      .describe('Standard deviation of white measurement noise, in the sensor unit. Default from the sensor preset.'),
    ar: z
      .array(z.number().min(-100).max(100))
      .max(8)
      .optional()
      .describe(
        'AR(p) coefficients of a coloured noise process, e.g. [0.8] or [0.6, 0.2]. Must describe a stationary process.',
      ),
    arStd: scale().optional().describe('Standard deviation of the AR process innovations, in the sensor unit.'),
    randomWalkStd: scale()
      .optional()
      .describe('Step standard deviation of an added random walk (slow wandering), in the sensor unit per sample.'),
    heteroscedastic: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe(
        '0..1: how much the noise level follows the first seasonality (noisier at the peak of the cycle). 0 = constant noise.',
      ),
  })
  .describe('Stochastic components. Fields left out take the sensor preset defaults.');

export const RegimeShiftSchema = z
  .object({
    count: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(1)
      .describe('How many level shifts occur per device over the span.'),
    magnitude: scale().describe('Standard deviation of each shift, in the sensor unit.'),
  })
  .describe(
    'Regime changes: the level moves by a random amount at random times and stays there. Part of normal behaviour, not labelled as anomalies.',
  );

export const SensorSchema = z
  .object({
    type: z
      .enum(SENSOR_TYPES)
      .default('temperature')
      .describe(
        'Sensor preset with realistic unit, range and behaviour: temperature (°C), humidity (%RH), pressure (hPa), vibration (mm/s RMS), power (W), energy (kWh, monotonic counter), battery (V, draining), occupancy (0/1 state), custom (no defaults).',
      ),
    name: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe('Column name; defaults to the type (suffixed _2, _3 when repeated).'),
    unit: z.string().max(32).optional().describe('Override the preset unit.'),
    range: z
      .object({ min: physical(), max: physical() })
      .optional()
      .describe(
        'Physical range the sensor can report, e.g. {"min": -40, "max": 85}. Used for clipping and out-of-range checks.',
      ),
    level: physical().optional().describe('Baseline value around which the sensor varies (in its unit).'),
    trend: TrendSchema.optional(),
    seasonalities: z
      .array(SeasonalitySchema)
      .max(8)
      .optional()
      .describe('Periodic components; replaces the preset ones when given ([] for none).'),
    noise: NoiseSchema.optional(),
    regimeShifts: RegimeShiftSchema.optional(),
    dischargeDays: z
      .number()
      .positive()
      .max(36_500)
      .optional()
      .describe(
        'battery only: days for a full cell (4.2 V) to drain to empty (3.0 V) along the Li-ion discharge curve; default 21, varied per device.',
      ),
  })
  .describe('One sensor (one value column per device).');

export const AnomalySchema = z
  .object({
    type: z
      .enum(ANOMALY_TYPES)
      .describe(
        'spike: short positive outlier; dip: short negative outlier; stuck: value frozen (flat-line); drift: slowly growing offset (calibration drift); level_shift: sudden lasting step; noise_burst: noise several times larger; degradation: growing level and noise (e.g. a bearing fault in vibration).',
      ),
    count: z.number().int().min(1).max(10_000).default(1).describe('How many to inject in total across the fleet.'),
    sensor: z
      .string()
      .optional()
      .describe('Column name (or sensor type) to inject into; default: a sensor chosen at random per anomaly.'),
    devices: z
      .array(z.number().int().min(0))
      .optional()
      .describe('Device indices (0-based) eligible for this anomaly; default: all devices.'),
    magnitude: z
      .number()
      .positive()
      .max(1_000_000)
      .optional()
      .describe(
        'Size in multiples of the sensor noise scale (default depends on type: spike 8, drift 6, level_shift 5, degradation 6).',
      ),
    duration: DurationSchema.optional().describe(
      'How long the anomaly lasts; default depends on type (spike: one sample, stuck: 2h, drift: 1d …), capped to the span.',
    ),
  })
  .describe('An anomaly to inject. Each one is returned as a labelled interval.');

export const ImperfectionsSchema = z
  .object({
    jitter: DurationSchema.optional().describe(
      'Maximum timestamp jitter (uniform ±jitter) added to each sample time; order is kept.',
    ),
    irregular: z
      .number()
      .min(0)
      .max(0.95)
      .optional()
      .describe('0..0.95: relative variation of sampling intervals (0 = perfectly regular).'),
    missingRate: z
      .number()
      .min(0)
      .max(0.9)
      .optional()
      .describe('Fraction of individual values lost (become null), independently per sensor.'),
    gaps: z
      .object({
        count: z.number().int().min(1).max(10_000).describe('How many outages per device.'),
        maxDuration: DurationSchema.default('1h').describe('Longest outage; each lasts between one interval and this.'),
      })
      .optional()
      .describe('Device outages: no rows at all during each gap.'),
    clip: z
      .boolean()
      .optional()
      .describe('Clip values to the sensor range (saturation), labelling where it happened. Default true.'),
    quantize: z
      .number()
      .positive()
      .max(MAX_PARAMETER_MAGNITUDE)
      .optional()
      .describe('Round values to this resolution (ADC step), e.g. 0.1.'),
  })
  .describe(
    'Real-world sensor and transport artefacts. Each gap, missing run and clipping is returned as a labelled interval.',
  );

export const StatisticalParamsSchema = z
  .object({
    start: TimeSchema.default('2025-01-01T00:00:00Z').describe(
      'First timestamp: ISO 8601 or epoch ms. Default 2025-01-01T00:00:00Z (fixed, so the same seed gives the same data).',
    ),
    end: TimeSchema.optional().describe(
      'Last timestamp (exclusive). Give end, duration or points; default duration 1d.',
    ),
    duration: DurationSchema.optional().describe(
      'Span to generate, e.g. "1d", "7d". Ignored when end or points is given.',
    ),
    points: z.number().int().min(1).optional().describe('Number of samples per device (overrides end and duration).'),
    interval: DurationSchema.default('1m').describe('Sampling interval, e.g. "1s", "10s", "1m", "15m".'),
    devices: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(1)
      .describe('Fleet size: how many devices, each a separate series with one column per sensor.'),
    devicePrefix: z
      .string()
      .min(1)
      .max(64)
      .default('device')
      .describe('Device ids are {devicePrefix}-{index}, zero-padded, e.g. "device-001".'),
    variation: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe(
        '0..1: per-device variation of level, amplitudes, phase and noise, so devices are alike but not identical.',
      ),
    sensors: z
      .array(SensorSchema)
      .min(1)
      .max(64)
      .default([{ type: 'temperature' }] as never)
      .describe('Sensors on each device. Default: one temperature sensor.'),
    correlation: z
      .array(z.array(z.number().min(-1).max(1)))
      .optional()
      .describe(
        "Target correlation matrix (sensors × sensors, symmetric, ones on the diagonal, positive definite) of the sensors' noise on each device, e.g. [[1, 0.8], [0.8, 1]].",
      ),
    anomalies: z
      .array(AnomalySchema)
      .max(100)
      .default([])
      .describe('Anomalies to inject, each returned as a labelled interval.'),
    imperfections: ImperfectionsSchema.optional(),
  })
  .describe('A fleet of IoT devices with realistic sensors, seasonal patterns, noise, anomalies and imperfections.');

export type StatisticalParams = z.output<typeof StatisticalParamsSchema>;
export type StatisticalParamsInput = z.input<typeof StatisticalParamsSchema>;
export type SensorSpec = z.output<typeof SensorSchema>;
export type AnomalySpec = z.output<typeof AnomalySchema>;
