import { z } from 'zod';
import { TsiotError } from '../../../core/errors.js';
import { parseInput } from '../../../core/input-errors.js';
import { createRng, randomSeed } from '../../../core/rng.js';
import type { GeneratorFactory } from '../../generation/factory.js';
import { SeriesStore } from '../../series/store.js';
import type { Storage } from '../../storage/storage.js';
import type { JobHandler } from '../types.js';
import { planChunks } from './chunks.js';

/** Tag every stored part carries, so the parts of one job can be listed (list_series tags) and removed together. */
export const JOB_TAG = 'tsiot.job';
export const CHUNK_TAG = 'tsiot.chunk';

const DataSchema = z.object({
  generator: z.string().default('statistical').describe('Generator name (see list_generators).'),
  params: z.record(z.string(), z.unknown()).default({}).describe('Generator parameters, as for generate_timeseries.'),
  seed: z
    .union([z.number().int(), z.string().min(1).max(200)])
    .optional()
    .describe('Seed; drawn at submission when absent so retries and resumes repeat the same data.'),
  name: z.string().min(1).max(200).optional().describe('Name (prefix) of the stored parts.'),
  tags: z.record(z.string(), z.string()).optional().describe('Tags added to every stored part.'),
  chunkValues: z
    .number()
    .int()
    .min(1_000)
    .max(50_000_000)
    .optional()
    .describe('Values per chunk (default 1,000,000): the memory bound of the job.'),
});

export type GenerationJobData = z.output<typeof DataSchema>;

export interface GenerationJobDeps {
  generators: GeneratorFactory;
  storage: Storage;
  /** Where the parts are stored and announced (engines.series); default storage, unannounced. */
  series?: SeriesStore;
  /** Largest total a job may generate (default 10 billion values). */
  maxJobValues?: number;
  /** Largest chunk, i.e. the memory bound (default the per-request cap of generate_timeseries, 5 M). */
  maxChunkValues?: number;
}

interface GenerationCheckpoint {
  /** Chunks 0 … nextChunk-1 are stored. */
  nextChunk: number;
  values: number;
  parts: number;
}

/**
 * Large generation as a job: the span is cut into time windows (see
 * planChunks); each chunk is generated, stored and dropped before the next, so
 * memory stays bounded whatever the total. Chunk k of device i is stored as
 * its own series with id `<jobId>-c<k>-s<i>` (overwrite), and the job saves a
 * checkpoint after each chunk: a job resumed after a crash starts at the first
 * chunk not checkpointed and rewrites it in place, so no point is duplicated.
 *
 * Trade-off: chunk k runs the generator for its window with the seed
 * `<seed>/chunk-<k>`. Epoch-aligned seasonality is continuous across chunks,
 * but state that a generator draws or accumulates per call (per-device
 * variation, trend origin, AR/random-walk state, regime shifts, where
 * anomalies fall) restarts at each chunk boundary. Output is reproducible for
 * the same seed and chunk size; it differs from one un-chunked call.
 */
export function generationJobHandler(deps: GenerationJobDeps): JobHandler<GenerationJobData> {
  const maxJobValues = deps.maxJobValues ?? 10_000_000_000;
  const maxChunk = deps.maxChunkValues ?? 5_000_000;
  const parts = deps.series ?? new SeriesStore(deps.storage);

  const plan = (data: GenerationJobData) => {
    const name = deps.generators.canonical(data.generator);
    const def = deps.generators.definition(name);
    const gen = deps.generators.create(name);
    const params = parseInput(gen.paramsSchema, data.params, `parameters for generator "${name}"`, {
      params: def.example,
    }) as Record<string, unknown>;
    const chunkValues = Math.min(data.chunkValues ?? 1_000_000, maxChunk);
    const chunks = planChunks(params, (p) => gen.estimatePoints(p), chunkValues);
    return { name, def, chunks, chunkValues };
  };

  return {
    type: 'generation',
    description: 'Generate a large series or fleet in chunks into storage (bounded memory, resumable after a crash).',
    schema: DataSchema,
    example: {
      generator: 'statistical',
      params: { devices: 100, duration: '30d', interval: '10s', sensors: [{ type: 'temperature' }] },
      seed: 7,
    },
    prepare(data) {
      const { name, def, chunks, chunkValues } = plan(data);
      if (chunks.values > maxJobValues) {
        throw new TsiotError(
          'too_large',
          `This job would generate ${chunks.values.toLocaleString('en-US')} values; the limit per job is ${maxJobValues.toLocaleString('en-US')}.`,
          {
            details: { values: chunks.values, limit: maxJobValues },
            hint: 'Split it into several jobs.',
          },
        );
      }
      const biggest = chunks.count === 1 ? chunks.values : 0;
      if (biggest > maxChunk) {
        throw new TsiotError(
          'too_large',
          `Generator "${name}" cannot be split into time windows, and one run would make ${biggest.toLocaleString('en-US')} values (limit ${maxChunk.toLocaleString('en-US')}).`,
          {
            details: { values: biggest, limit: maxChunk },
            hint: `Give the parameters a start, an interval and an end, duration or points (example: ${JSON.stringify(def.example)}).`,
          },
        );
      }
      return { ...data, generator: name, seed: data.seed ?? randomSeed(), chunkValues };
    },
    async run(data, ctx) {
      const { name, chunks } = plan(data);
      const seed = data.seed ?? 0;
      const saved = ctx.checkpoint.get<GenerationCheckpoint>();
      const state: GenerationCheckpoint = saved ?? { nextChunk: 0, values: 0, parts: 0 };
      if (saved) ctx.log.info({ from: saved.nextChunk, of: chunks.count }, 'resuming generation from checkpoint');
      const gen = deps.generators.create(name);
      for (let k = state.nextChunk; k < chunks.count; k++) {
        if (ctx.signal.aborted) throw new TsiotError('cancelled', `Job ${ctx.jobId} was cancelled`);
        const out = await gen.generate(chunks.paramsFor(k), {
          rng: createRng(`${seed}/chunk-${k}`),
          signal: ctx.signal,
        });
        let values = 0;
        for (let i = 0; i < out.series.length; i++) {
          const s = out.series[i]!;
          s.id = `${ctx.jobId}-c${k}-s${i}`;
          if (data.name) s.name = out.series.length === 1 ? data.name : `${data.name}/${s.name}`;
          s.metadata = {
            ...s.metadata,
            generator: name,
            seed,
            createdAt: s.metadata.createdAt ?? new Date().toISOString(),
            tags: { ...(s.metadata.tags ?? {}), ...(data.tags ?? {}), [JOB_TAG]: ctx.jobId, [CHUNK_TAG]: String(k) },
          };
          values += s.timestamps.length * s.columns.length;
        }
        await parts.store(out.series, { keepIds: true, signal: ctx.signal, announce: { jobId: ctx.jobId, chunk: k } });
        state.nextChunk = k + 1;
        state.values += values;
        state.parts += out.series.length;
        await ctx.checkpoint.save(state);
        ctx.progress({ done: k + 1, total: chunks.count, message: `chunk ${k + 1}/${chunks.count}` });
      }
      const result = {
        generator: name,
        seed,
        chunks: chunks.count,
        values: state.values,
        parts: state.parts,
        tags: { [JOB_TAG]: ctx.jobId },
      };
      await ctx.emit('generation.completed', result);
      return result;
    },
  };
}
