import { TsiotError } from '../core/errors.js';
import { ANOMALY_TYPES, SENSOR_TYPES } from '../engines/generation/statistical/kinds.js';

/** Parse "spike", "spike:3", "degradation:2@vibration" into an anomaly spec. */
export function parseAnomalyFlag(value: string): Record<string, unknown> {
  const m = /^([a-z_]+)(?::(\d+))?(?:@([A-Za-z0-9_.-]+))?$/.exec(value.trim());
  if (!m || !(ANOMALY_TYPES as readonly string[]).includes(m[1]!)) {
    throw new TsiotError(
      'invalid_input',
      `--anomaly: expected TYPE[:COUNT][@SENSOR] with TYPE one of ${ANOMALY_TYPES.join(', ')}, got "${value}"`,
      {
        details: { field: 'anomaly', example: 'degradation:2@vibration' },
      },
    );
  }
  return { type: m[1], ...(m[2] ? { count: Number(m[2]) } : {}), ...(m[3] ? { sensor: m[3] } : {}) };
}

/** Parse "temperature,humidity" into sensor specs. */
export function parseSensorsFlag(value: string): Record<string, unknown>[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((type) => {
      if (!(SENSOR_TYPES as readonly string[]).includes(type)) {
        throw new TsiotError(
          'invalid_input',
          `--sensors: "${type}" is not a sensor type; expected a comma list of ${SENSOR_TYPES.join(', ')}`,
          {
            details: { field: 'sensors', example: 'temperature,humidity' },
          },
        );
      }
      return { type };
    });
}

export function parseIntFlag(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n))
      throw new TsiotError('invalid_input', `--${name}: expected an integer, got "${value}"`, {
        details: { field: name },
      });
    return n;
  };
}

export function parseNumberFlag(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n))
      throw new TsiotError('invalid_input', `--${name}: expected a number, got "${value}"`, {
        details: { field: name },
      });
    return n;
  };
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
