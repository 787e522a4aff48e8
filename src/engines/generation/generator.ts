import type { z } from 'zod';
import type { Rng } from '../../core/rng.js';
import type { ProgressFn, TimeSeries } from '../../core/types.js';

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

export interface GeneratorCapabilities {
  /** Can learn from real data with fit(). */
  fit: boolean;
  multivariate: boolean;
  /** Generates several entities (devices) in one request. */
  fleets: boolean;
  /** Returns labelled anomaly intervals. */
  anomalyLabels: boolean;
}

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
}

/** A registered kind of generator, from which instances are created with configuration. */
export interface GeneratorDefinition<P = unknown> {
  name: string;
  aliases?: string[];
  title: string;
  /** For a model choosing between generators: what it is good for, and its limits. */
  description: string;
  capabilities: GeneratorCapabilities;
  paramsSchema: z.ZodType<P>;
  /** An example parameters object that passes the schema. */
  example: P;
  create(config?: Record<string, unknown>): Generator<P>;
}

export interface GeneratorDescription {
  name: string;
  aliases: string[];
  title: string;
  description: string;
  capabilities: GeneratorCapabilities;
  /** JSON Schema of the parameters. */
  paramsSchema: Record<string, unknown>;
  example: unknown;
  source: string;
}
