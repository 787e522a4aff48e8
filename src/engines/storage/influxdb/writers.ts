/**
 * The two write paths for line protocol:
 * - InfluxDB 1.x `POST /write?db=…` (also answered by 1.8+, 2.x compat, VictoriaMetrics);
 * - `POST /api/v2/write?org=…&bucket=…` through @influxdata/influxdb-client
 *   (InfluxDB 2.x, 1.8+, VictoriaMetrics).
 * Each `write` sends one batch; retries are the caller's (so a batch is
 * retried as a unit and a failure is known before the store commits).
 */
import { InfluxDB, setLogger, type WriteApi } from '@influxdata/influxdb-client';
import { TsiotError } from '../../../core/errors.js';
import { unavailable } from '../remote.js';
import type { InfluxHttp } from './http.js';
import type { Precision } from './line-protocol.js';

export interface LineWriter {
  /** Send one request body of newline-separated lines. */
  write(body: string, precision: Precision): Promise<void>;
  close(): Promise<void>;
}

/** InfluxDB 1.x write endpoint. */
export class V1Writer implements LineWriter {
  constructor(
    private readonly http: InfluxHttp,
    private readonly database: string,
  ) {}

  async write(body: string, precision: Precision): Promise<void> {
    const res = await this.http.request('POST', '/write', {
      query: { db: this.database, precision },
      body,
      contentType: 'text/plain; charset=utf-8',
    });
    await res.arrayBuffer();
  }

  async close(): Promise<void> {}
}

// The client logs failed writes to the console by itself; failures reach the caller as errors instead.
setLogger({ error: () => undefined, warn: () => undefined });

/** The v2 write API through the official client, one WriteApi per precision, no client-side retry buffer. */
export class V2Writer implements LineWriter {
  private readonly client: InfluxDB;
  private readonly apis = new Map<string, WriteApi[]>();

  constructor(
    private readonly options: {
      baseUrl: string;
      displayUrl: string;
      token?: string;
      org: string;
      bucket: string;
      timeoutMs: number;
      backend: string;
      gzip: boolean;
    },
  ) {
    this.client = new InfluxDB({
      url: options.baseUrl,
      ...(options.token ? { token: options.token } : {}),
      timeout: options.timeoutMs,
    });
  }

  /** A WriteApi that sends exactly what it is given on flush: no batching timer, no retries. */
  private api(precision: Precision): WriteApi {
    const key = precision;
    const free = this.apis.get(key) ?? [];
    this.apis.set(key, free);
    return (
      free.pop() ??
      this.client.getWriteApi(this.options.org, this.options.bucket, precision === 'u' ? 'us' : 'ms', {
        // Each write is one record holding a whole batch; above 1 the client never flushes (and swallows errors) on its own.
        batchSize: 2,
        maxBatchBytes: Number.MAX_SAFE_INTEGER,
        flushInterval: 0,
        maxRetries: 0,
        maxBufferLines: 0,
        // The client gzips bodies over 1 kB by default: a net loss on loopback and LANs.
        gzipThreshold: this.options.gzip ? 1_000 : Number.POSITIVE_INFINITY,
      })
    );
  }

  async write(body: string, precision: Precision): Promise<void> {
    const api = this.api(precision);
    try {
      api.writeRecord(body);
      await api.flush();
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      if (status === undefined || status >= 500 || status === 429)
        throw unavailable(this.options.backend, this.options.displayUrl, e, 'POST /api/v2/write');
      if (status === 401 || status === 403)
        throw new TsiotError('unauthorized', `${this.options.backend} refused the token (HTTP ${status})`);
      throw new TsiotError('invalid_input', `${this.options.backend} rejected a write: ${(e as Error).message}`, {
        details: { status },
      });
    } finally {
      this.apis.get(precision)!.push(api);
    }
  }

  async close(): Promise<void> {
    for (const list of this.apis.values()) for (const api of list) api.dispose();
    this.apis.clear();
  }
}
