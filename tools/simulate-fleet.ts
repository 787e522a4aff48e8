import { z } from 'zod';
import { TsiotError } from '../src/core/errors.js';
import { ModelIdSchema, SeedSchema } from '../src/core/schemas.js';
import { parseTopicTemplate } from '../src/engines/mqtt/messages.js';
import type { TimeSeries } from '../src/core/types.js';
import { defineTool } from '../src/registry/tool.js';
import { SeriesSetSchema, resolveSeriesSets } from './series-input.js';

/** Most values one run replays. */
const MAX_SIMULATED_VALUES = 10_000_000;

const inputSchema = z.strictObject({
  broker: z
    .string()
    .regex(/^(mqtts?|wss?|tcp):\/\/[^\s]+$/, 'an mqtt://, mqtts://, ws:// or wss:// URL')
    .describe('Broker URL, e.g. "mqtt://127.0.0.1:1883" (credentials may be in the URL; never logged).'),
  series: SeriesSetSchema.optional().describe('Stored series ids or inline data to replay (one device per series).'),
  generate: z
    .strictObject({
      generator: z.string().optional().describe('Generator name (default "statistical").'),
      model: ModelIdSchema.optional().describe('Or a fitted model id to sample.'),
      params: z
        .record(z.string(), z.unknown())
        .default({})
        .describe('As for generate_timeseries, e.g. {"devices": 5, "duration": "1h"}.'),
      seed: SeedSchema.optional(),
    })
    .optional()
    .describe('Instead of `series`: generate a fleet for this run (not stored).'),
  topic: z
    .string()
    .default('tsiot/{device}/{column}')
    .describe(
      'Topic template: {device}, {series}, {sensor}, {column}. With {column} each value is a message; without, each row.',
    ),
  format: z
    .enum(['json', 'senml', 'line'])
    .default('json')
    .describe('Payload: JSON object, SenML (RFC 8428) or line protocol.'),
  qos: z
    .union([z.literal(0), z.literal(1)])
    .default(0)
    .describe('MQTT QoS (0 or 1).'),
  retain: z.boolean().default(false).describe('Retain each topic’s last value on the broker.'),
  speed: z
    .union([z.number().min(0.001).max(1_000_000), z.literal('max')])
    .default('max')
    .describe(
      'Data time runs this many times faster than real time (1 = real time, 60 = a minute per second); "max" = as fast as possible.',
    ),
  maxDurationSeconds: z
    .number()
    .min(1)
    .max(3_600)
    .default(60)
    .describe('Stop after this long; what is left counts as unsent.'),
  statusTopic: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .describe('Topic for "online"/"offline" (retained) and the last will.'),
  clientId: z.string().min(1).max(64).optional().describe('MQTT client id (default tsiot-<random>).'),
});

const outputSchema = z.object({
  messages: z.number().int().describe('Messages handed to the broker.'),
  dropped: z.number().int().describe('Messages whose publish failed.'),
  unsent: z.number().int().describe('Messages not sent because the run was stopped or ran out of time.'),
  bytes: z.number().int().describe('Payload bytes sent.'),
  topics: z.number().int().describe('Distinct topics published to.'),
  firstTopic: z.string().optional(),
  series: z.number().int(),
  elapsedMs: z.number().int(),
  stoppedEarly: z.boolean(),
  seed: z.union([z.number(), z.string()]).optional().describe('The seed of a generated fleet.'),
});

export const simulateFleet = defineTool({
  name: 'simulate_fleet',
  title: 'Publish a fleet to an MQTT broker',
  description:
    'Publish series (stored, inline or generated) to an MQTT broker as live devices would: a topic per device and column, paced or as fast as possible. Example: {"broker": "mqtt://127.0.0.1:1883", "generate": {"params": {"devices": 3, "duration": "1h"}, "seed": 7}}',
  details: [
    'Replay series (stored, inline, or generated for the run) to an MQTT broker as devices would publish them: one topic per device/column from a template, JSON, SenML or line-protocol payloads, QoS 0/1, optional retain and a status topic with last will.',
    'speed paces data time against real time ("max" = as fast as possible); the run stops at maxDurationSeconds. The messages are the same for the same data and seed whatever the pacing.',
    'An unreachable broker fails at once (retry may help once it runs); a bad topic template is refused.',
    'Example: {"broker": "mqtt://127.0.0.1:1883", "generate": {"params": {"devices": 3, "duration": "1h"}, "seed": 7}, "topic": "plant/{device}/{column}"}.',
  ].join(' '),
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  example: { broker: 'mqtt://127.0.0.1:1883', generate: { params: { devices: 3, duration: '1h' }, seed: 7 } },
  routes: [{ method: 'POST', path: '/v1/simulate' }],
  async handler(input, ctx) {
    if ((input.series === undefined) === (input.generate === undefined))
      throw new TsiotError('invalid_input', 'series/generate: give exactly one of them', {
        details: { field: 'series', example: { generate: { params: { devices: 3, duration: '1h' }, seed: 7 } } },
      });
    parseTopicTemplate(input.topic);
    let series: TimeSeries[];
    let seed: number | string | undefined;
    if (input.series !== undefined) {
      series = (await resolveSeriesSets(ctx.engines, { series: input.series }, MAX_SIMULATED_VALUES)).series!;
    } else {
      const g = input.generate!;
      const res = await ctx.engines.generation.generate(
        {
          ...(g.generator ? { generator: g.generator } : {}),
          ...(g.model ? { model: g.model } : {}),
          params: g.params,
          ...(g.seed !== undefined ? { seed: g.seed } : {}),
          store: false,
        },
        { signal: ctx.signal },
      );
      series = res.series;
      seed = res.seed;
      const values = series.reduce((n, s) => n + s.timestamps.length * s.columns.length, 0);
      if (values > MAX_SIMULATED_VALUES)
        throw new TsiotError(
          'too_large',
          `generate: ${values} values; one run replays at most ${MAX_SIMULATED_VALUES}`,
          {
            details: { field: 'generate', values, limit: MAX_SIMULATED_VALUES },
          },
        );
    }
    const { publishFleet } = await import('../src/engines/mqtt/publish.js');
    const r = await publishFleet(
      series,
      {
        url: input.broker,
        topic: input.topic,
        format: input.format,
        qos: input.qos,
        retain: input.retain,
        speed: input.speed,
        maxDurationMs: input.maxDurationSeconds * 1000,
        clientId: input.clientId ?? `tsiot-${Math.random().toString(36).slice(2, 10)}`,
        ...(input.statusTopic ? { statusTopic: input.statusTopic } : {}),
        connectTimeoutMs: 5_000,
      },
      { signal: ctx.signal, onProgress: ctx.progress },
    );
    return {
      structured: { ...r, series: series.length, ...(seed !== undefined ? { seed } : {}) },
      summary:
        `Published ${r.messages} messages (${r.bytes} bytes) from ${series.length} series to ${r.topics} topics` +
        (r.dropped ? `, ${r.dropped} dropped` : '') +
        (r.stoppedEarly ? `; stopped early with ${r.unsent} unsent` : '') +
        '.',
    };
  },
});
