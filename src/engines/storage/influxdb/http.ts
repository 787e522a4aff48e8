/**
 * A small HTTP client for InfluxDB-compatible servers: base URL, auth header,
 * per-request timeout, and errors mapped to TsiotError (5xx/429 and network
 * failures are 'unavailable' and retryable; other 4xx are not).
 */
import { TsiotError } from '../../../core/errors.js';
import { unavailable } from '../remote.js';

export interface InfluxHttpOptions {
  /** http(s)://host:port, without credentials. */
  baseUrl: string;
  /** The storage URL as configured, for messages (redacted there). */
  displayUrl: string;
  /** Authorization header value, e.g. "Token …" or "Basic …". */
  authorization?: string;
  timeoutMs: number;
  backend: string;
}

export class InfluxHttp {
  constructor(readonly options: InfluxHttpOptions) {}

  /** Send a request; returns the response when its status is 2xx. */
  async request(
    method: string,
    path: string,
    init: { query?: Record<string, string>; body?: string; contentType?: string; timeoutMs?: number } = {},
  ): Promise<Response> {
    const url = new URL(path, this.options.baseUrl);
    for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = {};
    if (this.options.authorization) headers.authorization = this.options.authorization;
    if (init.contentType) headers['content-type'] = init.contentType;
    const what = `${method} ${url.pathname}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
        signal: AbortSignal.timeout(init.timeoutMs ?? this.options.timeoutMs),
      });
    } catch (e) {
      throw unavailable(this.options.backend, this.options.displayUrl, e, what);
    }
    if (res.ok) return res;
    const text = (await res.text().catch(() => '')).slice(0, 500);
    const reason = `HTTP ${res.status}${text ? `: ${text.trim()}` : ''}`;
    if (res.status >= 500 || res.status === 429)
      throw unavailable(this.options.backend, this.options.displayUrl, new Error(reason), what);
    if (res.status === 401 || res.status === 403) {
      throw new TsiotError(
        'unauthorized',
        `${this.options.backend} refused the credentials (${what}: HTTP ${res.status})`,
        {
          hint: 'Check the user/password or token in the storage URL or environment.',
        },
      );
    }
    throw new TsiotError('invalid_input', `${this.options.backend} rejected ${what}: ${reason}`, {
      details: { status: res.status },
    });
  }
}
