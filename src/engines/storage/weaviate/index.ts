/**
 * Weaviate backend: series stored with a vector of their shape
 * (embedding.ts), so agents can ask for stored series similar to one they have
 * (`findSimilar`).
 *
 * URL: weaviate://[:apiKey@]host:8080?grpcPort=50051&secure=false&collection=TsiotSeries&dims=64
 * (the API key may also come from WEAVIATE_API_KEY; never logged).
 *
 * Layout, created on first use:
 *   <collection>       one object per series (uuid5 of the id), vector = its shape
 *                      embedding; properties seriesId, name, deviceId, generator,
 *                      gen, doc (JSON: metadata, columns, labels, counts)
 *   <collection>Chunk  the rows in chunks of CHUNK_ROWS (blob of float64, as in the
 *                      Redis backend), no vector; properties seriesId, gen, index, data
 * A store inserts the chunks of a fresh generation, then inserts or replaces
 * the series object (the commit point), then deletes the replaced chunks; a
 * failed store deletes its chunks.
 *
 * No Weaviate server can be installed on the machines this project is built
 * on: this backend is written to the weaviate-client 3.12 API and its tests
 * run when WEAVIATE_URL is set. The same similarity search is available on
 * the embedded backend through shapeEmbedding.
 */
import { randomBytes } from 'node:crypto';
import weaviate, { Filters, generateUuid5, type WeaviateClient } from 'weaviate-client';
import { TsiotError, notFound } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import { seriesHead, validateSeries } from '../../../core/series.js';
import type {
  HealthStatus,
  ListQuery,
  ListResult,
  SeriesQuery,
  SeriesSummary,
  TimeSeries,
} from '../../../core/types.js';
import { embeddingLayout, seriesEmbedding, shapeEmbedding } from '../embedding.js';
import { applyListQuery } from '../list-apply.js';
import { applySeriesQuery, checkSeriesQuery } from '../query-apply.js';
import { decodeChunk, encodeChunk } from '../chunk-codec.js';
import { seriesExists, summaryOf } from '../records.js';
import { describeCause, probeHealth, unavailable, withTimeout } from '../remote.js';
import type {
  SimilarityMatch,
  SimilarityOptions,
  SimilarityQuery,
  SimilaritySearch,
  Storage,
  StoreOptions,
  StoreResult,
} from '../storage.js';

export const CHUNK_ROWS = 16_384;
const CHUNK_BATCH = 16;

type SeriesProps = {
  seriesId: string;
  name: string;
  deviceId: string;
  generator: string;
  gen: string;
  doc: string;
};

type ChunkProps = {
  seriesId: string;
  gen: string;
  index: number;
  data: string;
};

interface WeaviateDoc extends Omit<SeriesSummary, 'labels'> {
  labels: TimeSeries['labels'];
  gen: string;
  chunks: number;
}

export interface WeaviateConfig {
  httpHost: string;
  httpPort: number;
  grpcPort: number;
  secure: boolean;
  apiKey?: string;
  collection: string;
  dims: number;
}

/** Parse a weaviate:// URL. */
export function parseWeaviateUrl(url: string, env: NodeJS.ProcessEnv = process.env): WeaviateConfig {
  const u = new URL(url);
  const secure = u.searchParams.get('secure') === 'true';
  const collection = u.searchParams.get('collection') ?? 'TsiotSeries';
  if (!/^[A-Z][A-Za-z0-9_]{0,200}$/.test(collection)) {
    throw new TsiotError(
      'invalid_input',
      `storage: Weaviate collection "${collection}" must start with a capital letter (letters, digits, _)`,
      { details: { field: 'collection', example: 'TsiotSeries' } },
    );
  }
  const dims = Number(u.searchParams.get('dims') ?? 64);
  embeddingLayout(dims);
  const apiKey = decodeURIComponent(u.password) || env.WEAVIATE_API_KEY;
  return {
    httpHost: u.hostname,
    httpPort: Number(u.port || (secure ? 443 : 8080)),
    grpcPort: Number(u.searchParams.get('grpcPort') ?? 50051),
    secure,
    ...(apiKey ? { apiKey } : {}),
    collection,
    dims,
  };
}

