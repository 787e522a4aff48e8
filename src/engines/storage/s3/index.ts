/**
 * S3 backend (AWS S3 or any S3-compatible store).
 *
 * URL: s3://[accessKey:secret@]bucket/prefix?endpoint=http://127.0.0.1:4568
 *        &region=us-east-1&formats=csv,parquet&partSize=<bytes>&forcePathStyle=true
 * Credentials from the URL, else the SDK's usual chain (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, profiles…); never logged. With an endpoint, path-style
 * addressing is the default (what S3-compatible servers expect).
 *
 * Layout under <prefix>/:
 *   manifests/<id>.json                        the series document: name, metadata,
 *                                              columns, labels, counts and its objects
 *   data/<id>/<gen>/series.<csv|ndjson|parquet> the rows, written by the export module
 *                                              (timestamps as epoch ms)
 * (ids are URI-encoded in keys). A store uploads the objects of a fresh
 * generation (multipart above partSize), then puts the manifest (the commit
 * point), then deletes the replaced generation; a failed store deletes or
 * aborts what it uploaded. Reads use the CSV (else NDJSON) object; Parquet is
 * there for analytics tools.
 *
 * Checksums: requestChecksumCalculation and responseChecksumValidation are
 * WHEN_REQUIRED; with the SDK defaults, streamed bodies were stored with their
 * aws-chunked framing by S3-compatible test servers.
 */
import { parseS3Encryption, requestServerSideEncryption, type S3Encryption } from './sse.js';
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
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
import { EXPORT_CONTENT_TYPES, writeSeries, type ExportFormat } from '../../export/index.js';
import { applyListQuery } from '../list-apply.js';
import { applySeriesQuery, checkSeriesQuery } from '../query-apply.js';
import { seriesExists, summaryOf } from '../records.js';
import { describeCause, probeHealth, unavailable } from '../remote.js';
import { parseSeriesCsv, parseSeriesNdjson } from './read-back.js';
import { MIN_PART_BYTES, ObjectUpload } from './upload.js';
import type { Storage, StoreOptions, StoreResult } from '../storage.js';

export type S3Format = Extract<ExportFormat, 'csv' | 'ndjson' | 'parquet'>;
const FORMATS: readonly S3Format[] = ['csv', 'ndjson', 'parquet'];

export interface S3Config {
  bucket: string;
  prefix: string;
  formats: S3Format[];
  partSize: number;
  client: S3ClientConfig;
  /** Server-side encryption requested on every object written (`sse`, `sseKmsKeyId`). */
  encryption?: S3Encryption;
}

interface Manifest extends Omit<SeriesSummary, 'labels'> {
  labels: TimeSeries['labels'];
  gen: string;
  objects: { format: S3Format; key: string; bytes: number; parts: number }[];
  storedAt: string;
}

/** Parse an s3:// URL into client settings, bucket, prefix and formats. */
export function parseS3Url(url: string): S3Config {
  const u = new URL(url);
  const bucket = u.hostname;
  if (!bucket)
    throw new TsiotError('invalid_input', 'storage: the S3 URL needs a bucket', {
      details: { field: 'storage', example: 's3://my-bucket/tsiot?region=eu-west-1' },
    });
  const prefix = decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, '');
  const formats = (u.searchParams.get('formats') ?? 'csv,parquet').split(',').map((f) => f.trim()) as S3Format[];
  for (const f of formats) {
    if (!FORMATS.includes(f))
      throw new TsiotError('invalid_input', `storage: S3 format "${f}" is not one of ${FORMATS.join(', ')}`, {
        details: { field: 'formats', example: 'csv,parquet' },
      });
  }
  if (!formats.includes('csv') && !formats.includes('ndjson')) {
    throw new TsiotError(
      'invalid_input',
      'storage: S3 formats must include csv or ndjson (the copy series are read back from)',
      { details: { field: 'formats', example: 'csv,parquet' } },
    );
  }
  const partSize = Number(u.searchParams.get('partSize') ?? 8 * 1024 * 1024);
  if (!Number.isInteger(partSize) || partSize < MIN_PART_BYTES) {
    throw new TsiotError('invalid_input', `storage: S3 partSize must be a whole number of bytes ≥ ${MIN_PART_BYTES}`, {
      details: { field: 'partSize', example: 8 * 1024 * 1024 },
    });
  }
  const endpoint = u.searchParams.get('endpoint') ?? undefined;
  const encryption = parseS3Encryption(u.searchParams);
  const accessKeyId = decodeURIComponent(u.username);
  const secretAccessKey = decodeURIComponent(u.password);
  return {
    bucket,
    prefix,
    formats: [...new Set(formats)],
    partSize,
    ...(encryption ? { encryption } : {}),
    client: {
      region: u.searchParams.get('region') ?? process.env.AWS_REGION ?? 'us-east-1',
      ...(endpoint ? { endpoint } : {}),
      forcePathStyle: (u.searchParams.get('forcePathStyle') ?? (endpoint ? 'true' : 'false')) === 'true',
      ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 2_000, requestTimeout: 120_000 },
    },
  };
}

