/** The generator catalogue as it crosses the wire (list_generators, describe_generator, tsiot://generators). */
import { z } from 'zod';

export const CapabilitiesSchema = z.object({
  generate: z.boolean().describe('Generates from parameters alone: generate_timeseries {"generator": name, …}.'),
  fit: z.boolean().describe('Learns from real data: fit_model or synthesize_like.'),
  sample: z
    .boolean()
    .describe('A fitted model samples new series: generate_timeseries {"model": id} or generate_from_model.'),
  forecast: z.boolean().describe('A fitted model forecasts with intervals: generate_from_model {"forecast": …}.'),
  attributes: z
    .boolean()
    .describe('Learns static attributes per entity and samples new entities, optionally fixing some.'),
  privacy: z.boolean().optional().describe('Fits with differential privacy.'),
  multivariate: z.boolean().describe('Several columns per series, modelled together.'),
  fleets: z.boolean().describe('Several entities (devices) per request.'),
  anomalyLabels: z.boolean().describe('Injects anomalies and returns them as labelled intervals.'),
});

export const GeneratorSummarySchema = z.object({
  name: z.string().describe('Generator name, as generate_timeseries, fit_model and synthesize_like take it.'),
  aliases: z.array(z.string()).describe('Other names for the same generator.'),
  title: z.string(),
  description: z.string().describe('What it is good for, its limits, and how to use it.'),
  capabilities: CapabilitiesSchema,
  source: z.string().describe('"built-in" or "plugin:<module>"'),
});

export const GeneratorDescriptionSchema = GeneratorSummarySchema.extend({
  paramsSchema: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe(
      'JSON Schema of the parameters of direct generation (generate_timeseries params); null when it only samples fitted models.',
    ),
  example: z.unknown().describe('Example parameters; null without direct generation.'),
  fitOptionsSchema: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe('JSON Schema of the fit options (fit_model options); null when it cannot be fitted.'),
  fitExample: z.unknown().describe('Example fit options; null when it cannot be fitted.'),
  fitGuide: z.string().nullable().describe('When to fit this generator rather than another.'),
});