export interface SimilarSeries {
  summary: SeriesSummary;
  /** Cosine distance between the shape embeddings (0 = same shape). */
  distance: number;
}

export interface WeaviateStorageOptions {
  url: string;
  logger?: Logger;
}

export class WeaviateStorage implements Storage, SimilaritySearch {
  readonly kind = 'weaviate';
  readonly config: WeaviateConfig;
  private readonly url: string;
  private readonly logger: Logger | undefined;
  private client: Promise<WeaviateClient> | undefined;

  constructor(options: WeaviateStorageOptions) {
    this.url = options.url;
    this.logger = options.logger;
    this.config = parseWeaviateUrl(options.url);
  }

  private connect(): Promise<WeaviateClient> {
    const c = this.config;
    this.client ??= weaviate
      .connectToCustom({
        httpHost: c.httpHost,
        httpPort: c.httpPort,
        httpSecure: c.secure,
        grpcHost: c.httpHost,
        grpcPort: c.grpcPort,
        grpcSecure: c.secure,
        ...(c.apiKey ? { authCredentials: new weaviate.ApiKey(c.apiKey) } : {}),
        timeout: { init: 3, query: 60, insert: 120 },
      })
      .catch((e: unknown) => {
        this.client = undefined;
        throw unavailable('Weaviate', this.url, e, 'connect');
      });
    return this.client;
  }

  private async collections() {
    const client = await this.connect();
    return {
      series: client.collections.get<SeriesProps>(this.config.collection),
      chunks: client.collections.get<ChunkProps>(`${this.config.collection}Chunk`),
    };
  }

