import { z } from 'zod';
import { TsiotError } from '../../../../src/core/errors.js';
import { DurationSchema, parseDuration, parseTime, TimeSchema } from '../../../../src/core/time.js';
import type { GeneratorDefinition } from '../../../../src/engines/generation/generator.js';

const params = z.object({
  start: TimeSchema.default(1_700_000_000_000),
  end: TimeSchema.optional(),
  duration: DurationSchema.optional(),
  points: z.number().int().min(1).optional(),
  interval: DurationSchema.default(1000),
  devices: z.number().int().min(1).default(1),
  /** Pause per call, so a test can kill a worker mid-job. */
  slowMs: z.number().int().min(0).default(0),
});
type Params = z.output<typeof params>;

function span(p: Params): { start: number; end: number; interval: number } {
  const start = parseTime(p.start);
  const interval = parseDuration(p.interval);
  const end =
    p.points !== undefined
      ? start + p.points * interval
      : p.end !== undefined
        ? parseTime(p.end)
        : start + parseDuration(p.duration ?? 60_000);
  return { start, end, interval };
}

/**
 * A windowable test generator: rows at start + i·interval for start ≤ t < end,
 * value = t / 1000 + a little seeded noise, so a test can check that a chunked
 * job produced every timestamp exactly once.
 */
export const windowGenerator: GeneratorDefinition<Params> = {
  name: 'window-ramp',
  title: 'Window ramp (test)',
  description: 'Rows on an interval grid between start and end; value follows time.',
  capabilities: { fit: false, multivariate: false, fleets: true, anomalyLabels: false },
  paramsSchema: params,
  example: { start: 0, duration: 60_000, interval: 1000, devices: 1, slowMs: 0 },
  create() {
    return {
      name: 'window-ramp',
      paramsSchema: params,
      estimatePoints: (p) => {
        const s = span(p);
        return Math.ceil((s.end - s.start) / s.interval) * p.devices;
      },
      async generate(p, { rng, signal }) {
        const s = span(p);
        if (p.slowMs) await new Promise((r) => setTimeout(r, p.slowMs));
        if (signal?.aborted) throw new TsiotError('cancelled', 'cancelled');
        const rows = Math.max(0, Math.ceil((s.end - s.start) / s.interval));
        const series = [];
        for (let d = 0; d < p.devices; d++) {
          const timestamps = new Float64Array(rows);
          const values = new Float64Array(rows);
          for (let i = 0; i < rows; i++) {
            timestamps[i] = s.start + i * s.interval;
            values[i] = timestamps[i]! / 1000 + rng.next() * 1e-3;
          }
          series.push({
            id: `d${d}`,
            name: `device-${d}`,
            metadata: { tags: {}, deviceId: `device-${d}` },
            timestamps,
            columns: [{ name: 'value', values }],
            labels: [],
          });
        }
        return { series };
      },
    };
  },
};
