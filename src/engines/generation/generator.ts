import type { z } from 'zod';
import type { Rng } from '../../core/rng.js';
import type { ProgressFn, TimeSeries } from '../../core/types.js';
import type { LearnedGenerator } from './learner.js';
import type { CapabilitiesSchema, GeneratorDescriptionSchema } from './schemas.js';

/** What a generator is given besides its parameters. */
export interface GenerateContext {
  rng: Rng;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

export interface GenerationOutput {
  /** One series per entity (device); its columns are that device's sensors. */
  series: TimeSeries[];
}

/**
 * A request cut into its devices, each generated exactly as one call makes
 * it (every random stream is keyed by seed, device and sensor, never by the
 * order of calls), so a job may split, resume or spread the work without
 * changing a byte.
 */
export interface DeviceStream {
  /** Devices in the request. */
  readonly count: number;
  /** Values of one device (rows × columns) before gaps remove rows: what a job plans its chunks from. */
  readonly valuesPerDevice: number;
  /** Device `index` (0-based); `checkpoint` runs between slices of rows and may throw (cancelled) or pause. */
  device(index: number, checkpoint?: (rowsDone: number) => void | Promise<void>): Promise<TimeSeries>;
}

/** What a catalogue entry can do, as list_generators shows it. */
export type GeneratorCapabilities = z.infer<typeof CapabilitiesSchema>;

/**
 * A generator: validated parameters in, series out. Parameters are described
 * by a zod schema so the factory can document and validate them for every
 * interface (MCP, REST, CLI).
 */
export interface Generator<P = unknown> {
  readonly name: string;
  readonly paramsSchema: z.ZodType<P>;
  /** How many values (rows × columns × entities) these parameters produce; used to refuse huge requests before work starts. */
  estimatePoints(params: P): number;
  generate(params: P, ctx: GenerateContext): Promise<GenerationOutput>;
  /** Optional: the same output one device at a time (see DeviceStream); generators without it run as one piece. */
  openDevices?(params: P, ctx: GenerateContext): DeviceStream;
}

/**
 * One entry of the generator catalogue: a generator that works from
 * parameters (`create` + `paramsSchema`), one that learns from data
 * (`learner`), or both under one name (statistical, arima). Plugins export
 * the same shape.
 */
export interface GeneratorDefinition<P = any, O = any, S = any> {
  name: string;
  aliases?: string[];
  title: string;
  /** For a model choosing between generators: what it is good for, and its limits. */
  description: string;
  /**
   * What it can do. `generate` defaults to whether `create` is given, `fit`
   * and `sample` to whether `learner` is; the others default to false. A
   * claim the definition cannot back (fit without a learner) is refused.
   */
  capabilities: Partial<GeneratorCapabilities>;
  /** Parameters of direct generation. */
  paramsSchema?: z.ZodType<P>;
  /** Example parameters that pass paramsSchema. */
  example?: P;
  create?(config?: Record<string, unknown>): Generator<P>;
  /** Fitting on real data and sampling the fitted model. */
  learner?: LearnedGenerator<O, S>;
  /** When to fit this one rather than another, and its main options: one sentence for the model tools' descriptions. */
  fitGuide?: string;
  /** Example fit options that pass the learner's fitOptionsSchema. */
  fitExample?: O;
}

/** The part of a definition that generates from parameters, for entries known to have it. */
export interface DirectGeneration<P> {
  paramsSchema: z.ZodType<P>;
  example: P;
  create(config?: Record<string, unknown>): Generator<P>;
}

/** A catalogue entry as list_generators and describe_generator show it. */
export type GeneratorDescription = z.infer<typeof GeneratorDescriptionSchema>;
