import { randomBytes } from 'node:crypto';
import { TsiotError } from '../../core/errors.js';
import { parseInput } from '../../core/input-errors.js';
import { createRng, randomSeed, type Seed } from '../../core/rng.js';
import type { ProgressFn, TimeSeries } from '../../core/types.js';
import type { Storage, StoreResult } from '../storage/storage.js';
import type { GeneratorFactory } from './factory.js';

export interface GenerateRequest {
  generator: string;
  /** Generator-specific parameters, validated by the generator's schema. */
  params: unknown;
  seed?: Seed;
  /** Store the result (default true). */
  store?: boolean;
  /** Name prefix for stored series; default the generator's own names (device ids). */
  name?: string;
  tags?: Record<string, string>;
}

export interface GenerateResponse {
  generator: string;
  seed: Seed;
  series: TimeSeries[];
  stored: StoreResult[];
  points: number;
}

/** Where the service announces stored series (the event bus in production). */
export type SeriesEventSink = (event: { type: 'series.created'; data: Record<string, unknown> }) => Promise<unknown>;

export interface GenerateOptions {
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

/** A storage id: unique per stored series, independent of the seeded data. */
export function newSeriesId(): string {
  return `ser_${randomBytes(9).toString('base64url')}`;
}

/**
 * Runs a generator for a request: validates parameters, refuses requests over
 * the point cap before any work, seeds the PRNG, generates, tags and stores
 * all-or-nothing.
 */
export class GenerationService {
  constructor(
    private readonly factory: GeneratorFactory,
    private readonly storage: Storage,
    private readonly maxPoints: number,
    private readonly announce?: SeriesEventSink,
  ) {}

  /** Parse and size a request without generating (used to refuse early and to plan jobs). */
  plan(req: GenerateRequest): { generator: string; params: unknown; points: number } {
    const name = this.factory.canonical(req.generator);
    const def = this.factory.definition(name);
    const params = parseInput(def.paramsSchema, req.params ?? {}, `parameters for generator "${name}"`, {
      params: def.example,
    });
    const gen = this.factory.create(name);
    const points = gen.estimatePoints(params);
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
    return { generator: name, params, points };
  }

  async generate(req: GenerateRequest, options: GenerateOptions = {}): Promise<GenerateResponse> {
    const { generator, params } = this.plan(req);
    const seed = req.seed ?? randomSeed();
    const gen = this.factory.create(generator);
    const out = await gen.generate(params, {
      rng: createRng(seed),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    if (options.signal?.aborted) throw new TsiotError('cancelled', 'Generation was cancelled');
    let points = 0;
    for (const s of out.series) {
      s.metadata = { ...s.metadata, generator, seed, tags: { ...(s.metadata.tags ?? {}), ...(req.tags ?? {}) } };
      if (req.name) s.name = out.series.length === 1 ? req.name : `${req.name}/${s.name}`;
      points += s.timestamps.length * s.columns.length;
    }
    const stored = req.store === false ? [] : await this.store(out.series, options.signal);
    return { generator, seed, series: out.series, stored, points };
  }

  /**
   * Store generated series all-or-nothing under fresh storage ids and
   * announce them. Used by generate(), and directly when a caller checks the
   * data (e.g. validates it) before it is stored.
   */
  async store(series: TimeSeries[], signal?: AbortSignal): Promise<StoreResult[]> {
    const stored: StoreResult[] = [];
    try {
      for (const s of series) {
        s.id = newSeriesId();
        stored.push(await this.storage.store(s));
        if (signal?.aborted) throw new TsiotError('cancelled', 'Generation was cancelled while storing');
      }
    } catch (e) {
      // all-or-nothing: remove what this request already stored
      await Promise.allSettled(stored.map((r) => this.storage.delete(r.id)));
      throw e;
    }
    if (stored.length && this.announce) {
      const first = series[0]?.metadata;
      // the data is stored whatever happens to the announcement; a lost event only delays a client's refresh
      await this.announce({
        type: 'series.created',
        data: { ids: stored.map((r) => r.id), generator: first?.generator, seed: first?.seed },
      }).catch(() => undefined);
    }
    return stored;
  }
}
