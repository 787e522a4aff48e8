import { z } from 'zod';
import { TsiotError } from '../../../core/errors.js';
import { parseInput } from '../../../core/input-errors.js';
import { createRng, randomSeed, type Seed } from '../../../core/rng.js';
import type { TimeSeries } from '../../../core/types.js';
import type { GeneratorFactory } from '../../generation/factory.js';
import type { DeviceStream, Generator } from '../../generation/generator.js';
import { SeriesStore } from '../../series/store.js';
import type { Storage } from '../../storage/storage.js';
import type { JobHandler, TenantScope } from '../types.js';
import { type ChunkPlan, planChunks, planDeviceChunks, windowRows } from './chunks.js';

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
  /** The tenant's view of storage, where a job's parts are stored (owned by the job's tenant, announced to it). */
  forTenant?: TenantScope;
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
 * Large generation as a job: cut into chunks, each generated, stored and
 * dropped before the next, so memory stays bounded whatever the total. Chunk
 * k's series are stored with ids `<jobId>-c<k>-s<i>` (overwrite), and the job
 * saves a checkpoint after each chunk: a job resumed after a crash starts at
 * the first chunk not checkpointed and rewrites it in place, so no point is
 * duplicated.
 *
 * Generators that make their output one device at a time (DeviceStream, like
 * the statistical generator) are cut by devices, and a device larger than a
 * chunk into windows of its rows (planDeviceChunks), all from the one seed of
 * the request: the parts of each device, in chunk order, are byte for byte the
 * series of one un-chunked call, whatever the chunk size and however often the
 * job resumed. Memory holds one device.
 *
 * Other generators are cut into time windows when their parameters have a
 * start, an interval and an end (planChunks), chunk k seeded `<seed>/chunk-<k>`:
 * reproducible for the same seed and chunk size, but state a generator draws
 * per call restarts at each chunk boundary.
 */
