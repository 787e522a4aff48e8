/** The sensor presets and anomaly kinds by name (no schema library: the CLI checks its flags with them at start-up). */

export const SENSOR_TYPES = [
  'temperature',
  'humidity',
  'pressure',
  'vibration',
  'power',
  'energy',
  'battery',
  'occupancy',
  'custom',
] as const;
export type SensorType = (typeof SENSOR_TYPES)[number];

export const ANOMALY_TYPES = ['spike', 'dip', 'stuck', 'drift', 'level_shift', 'noise_burst', 'degradation'] as const;
export type AnomalyType = (typeof ANOMALY_TYPES)[number];
