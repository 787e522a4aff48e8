import { z } from 'zod';
import { definePrompt } from '../src/registry/prompt.js';

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
  },
  build({ description, purpose }) {
    return [
      {
        role: 'user',
        text: [
          `I need synthetic IoT data: ${description}.`,
          purpose ? `It is for: ${purpose}.` : '',
          '',
          'Please work through these steps with the tsiot tools:',
          '1. Call describe_generator with {"name": "statistical"} to see the sensor presets (temperature °C, humidity %RH, pressure hPa, vibration mm/s, power W, energy kWh counter, battery V, occupancy 0/1) and every option.',
          '2. Decide the fleet: number of devices, sensors per device (preset type, and level/range overrides only where my description demands it), sampling interval and span (duration or start/end). Keep rows × sensors × devices within the per-request limit (5 M values by default); split long spans into several calls.',
          '3. Decide what should go wrong: anomalies (spike, dip, stuck, drift, level_shift, noise_burst, degradation — e.g. degradation on vibration for a bearing fault) with counts, and imperfections (missingRate, gaps, jitter, irregular sampling, clipping) if the data should look like real telemetry.',
          '4. Pick a seed and state it so the data can be reproduced exactly.',
          '5. Call generate_timeseries once with all of that. Report the series ids, the seed and the labelled anomaly intervals.',
          '6. Check one device with get_series (downsampled with a bucket, e.g. "1h") to confirm the values look plausible for the sensors, and summarise what was generated in a short table.',
        ]
          .filter((l) => l !== '')
          .join('\n'),
      },
    ];
  },
});