export function generationJobHandler(deps: GenerationJobDeps): JobHandler<GenerationJobData> {
  const maxJobValues = deps.maxJobValues ?? 10_000_000_000;
  const maxChunk = deps.maxChunkValues ?? 5_000_000;
  const shared = deps.series ?? new SeriesStore(deps.storage);

  const plan = (data: GenerationJobData) => {
    const name = deps.generators.canonical(data.generator);
    const def = deps.generators.definition(name);
    const gen = deps.generators.create(name);
    const params = parseInput(gen.paramsSchema, data.params, `parameters for generator "${name}"`, {
      params: def.example,
    }) as Record<string, unknown>;
    const chunkValues = Math.min(data.chunkValues ?? 1_000_000, maxChunk);
    const chunks = planChunks(params, (p) => gen.estimatePoints(p), chunkValues);
    return { name, def, gen, params, chunks, chunkValues };
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
      const { name, def, gen, chunks, chunkValues } = plan(data);
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
      const biggest = chunks.count === 1 && !gen.openDevices ? chunks.values : 0;
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
      const seed = data.seed ?? 0;
      // the parts belong to the tenant that started the job, and only its subscribers hear of them
      const parts = deps.forTenant && ctx.tenant !== undefined ? deps.forTenant(ctx.tenant).series : shared;
      const { name, gen, params, chunks: windows, chunkValues } = plan(data);
      const stream = gen.openDevices?.(params, { rng: createRng(seed), signal: ctx.signal });
      const chunks = stream
        ? deviceChunks(stream, chunkValues, ctx.signal)
        : windowChunks(windows, gen, seed, ctx.signal);
      const saved = ctx.checkpoint.get<GenerationCheckpoint>();
      const state: GenerationCheckpoint = saved ?? { nextChunk: 0, values: 0, parts: 0 };
      if (saved) ctx.log.info({ from: saved.nextChunk, of: chunks.count }, 'resuming generation from checkpoint');
      for (let k = state.nextChunk; k < chunks.count; k++) {
        if (ctx.signal.aborted) throw new TsiotError('cancelled', `Job ${ctx.jobId} was cancelled`);
        const series = await chunks.generate(k);
        let values = 0;
        for (let i = 0; i < series.length; i++) {
          const s = series[i]!;
          s.id = `${ctx.jobId}-c${k}-s${i}`;
          if (data.name) s.name = chunks.single ? data.name : `${data.name}/${s.name}`;
          s.metadata = {
            ...s.metadata,
            generator: name,
            seed,
            createdAt: s.metadata.createdAt ?? new Date().toISOString(),
            tags: { ...(s.metadata.tags ?? {}), ...(data.tags ?? {}), [JOB_TAG]: ctx.jobId, [CHUNK_TAG]: String(k) },
          };
          values += s.timestamps.length * s.columns.length;
        }
        await parts.store(series, { keepIds: true, signal: ctx.signal, announce: { jobId: ctx.jobId, chunk: k } });
        state.nextChunk = k + 1;
        state.values += values;
        state.parts += series.length;
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

/** The chunks of a job: how many, and the series of chunk k. */
interface JobChunks {
  count: number;
  /** One series in the whole job (a single device), so parts keep the job's name. */
  single: boolean;
  generate(k: number): Promise<TimeSeries[]>;
}

function cancelledCheck(signal: AbortSignal): () => void {
  return () => {
    if (signal.aborted) throw new TsiotError('cancelled', 'Generation was cancelled');
  };
}

/** Chunks cut from a DeviceStream; the last device made is kept, so its windows are generated once. */
function deviceChunks(stream: DeviceStream, chunkValues: number, signal: AbortSignal): JobChunks {
  const plan = planDeviceChunks(stream.count, stream.valuesPerDevice, chunkValues);
  const checkpoint = cancelledCheck(signal);
  let last: { index: number; series: TimeSeries } | undefined;
  const device = async (index: number) => {
    if (last?.index !== index) last = { index, series: await stream.device(index, checkpoint) };
    return last.series;
  };
  return {
    count: plan.count,
    single: stream.count === 1,
    async generate(k) {
      const slice = plan.sliceFor(k);
      const out: TimeSeries[] = [];
      for (let d = slice.first; d < slice.last; d++) {
        const whole = await device(d);
        out.push(slice.windows === 1 ? whole : windowOf(whole, slice.window, slice.windows));
      }
      if (slice.windows === 1) last = undefined;
      return out;
    },
  };
}

/**
 * Window w of `windows` of a series' rows. It carries the labels that touch
 * the stretch of time from its first timestamp to the next window's first
 * (open-ended at both ends of the series), so every label of the series is on
 * at least one part.
 */
function windowOf(s: TimeSeries, w: number, windows: number): TimeSeries {
  const n = s.timestamps.length;
  const { lo, hi } = windowRows(n, w, windows);
  const from = w === 0 || lo >= n ? Number.NEGATIVE_INFINITY : s.timestamps[lo]!;
  const to = w === windows - 1 || hi >= n ? Number.POSITIVE_INFINITY : s.timestamps[hi]!;
  return {
    ...s,
    metadata: { ...s.metadata, tags: { ...(s.metadata.tags ?? {}) } },
    timestamps: s.timestamps.slice(lo, hi),
    columns: s.columns.map((c) => ({ ...c, values: c.values.slice(lo, hi) })),
    labels: (s.labels ?? []).filter((l) => l.end >= from && l.start < to),
  };
}

/** Chunks as time windows of the parameters, each its own call with its own seed. */
function windowChunks(plan: ChunkPlan, gen: Generator, seed: Seed, signal: AbortSignal): JobChunks {
  let single = false;
  return {
    count: plan.count,
    get single() {
      return single;
    },
    async generate(k) {
      const out = await gen.generate(plan.paramsFor(k), { rng: createRng(`${seed}/chunk-${k}`), signal });
      single = out.series.length === 1;
      return out.series;
    },
  };
}
