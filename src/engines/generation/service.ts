import { TsiotError } from '../../core/errors.js';
import { parseInput } from '../../core/input-errors.js';
import { checkFiniteValues } from '../../core/series.js';
import { createRng, randomSeed, type Seed } from '../../core/rng.js';
import type { ProgressFn, TimeSeries } from '../../core/types.js';
import type { SeriesStore } from '../series/store.js';
import type { StoreResult } from '../storage/storage.js';
import type { WorkerPool } from '../workers/pool.js';
import { arimaGenerator } from './arima/index.js';
import type { GeneratorFactory } from './factory.js';
import type { GenerationOutput, Generator } from './generator.js';
import { statisticalGenerator } from './statistical/index.js';

export interface GenerateRequest {
  /** Generator name or alias (default "statistical"); with `model`, the model's own generator is used. */
  generator?: string;
  /**
   * A fitted model id: sample that model. `params` are then its sampling
   * options (length, count, context, start, attributes).
   */
  model?: string;
  /** Generator-specific parameters, validated by the generator's schema (or the sampling options' with `model`). */
  params?: unknown;
  /**
   * The schema `params` were already parsed with (their output, not raw
   * input): when it is the generator's own paramsSchema they are used as
   * they are instead of being validated a second time.
   */
  parsedWith?: unknown;
  seed?: Seed;
  /** Store the result (default true). */
  store?: boolean;
  /** Name prefix for stored series; default the generator's own names (device ids, model samples). */
  name?: string;
  tags?: Record<string, string>;
}

export interface GenerateResponse {
  /** The generator that made the data (a model's generator when a model was sampled). */
  generator: string;
  /** The model sampled, when one was. */
  model?: string;
  seed: Seed;
  series: TimeSeries[];
  stored: StoreResult[];
  points: number;
}

/** A generation made one device at a time (GenerationService.stream). */
export interface GenerationStream {
  generator: string;
  seed: Seed;
  /** Devices, each one series. */
  count: number;
  /** Values over all devices before gaps remove rows. */
  points: number;
  device(index: number, checkpoint?: (rowsDone: number) => void | Promise<void>): Promise<TimeSeries>;
}

export interface GenerateOptions {
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

/**
 * Sampling fitted models, as the generation service needs it (the model
 * registry implements it), so generate reaches every generator of the
 * catalogue — fitted ones through their models — with one output shape.
 */
export interface ModelSampler {
  /** Parse sampling options for a model and size the request before any work. */
  planSample(id: string, params: unknown): Promise<{ generator: string; params: unknown; points: number }>;
  /** Sample a model with parsed options; every series carries generator, seed and modelId in its metadata. */
  sampleModel(id: string, params: unknown, seed: Seed, signal?: AbortSignal): Promise<TimeSeries[]>;
}

export interface GenerationServiceOptions {
  factory: GeneratorFactory;
  /** Where results are stored and announced. */
  series: SeriesStore;
  /** Largest number of values one request may make. */
  maxPoints: number;
  /** Fitted models, for requests naming a model. */
  models?: ModelSampler;
  /**
   * Worker threads for large generations by the direct built-in generators
   * (at least `offloadValues` values), so they never block the event loop.
   */
  pool?: WorkerPool;
  /** Values from which a generation goes to the pool; default 200,000. */
  offloadValues?: number;
  /** The per-generator configuration the factory was built with (the pool's factory gets the same). */
  generatorConfig?: Record<string, Record<string, unknown>>;
}

/** Built-in generators that are pure functions of parameters and seed: the same bytes in a worker. */
const OFFLOADABLE = new Map<string, unknown>([
  ['statistical', statisticalGenerator],
  ['arima', arimaGenerator],
]);

/**
 * Runs a generator for a request, or samples a fitted model: validates
 * parameters, refuses requests over the point cap before any work, seeds the
 * PRNG, generates, tags and stores all-or-nothing (announced).
 */
export class GenerationService {
  private readonly factory: GeneratorFactory;
  private readonly series: SeriesStore;
  private readonly maxPoints: number;
  private readonly models: ModelSampler | undefined;
  private readonly pool: WorkerPool | undefined;
  private readonly offloadValues: number;
  private readonly generatorConfig: Record<string, Record<string, unknown>>;

  constructor(options: GenerationServiceOptions) {
    this.pool = options.pool;
    this.offloadValues = options.offloadValues ?? 200_000;
    this.generatorConfig = options.generatorConfig ?? {};
    this.factory = options.factory;
    this.series = options.series;
    this.maxPoints = options.maxPoints;
    this.models = options.models;
  }

  /** Parse and size a generator request without generating (used to refuse early and to plan jobs). */
  plan(req: GenerateRequest): { generator: string; params: unknown; points: number } {
    const { generator, params, points } = this.planned(req);
    return { generator, params, points };
  }

  /** plan(), with the generator it made (generate runs that one rather than making another). */
  private planned(req: GenerateRequest): { generator: string; params: unknown; points: number; gen: Generator } {
    const name = this.factory.canonical(req.generator ?? 'statistical');
    const gen = this.factory.create(name);
    const params =
      req.parsedWith !== undefined && req.parsedWith === gen.paramsSchema
        ? req.params
        : parseInput(gen.paramsSchema, req.params ?? {}, `parameters for generator "${name}"`, {
            params: this.factory.definition(name).example,
          });
    const points = gen.estimatePoints(params);
    this.checkSize(points);
    return { generator: name, params, points, gen };
  }

