/**
 * Sampling a loaded model into series: the one function the registry runs
 * inline and a pool worker runs off the event loop, so both give the same
 * bytes for the same seed.
 */
import { TsiotError } from '../../core/errors.js';
import { createRng, type Seed } from '../../core/rng.js';
import type { TimeSeries } from '../../core/types.js';
import type {
  AttributeValue,
  LearnedGenerator,
  LoadedModel,
  SampleContext,
  SampledEntity,
  SampleRequest,
} from '../generation/learner.js';
import { applyLayersToSeries, isLayered, type LayeredModel, type LayeredState, loadLayered } from './layers.js';
import type { ModelRecord } from './record.js';

export interface SampleCall {
  length: number;
  count?: number;
  context?: SampleContext;
  seed?: Seed;
  /** First timestamp (epoch ms) for context "random"/"none"; "end" continues after the training data. */
  startMs?: number;
  /** Fix static attributes of every sampled entity (models that learned them, e.g. dgan); the others are sampled. */
  attributes?: Record<string, AttributeValue>;
  /** Models that learned a missing-value pattern: "copy" puts it on the samples (default), "fill" leaves them complete. */
  missing?: 'copy' | 'fill';
}

/** A stored state as a sampler: layered states (constraints, gaps, categories) around the learner's own. */
export function loadModelState(learner: LearnedGenerator<any, any>, model: ModelRecord, state: unknown) {
  return model.layers ? loadLayered(learner, state as LayeredState) : learner.load(state);
}

/** Where the first sample of a call starts (epoch ms). */
export function sampleStart(model: ModelRecord, call: SampleCall): number {
  const context = call.context ?? 'end';
  return context === 'end' ? model.training.end + model.training.intervalMs : (call.startMs ?? model.training.start);
}

/**
 * Sample `call.count` series of `call.length` rows from a loaded model, seeded
 * by `seed` alone (the grid is checked by the caller).
 */
export async function sampleSeries(
  model: ModelRecord,
  m: LoadedModel,
  call: SampleCall,
  seed: Seed,
  signal?: AbortSignal,
): Promise<TimeSeries[]> {
  const count = call.count ?? 1;
  const context = call.context ?? 'end';
  const step = model.training.intervalMs;
  const start = sampleStart(model, call);
  const fixed = call.attributes && Object.keys(call.attributes).length > 0 ? call.attributes : undefined;
  const categoricalNames = model.layers?.categorical ?? [];
  const layered: LayeredModel | undefined = isLayered(m) ? m : undefined;
  const learnedAttributes = layered?.layers.categorical?.attributes.names ?? [];
  // Attributes of the categorical layer are drawn by it, not by the learner.
  const forLearner = fixed
    ? Object.fromEntries(Object.entries(fixed).filter(([k]) => !learnedAttributes.includes(k)))
    : undefined;
  const own = forLearner && Object.keys(forLearner).length ? forLearner : undefined;
  const request: SampleRequest = { length: call.length, count, context, ...(own ? { attributes: own } : {}) };
  let entities: (SampledEntity | { attributes?: undefined; path: Float64Array[] })[];
  if (m.sampleEntities) entities = await m.sampleEntities(request, createRng(seed), signal);
  else {
    if (own) {
      throw new TsiotError(
        'invalid_input',
        `attributes: model "${model.id}" (${model.generator}) learned no static attributes, so it cannot be conditioned on ${Object.keys(
          own,
        )
          .map((k) => `"${k}"`)
          .join(', ')}`,
        {
          details: { field: 'attributes', id: model.id, generator: model.generator },
          hint: categoricalNames.length
            ? `This model's categorical columns are ${categoricalNames.map((n) => `"${n}"`).join(', ')}; fix those, or fit a "dgan" model on several series carrying metadata.attributes.`
            : 'Fit a "dgan" model on several series carrying metadata.attributes, or leave attributes out.',
        },
      );
    }
    entities = (await m.sample(request, createRng(seed), signal)).map((path) => ({ path }));
  }
  const timestamps = Float64Array.from({ length: call.length }, (_, i) => start + i * step);
  const units = new Map(model.training.columns.map((c) => [c.name, c.unit]));
  const series = entities.map(({ attributes, path }, p): TimeSeries => {
    const name = count === 1 ? `${model.name}/sample` : `${model.name}/sample-${String(p + 1).padStart(3, '0')}`;
    return {
      id: name,
      name,
      metadata: {
        tags: {},
        generator: model.generator,
        seed,
        modelId: model.id,
        context,
        ...(model.privacy ? { privacy: model.privacy } : {}),
        ...(attributes && Object.keys(attributes).length ? { attributes } : {}),
      },
      timestamps: p === 0 ? timestamps : timestamps.slice(),
      columns: path.map((values, c) => {
        const unit = units.get(model.columns[c]!);
        return { name: model.columns[c]!, ...(unit !== undefined ? { unit } : {}), values };
      }),
      labels: [],
    };
  });
  if (layered) applyLayersToSeries(layered, series, createRng(seed), call.missing ?? 'copy', fixed);
  return series;
}