export interface S3StorageOptions {
  url: string;
  logger?: Logger;
}

export class S3Storage implements Storage {
  readonly kind = 's3';
  readonly config: S3Config;
  private readonly client: S3Client;
  private readonly url: string;
  private readonly logger: Logger | undefined;
  private ready: Promise<void> | undefined;

  constructor(options: S3StorageOptions) {
    this.url = options.url;
    this.logger = options.logger;
    this.config = parseS3Url(options.url);
    this.client = new S3Client(this.config.client);
    if (this.config.encryption) requestServerSideEncryption(this.client, this.config.encryption);
  }

  private key(...parts: string[]): string {
    return [this.config.prefix, ...parts].filter(Boolean).join('/');
  }

  private manifestKey(id: string): string {
    return this.key('manifests', `${encodeURIComponent(id)}.json`);
  }

  /** Run S3 calls; network failures and server errors become 'unavailable', refusals 'forbidden'. */
  private async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof TsiotError) throw e;
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const name = (e as Error).name;
      if (
        status === 403 ||
        name === 'AccessDenied' ||
        name === 'InvalidAccessKeyId' ||
        name === 'SignatureDoesNotMatch'
      ) {
        throw new TsiotError('forbidden', `S3 refused ${what} (${name}); check the credentials and bucket policy`, {
          cause: e,
        });
      }
      if (status === undefined || status >= 500 || status === 429) throw unavailable('S3', this.url, e, what);
      throw e;
    }
  }

  /** Create the bucket when it does not exist (S3-compatible test servers start empty). */
  async init(): Promise<void> {
    this.ready ??= this.run('bucket check', async () => {
      try {
        await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }));
      } catch (e) {
        if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw e;
        await this.client.send(new CreateBucketCommand({ Bucket: this.config.bucket }));
      }
    }).catch((e) => {
      this.ready = undefined;
      throw e;
    });
    await this.ready;
  }

  private async getText(key: string): Promise<string | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: key }));
      return await res.Body!.transformToString('utf8');
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if ((e as Error).name === 'NoSuchKey' || status === 404) return undefined;
      throw e;
    }
  }

  private async manifest(id: string): Promise<Manifest | undefined> {
    await this.init();
    const text = await this.run(`read of series "${id}"`, () => this.getText(this.manifestKey(id)));
    return text === undefined ? undefined : (JSON.parse(text) as Manifest);
  }

  async store(series: TimeSeries, options: StoreOptions = {}): Promise<StoreResult> {
    validateSeries(series);
    await this.init();
    const what = `store of series "${series.id}"`;
    if (!options.overwrite && (await this.manifest(series.id))) throw seriesExists(series.id);
    const gen = randomBytes(6).toString('base64url');
    const uploads: ObjectUpload[] = [];
    const written: string[] = [];
    try {
      const objects: Manifest['objects'] = [];
      for (const format of this.config.formats) {
        const upload = new ObjectUpload(
          this.client,
          this.config.bucket,
          this.key('data', encodeURIComponent(series.id), gen, `series.${format}`),
          EXPORT_CONTENT_TYPES[format],
          this.config.partSize,
        );
        uploads.push(upload);
        await this.run(what, async () => {
          await writeSeries([series], format, (chunk) => upload.write(chunk), {
            timestamps: 'ms',
            chunkBytes: 1 << 20,
          });
          const done = await upload.end();
          written.push(done.key);
          objects.push({ format, key: done.key, bytes: done.bytes, parts: done.parts });
        });
      }
      const n = series.timestamps.length;
      const manifest: Manifest = {
        ...seriesHead(series),
        gen,
        objects,
        storedAt: new Date().toISOString(),
      };
      const previous = options.overwrite ? await this.manifest(series.id) : undefined;
      await this.run(what, () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.config.bucket,
            Key: this.manifestKey(series.id),
            Body: JSON.stringify(manifest),
            ContentType: 'application/json',
          }),
        ),
      );
      if (previous)
        await this.removeObjects(previous.objects.map((o) => o.key)).catch((e) =>
          this.logger?.warn({ backend: 's3', err: describeCause(e) }, 'could not remove a replaced generation'),
        );
      return { id: series.id, points: n, backend: this.kind };
    } catch (e) {
      await Promise.allSettled([...uploads.map((u) => u.abort()), this.removeObjects(written)]);
      throw e;
    }
  }

  private async removeObjects(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.config.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
    }
  }

  async retrieve(q: SeriesQuery): Promise<TimeSeries> {
    checkSeriesQuery(q);
    // A concurrent overwrite may delete the objects between the manifest and the data: read again.
    for (let attempt = 0; ; attempt++) {
      const m = await this.manifest(q.id);
      if (!m) throw notFound('series', q.id);
      const source = m.objects.find((o) => o.format === 'csv') ?? m.objects.find((o) => o.format === 'ndjson');
      if (!source) throw new TsiotError('unsupported', `S3: series "${q.id}" has no CSV or NDJSON object to read back`);
      const text = await this.run(`read of series "${q.id}"`, () => this.getText(source.key));
      if (text === undefined) {
        if (attempt >= 3) throw new TsiotError('unavailable', `S3: series "${q.id}" changed while being read; retry`);
        continue;
      }
      const rows =
        source.format === 'csv'
          ? parseSeriesCsv(text, m.name, m.columns.length)
          : parseSeriesNdjson(
              text,
              m.columns.map((c) => c.name),
            );
      const full: TimeSeries = {
        id: m.id,
        name: m.name,
        metadata: m.metadata,
        labels: m.labels,
        timestamps: rows.timestamps,
        columns: m.columns.map((c, j) => ({ ...c, values: rows.values[j]! })),
      };
      return applySeriesQuery(full, q);
    }
  }

  async describe(id: string): Promise<SeriesSummary | undefined> {
    const m = await this.manifest(id);
    return m ? summaryOf(m) : undefined;
  }

  async list(q: ListQuery = {}): Promise<ListResult> {
    await this.init();
    const keys: string[] = [];
    await this.run('list of series', async () => {
      let token: string | undefined;
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.config.bucket,
            Prefix: this.key('manifests', ''),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        for (const o of page.Contents ?? []) if (o.Key?.endsWith('.json')) keys.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    });
    const manifests: Manifest[] = [];
    for (let i = 0; i < keys.length; i += 16) {
      const texts = await this.run('list of series', () =>
        Promise.all(keys.slice(i, i + 16).map((k) => this.getText(k))),
      );
      for (const t of texts) if (t !== undefined) manifests.push(JSON.parse(t) as Manifest);
    }
    return applyListQuery(manifests.map(summaryOf), q);
  }

  async delete(id: string): Promise<boolean> {
    const m = await this.manifest(id);
    if (!m) return false;
    await this.run(`delete of series "${id}"`, async () => {
      await this.removeObjects([this.manifestKey(id)]);
      await this.removeObjects(m.objects.map((o) => o.key));
    });
    return true;
  }

  async health(): Promise<HealthStatus> {
    return probeHealth(this.kind, this.url, async () => {
      await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }));
      return `S3 bucket ${this.config.bucket}${this.config.client.endpoint ? ` at ${String(this.config.client.endpoint)}` : ''}, formats ${this.config.formats.join(', ')}`;
    });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