  async generate(req: GenerateRequest, options: GenerateOptions = {}): Promise<GenerateResponse> {
    if (req.model !== undefined) return this.sample(req.model, req, options);
    const { generator, params, points, gen } = this.planned(req);
    const seed = req.seed ?? randomSeed();
    const offload =
      this.pool !== undefined &&
      points >= this.offloadValues &&
      OFFLOADABLE.get(generator) === this.factory.definition(generator);
    const out = offload
      ? await this.pool!.run<GenerationOutput>(
          'generate',
          { generator, params, seed, config: this.generatorConfig },
          {
            ...(options.signal ? { signal: options.signal } : {}),
            ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          },
        )
      : await gen.generate(params, {
          rng: createRng(seed),
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        });
    if (options.signal?.aborted) throw new TsiotError('cancelled', 'Generation was cancelled');
    checkFiniteValues(out.series, `generator "${generator}"`, { requireSomeFinite: true });
    for (const s of out.series) {
      s.metadata = { ...s.metadata, generator, seed, tags: { ...(s.metadata.tags ?? {}), ...(req.tags ?? {}) } };
      if (req.name) s.name = out.series.length === 1 ? req.name : `${req.name}/${s.name}`;
    }
    const stored = req.store === false ? [] : await this.store(out.series, options.signal);
    return { generator, seed, series: out.series, stored, points: countValues(out.series) };
  }

  /**
   * A direct generation one device at a time, for a local caller that writes
   * where it chose (the CLI to a file or stdout): memory holds one device, so
   * the per-request cap, which guards the server's memory, does not apply.
   * Each device is the series generate() would return, byte for byte.
   * Undefined when the request names a model or the generator cannot stream.
   */
  stream(req: GenerateRequest): GenerationStream | undefined {
    if (req.model !== undefined) return undefined;
    const name = this.factory.canonical(req.generator ?? 'statistical');
    const def = this.factory.definition(name);
    const gen = this.factory.create(name);
    if (!gen.openDevices) return undefined;
    const params = parseInput(gen.paramsSchema, req.params ?? {}, `parameters for generator "${name}"`, {
      params: def.example,
    });
    const seed = req.seed ?? randomSeed();
    const devices = gen.openDevices(params, { rng: createRng(seed) });
    return {
      generator: name,
      seed,
      count: devices.count,
      points: devices.count * devices.valuesPerDevice,
      device: async (index, checkpoint) => {
        const s = await devices.device(index, checkpoint);
        s.metadata = {
          ...s.metadata,
          generator: name,
          seed,
          tags: { ...(s.metadata.tags ?? {}), ...(req.tags ?? {}) },
        };
        if (req.name) s.name = devices.count === 1 ? req.name : `${req.name}/${s.name}`;
        return s;
      },
    };
  }

  /**
   * Store series all-or-nothing under fresh storage ids and announce them.
   * Used by generate(), and directly when a caller checks the data (e.g.
   * validates it) before it is stored.
   */
  store(series: TimeSeries[], signal?: AbortSignal): Promise<StoreResult[]> {
    return this.series.store(series, signal ? { signal } : {});
  }

  private async sample(model: string, req: GenerateRequest, options: GenerateOptions): Promise<GenerateResponse> {
    if (!this.models) {
      throw new TsiotError('unsupported', 'Sampling fitted models is not available here', {
        details: { field: 'model', model },
      });
    }
    const planned = await this.models.planSample(model, req.params ?? {});
    if (
      req.generator !== undefined &&
      this.factory.canonical(req.generator) !== this.factory.canonical(planned.generator)
    ) {
      throw new TsiotError(
        'invalid_input',
        `generator: model "${model}" was fitted with "${planned.generator}", not "${req.generator}"; leave generator out when giving a model`,
        { details: { field: 'generator', model, generator: planned.generator } },
      );
    }
    this.checkSize(planned.points);
    const seed = req.seed ?? randomSeed();
    const series = await this.models.sampleModel(model, planned.params, seed, options.signal);
    if (options.signal?.aborted) throw new TsiotError('cancelled', 'Sampling was cancelled');
    checkFiniteValues(series, `model "${model}"`);
    series.forEach((s, i) => {
      if (req.tags) s.metadata = { ...s.metadata, tags: { ...s.metadata.tags, ...req.tags } };
      if (req.name) s.name = series.length === 1 ? req.name : `${req.name}/sample-${String(i + 1).padStart(3, '0')}`;
    });
    const stored = req.store === false ? [] : await this.store(series, options.signal);
    return { generator: planned.generator, model, seed, series, stored, points: countValues(series) };
  }

  private checkSize(points: number): void {
    if (points > this.maxPoints) {
      throw new TsiotError(
        'too_large',
        `This request would generate ${points.toLocaleString('en-US')} values; the limit per request is ${this.maxPoints.toLocaleString('en-US')}.`,
        {
          details: { points, limit: this.maxPoints },
          hint: 'Generate fewer devices, a shorter span or a longer interval, or split the request into several (for example one per day).',
        },
      );
    }
  }
}

/** Values made: rows × columns over every series. */
function countValues(series: TimeSeries[]): number {
  let n = 0;
  for (const s of series) n += s.timestamps.length * s.columns.length;
  return n;
}