  /** Weaviate calls; transport failures become 'unavailable'. */
  private async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof TsiotError) throw e;
      if (
        /ECONNREFUSED|ECONNRESET|UNAVAILABLE|DEADLINE_EXCEEDED|fetch failed|timed? ?out|connect/i.test(describeCause(e))
      )
        throw unavailable('Weaviate', this.url, e, what);
      throw e;
    }
  }

  async init(): Promise<void> {
    const client = await this.connect();
    await this.run('schema', async () => {
      const name = this.config.collection;
      if (!(await client.collections.exists(name))) {
        await client.collections.create({
          name,
          vectorizers: weaviate.configure.vectorizer.selfProvided(),
          properties: [
            { name: 'seriesId', dataType: 'text', tokenization: 'field' },
            { name: 'name', dataType: 'text', tokenization: 'field' },
            { name: 'deviceId', dataType: 'text', tokenization: 'field' },
            { name: 'generator', dataType: 'text', tokenization: 'field' },
            { name: 'gen', dataType: 'text', tokenization: 'field' },
            { name: 'doc', dataType: 'text', indexFilterable: false, indexSearchable: false },
          ],
        });
      }
      if (!(await client.collections.exists(`${name}Chunk`))) {
        await client.collections.create({
          name: `${name}Chunk`,
          vectorizers: weaviate.configure.vectorizer.none(),
          properties: [
            { name: 'seriesId', dataType: 'text', tokenization: 'field' },
            { name: 'gen', dataType: 'text', tokenization: 'field' },
            { name: 'index', dataType: 'int' },
            { name: 'data', dataType: 'blob' },
          ],
        });
      }
    });
  }

  private uuid(id: string): string {
    return generateUuid5(id, this.config.collection);
  }

  async store(series: TimeSeries, options: StoreOptions = {}): Promise<StoreResult> {
    validateSeries(series);
    await this.init();
    const { series: coll, chunks } = await this.collections();
    const what = `store of series "${series.id}"`;
    const uuid = this.uuid(series.id);
    const previous = await this.doc(series.id);
    if (previous && !options.overwrite) {
      throw seriesExists(series.id);
    }
    const n = series.timestamps.length;
    const gen = randomBytes(6).toString('base64url');
    const count = Math.ceil(n / CHUNK_ROWS);
    const doc: WeaviateDoc = {
      ...seriesHead(series),
      gen,
      chunks: count,
    };
    try {
      for (let k = 0; k < count; k += CHUNK_BATCH) {
        const objects: { id: string; properties: ChunkProps }[] = [];
        for (let j = k; j < Math.min(count, k + CHUNK_BATCH); j++) {
          const data = encodeChunk(
            series.timestamps,
            series.columns,
            j * CHUNK_ROWS,
            Math.min(n, (j + 1) * CHUNK_ROWS),
          ).toString('base64');
          objects.push({
            id: generateUuid5(`${series.id}/${gen}/${j}`, this.config.collection),
            properties: { seriesId: series.id, gen, index: j, data },
          });
        }
        const res = await this.run(what, () => chunks.data.insertMany(objects));
        if (res.hasErrors)
          throw new TsiotError(
            'unavailable',
            `Weaviate refused chunks of series "${series.id}": ${JSON.stringify(Object.values(res.errors)[0]?.message ?? '')}`,
          );
      }
      const properties: SeriesProps = {
        seriesId: series.id,
        name: series.name,
        deviceId: series.metadata.deviceId ?? '',
        generator: series.metadata.generator ?? '',
        gen,
        doc: JSON.stringify(doc),
      };
      const vectors = Array.from(seriesEmbedding(series, { dims: this.config.dims }));
      await this.run(what, async () => {
        if (previous) await coll.data.replace({ id: uuid, properties, vectors });
        else await coll.data.insert({ id: uuid, properties, vectors });
      });
    } catch (e) {
      await this.deleteChunks(series.id, gen).catch((err) =>
        this.logger?.warn(
          { backend: 'weaviate', err: describeCause(err) },
          `${what}: could not remove the chunks of a failed store`,
        ),
      );
      throw e;
    }
    if (previous)
      await this.deleteChunks(series.id, previous.gen).catch((err) =>
        this.logger?.warn({ backend: 'weaviate', err: describeCause(err) }, 'could not remove a replaced generation'),
      );
    return { id: series.id, points: n, backend: this.kind };
  }

  private async deleteChunks(id: string, gen?: string): Promise<void> {
    const { chunks } = await this.collections();
    const byId = chunks.filter.byProperty('seriesId').equal(id);
    await chunks.data.deleteMany(
      gen === undefined ? byId : Filters.and(byId, chunks.filter.byProperty('gen').equal(gen)),
    );
  }

  private async doc(id: string): Promise<WeaviateDoc | undefined> {
    const { series } = await this.collections();
    const obj = await this.run(`read of series "${id}"`, () => series.query.fetchObjectById(this.uuid(id)));
    return obj ? (JSON.parse(obj.properties.doc) as WeaviateDoc) : undefined;
  }

  async retrieve(q: SeriesQuery): Promise<TimeSeries> {
    checkSeriesQuery(q);
    const doc = await this.doc(q.id);
    if (!doc) throw notFound('series', q.id);
    const { chunks } = await this.collections();
    const res = await this.run(`read of series "${q.id}"`, () =>
      chunks.query.fetchObjects({
        filters: Filters.and(
          chunks.filter.byProperty('seriesId').equal(q.id),
          chunks.filter.byProperty('gen').equal(doc.gen),
        ),
        limit: Math.max(1, doc.chunks),
        returnProperties: ['index', 'data'],
      }),
    );
    const parts = res.objects
      .map((o) => ({
        index: o.properties.index,
        ...decodeChunk(Buffer.from(o.properties.data, 'base64'), doc.columns.length),
      }))
      .sort((a, b) => a.index - b.index);
    if (parts.length !== doc.chunks)
      throw new TsiotError('unavailable', `Weaviate: series "${q.id}" changed while being read; retry`);
    const timestamps = new Float64Array(doc.points);
    const values = doc.columns.map(() => new Float64Array(doc.points));
    let at = 0;
    for (const p of parts) {
      timestamps.set(p.timestamps, at);
      values.forEach((v, j) => {
        v.set(p.values[j]!, at);
      });
      at += p.timestamps.length;
    }
    const full: TimeSeries = {
      id: doc.id,
      name: doc.name,
      metadata: doc.metadata,
      labels: doc.labels,
      timestamps,
      columns: doc.columns.map((c, j) => ({ ...c, values: values[j]! })),
    };
    return applySeriesQuery(full, q);
  }

  async describe(id: string): Promise<SeriesSummary | undefined> {
    const doc = await this.doc(id);
    return doc ? summaryOf(doc) : undefined;
  }

  async list(q: ListQuery = {}): Promise<ListResult> {
    const { series } = await this.collections();
    const docs: WeaviateDoc[] = [];
    await this.run('list of series', async () => {
      for await (const obj of series.iterator({ returnProperties: ['doc'] }))
        docs.push(JSON.parse(obj.properties.doc) as WeaviateDoc);
    });
    return applyListQuery(docs.map(summaryOf), q);
  }

  async delete(id: string): Promise<boolean> {
    const { series } = await this.collections();
    const existed = await this.run(`delete of series "${id}"`, async () => {
      const had = (await series.query.fetchObjectById(this.uuid(id))) !== null;
      if (had) await series.data.deleteById(this.uuid(id));
      return had;
    });
    await this.run(`delete of series "${id}"`, () => this.deleteChunks(id));
    return existed;
  }

  /**
   * Stored series whose shape is nearest to the query, nearest first: a
   * series (its `column`, or all columns averaged), a ready embedding of this
   * backend's dims, raw values, or a stored series by id (the embedding of
   * its `column`, or of all columns; that series is left out of the answer).
   * Vectors are per series, so matches name no column and filtering stored
   * columns by name is unsupported.
   */
  async findSimilar(
    query: TimeSeries | Float32Array | SimilarityQuery,
    options: SimilarityOptions = {},
  ): Promise<(SimilarityMatch & SimilarSeries)[]> {
    let vector: Float32Array;
    let excludeId = options.excludeId;
    if (query instanceof Float32Array) {
      vector = query;
    } else if ('timestamps' in query) {
      vector = seriesEmbedding(query, {
        dims: this.config.dims,
        ...(options.column ? { column: options.column } : {}),
      });
    } else {
      if (options.column !== undefined) {
        throw new TsiotError(
          'unsupported',
          'findSimilar: the Weaviate backend keeps one vector per series, so it cannot restrict matches to a column',
          {
            details: { field: 'column' },
            hint: 'Leave out the column filter, or use the DuckDB backend, which indexes each column.',
          },
        );
      }
      if ('values' in query) {
        vector = shapeEmbedding(query.values, this.config.dims);
      } else {
        vector = seriesEmbedding(await this.retrieve({ id: query.id }), {
          dims: this.config.dims,
          ...(query.column !== undefined ? { column: query.column } : {}),
        });
        excludeId ??= query.id;
      }
    }
    if (vector.length !== this.config.dims)
      throw new TsiotError(
        'invalid_input',
        `findSimilar: the vector has ${vector.length} dimensions; this store uses ${this.config.dims}`,
      );
    const limit = options.limit ?? 10;
    const { series } = await this.collections();
    const res = await this.run('similarity search', () =>
      series.query.nearVector(Array.from(vector), {
        limit: excludeId !== undefined ? limit + 1 : limit,
        returnMetadata: ['distance'],
        returnProperties: ['doc'],
      }),
    );
    return res.objects
      .map((o) => {
        const summary = summaryOf(JSON.parse(o.properties.doc) as WeaviateDoc);
        return { id: summary.id, name: summary.name, summary, distance: o.metadata?.distance ?? NaN };
      })
      .filter((m) => m.id !== excludeId)
      .slice(0, limit);
  }

  async health(): Promise<HealthStatus> {
    return probeHealth(this.kind, this.url, async () => {
      const client = await withTimeout(this.connect(), 3_000, () => new Error('connect timed out'));
      if (!(await client.isReady())) throw new Error('not ready');
      const meta = await client.getMeta();
      return `Weaviate ${meta.version ?? ''}, collection ${this.config.collection}, ${this.config.dims}-dim shape vectors`;
    });
  }

  async close(): Promise<void> {
    const client = await this.client?.catch(() => undefined);
    await client?.close();
  }
}
