import { z } from 'zod';
import { SENSOR_TYPES } from '../src/engines/generation/statistical/schema.js';
import { completeChoices } from '../src/registry/completion.js';
import { definePrompt } from '../src/registry/prompt.js';

const PURPOSES = [
  'pipeline test',
  'anomaly-detector training',
  'database load test',
  'dashboard demo',
  'forecasting benchmark',
] as const;

/** Comma-separated sensor preset types ("vibration,temperature"); empty items are ignored. */
const SensorList = z
  .string()
  .refine((v) => v.split(',').every((s) => s.trim() === '' || (SENSOR_TYPES as readonly string[]).includes(s.trim())), {
    message: `sensors: expected comma-separated sensor presets from ${SENSOR_TYPES.join(', ')}, e.g. "vibration,temperature"`,
  });

export const designSensorFleet = definePrompt({
  name: 'design_sensor_fleet',
  title: 'Describe a sensor fleet and generate it',
  description:
    'Guides you from a plain-language description of devices and sensors to a generate_timeseries call with realistic presets, anomalies and imperfections, then checks the result.',
  args: {
    description: z
      .string()
      .describe('What to simulate, e.g. "50 vibration sensors on pumps for a week, two bearing faults".'),
    purpose: z
      .string()
      .optional()
      .describe('What the data is for (pipeline test, anomaly-detector training, database load …).'),
    sensors: SensorList.optional().describe(
      `Sensor presets to use, comma-separated, from ${SENSOR_TYPES.join(', ')}; e.g. "vibration,temperature". Default: chosen from the description.`,
    ),
    generator: z.string().optional().describe('Generator to use, a name from list_generators; default "statistical".'),
  },
  complete: {
    // the last item of the list is the one being typed; the ones before it stay as they are
    sensors: (value) => {
      const items = value.split(',');
      const typing = items.pop()!.trimStart();
      const chosen = items.map((s) => s.trim()).filter(Boolean);
      const head = chosen.length ? `${chosen.join(',')},` : '';
      const options = SENSOR_TYPES.filter((t) => !chosen.includes(t));
      const r = completeChoices(typing, options);
      return { ...r, values: r.values.map((t) => `${head}${t}`) };
    },
    // a fleet is generated from parameters: only generators that can (learners need a fit first)
    generator: (value, engines) =>
      completeChoices(
        value,
        engines.generators.list('generate').flatMap((g) => [g.name, ...g.aliases]),
      ),
    purpose: (value) => completeChoices(value, PURPOSES),
  },
  build({ description, purpose, sensors, generator }) {
    const chosen = sensors
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const gen = generator?.trim() || 'statistical';
    return [
      {
        role: 'user',
        text: [
          `I need synthetic IoT data: ${description}.`,
          purpose ? `It is for: ${purpose}.` : '',
          chosen?.length ? `Use these sensor presets: ${chosen.join(', ')}.` : '',
          '',
          'Please work through these steps with the tsiot tools:',
          `1. Call describe_generator with {"name": ${JSON.stringify(gen)}} to see its options${gen === 'statistical' ? ' and the sensor presets (temperature °C, humidity %RH, pressure hPa, vibration mm/s, power W, energy kWh counter, battery V, occupancy 0/1)' : ''}.`,
          '2. Decide the fleet: number of devices, sensors per device (preset type, and level/range overrides only where my description demands it), sampling interval and span (duration or start/end). Keep rows × sensors × devices within the per-request limit (5 M values by default); split long spans into several calls.',
          '3. Decide what should go wrong: anomalies (spike, dip, stuck, drift, level_shift, noise_burst, degradation — e.g. degradation on vibration for a bearing fault) with counts, and imperfections (missingRate, gaps, jitter, irregular sampling, clipping) if the data should look like real telemetry.',
          '4. Pick a seed and state it so the data can be reproduced exactly.',
          `5. Call generate_timeseries once with all of that${gen === 'statistical' ? '' : ` (generator ${JSON.stringify(gen)})`}. Report the series ids, the seed and the labelled anomaly intervals.`,
          '6. Check one device with get_series (downsampled with a bucket, e.g. "1h") to confirm the values look plausible for the sensors, and summarise what was generated in a short table.',
        ]
          .filter((l) => l !== '')
          .join('\n'),
      },
    ];
  },
});
