/**
 * Reads and deletes through InfluxQL (`/query`), as InfluxDB 1.x (and the
 * 1.x-compatible API of 1.8+ and 2.x with a DBRP mapping) answer them.
 *
 * The per-series document lives in the measurement `<measurement>_meta`: one
 * point at time 0 per id with string fields doc_0…doc_{parts-1} (JSON split
 * below InfluxDB's 64 KB string limit), `parts` and `gen`.
 */
import { TsiotError } from '../../../core/errors.js';
import type { Aggregation, TimeSeries } from '../../../core/types.js';
import type { InfluxDialect, RowRange, Rows } from './dialect.js';
import type { InfluxHttp } from './http.js';
import {
  EMPTY_FIELD,
  GEN_TAG,
  ID_TAG,
  MAX_TIME_MS,
  MIN_TIME_MS,
  escapeKey,
  escapeMeasurement,
  stringField,
} from './line-protocol.js';
import { splitText, type MetaDoc } from './meta.js';

const DOC_PART_CHARS = 60_000;
const CHUNK_ROWS = 50_000;

interface QueryResult {
  statement_id?: number;
  error?: string;
  series?: { name: string; columns: string[]; values: unknown[][]; tags?: Record<string, string> }[];
}

/** An InfluxQL identifier in double quotes. */
export function qIdent(s: string): string {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** An InfluxQL string literal in single quotes. */
export function qString(s: string): string {
  return `'${s.replace(/['\\]/g, (c) => `\\${c}`)}'`;
}

/** An InfluxQL absolute time literal (integer microseconds). */
export function qTime(ms: number): string {
  return `${BigInt(Math.round(ms * 1000))}u`;
}

const AGG: Record<Aggregation, string> = {
  avg: 'mean',
  min: 'min',
  max: 'max',
  first: 'first',
  last: 'last',
  sum: 'sum',
  count: 'count',
};

export class InfluxQlDialect implements InfluxDialect {
  readonly name = 'influxql';
  readonly minTimeMs = MIN_TIME_MS;

  constructor(
    private readonly http: InfluxHttp,
    private readonly database: string,
    private readonly measurement: string,
    private readonly options: { createDatabase: boolean },
  ) {}

  private get metaMeasurement(): string {
    return `${this.measurement}_meta`;
  }

  check(_series: TimeSeries): void {}

  async init(): Promise<void> {
    if (this.options.createDatabase) await this.statement(`CREATE DATABASE ${qIdent(this.database)}`, 'POST');
  }

  metaLines(doc: MetaDoc): { lines: string[]; precision: 'ms' } {
    const parts = splitText(JSON.stringify(doc), DOC_PART_CHARS);
    const fields = [
      `parts=${parts.length}i`,
      `gen=${stringField(doc.gen)}`,
      ...parts.map((p, i) => `doc_${i}=${stringField(p)}`),
    ];
    return {
      lines: [`${escapeMeasurement(this.metaMeasurement)},${ID_TAG}=${escapeKey(doc.id)} ${fields.join(',')} 0`],
      precision: 'ms',
    };
  }

  async readMeta(id?: string): Promise<MetaDoc[]> {
    const where = id === undefined ? '' : ` WHERE ${qIdent(ID_TAG)} = ${qString(id)}`;
    const docs: MetaDoc[] = [];
    for await (const result of this.select(`SELECT * FROM ${qIdent(this.metaMeasurement)}${where}`)) {
      for (const s of result.series ?? []) {
        const partsAt = s.columns.indexOf('parts');
        for (const row of s.values) {
          const parts = Number(row[partsAt]);
          let json = '';
          for (let i = 0; i < parts; i++) json += String(row[s.columns.indexOf(`doc_${i}`)] ?? '');
          docs.push(JSON.parse(json) as MetaDoc);
        }
      }
    }
    return docs;
  }

  private rowFilter(doc: MetaDoc, range: RowRange): string {
    const where = [`${qIdent(ID_TAG)} = ${qString(doc.id)}`, `${qIdent(GEN_TAG)} = ${qString(doc.gen)}`];
    // Explicit bounds on both sides: without an upper bound InfluxQL stops at now().
    where.push(`time >= ${qTime(range.start ?? MIN_TIME_MS)}`, `time <= ${qTime(range.end ?? MAX_TIME_MS)}`);
    return where.join(' AND ');
  }

  async readRows(doc: MetaDoc, range: RowRange): Promise<Rows> {
    // Every column plus the empty-row marker, so no stored row is dropped for being all-null.
    const fields = [...doc.columns.map((c) => c.name), EMPTY_FIELD];
    const limit = range.limit !== undefined ? ` LIMIT ${range.limit}` : '';
    const sql = `SELECT ${fields.map((f) => `${qIdent(f)}::field`).join(', ')} FROM ${qIdent(this.measurement)} WHERE ${this.rowFilter(doc, range)}${limit}`;
    return this.collect(sql, doc.columns.length, (v) => (v === null ? NaN : (v as number)));
  }

  async downsample(
    doc: MetaDoc,
    columns: string[],
    range: RowRange,
    bucketMs: number,
    aggregation: Aggregation,
  ): Promise<Rows> {
    const bucketUs = bucketMs * 1000;
    if (!Number.isInteger(bucketUs))
      throw new TsiotError(
        'unsupported',
        `InfluxDB: downsample.bucketMs must be a whole number of microseconds (got ${bucketMs})`,
      );
    if (doc.start === null || doc.end === null)
      return { timestamps: new Float64Array(0), values: columns.map(() => new Float64Array(0)) };
    const bounded = {
      ...range,
      start: Math.max(range.start ?? doc.start, doc.start),
      end: Math.min(range.end ?? doc.end, doc.end),
    };
    if (bounded.start > bounded.end)
      return { timestamps: new Float64Array(0), values: columns.map(() => new Float64Array(0)) };
    // The counts over every field keep a bucket that holds rows but no value in the selected columns.
    const presence = [...doc.columns.map((c) => c.name), EMPTY_FIELD].map((f) => `count(${qIdent(f)}::field)`);
    const aggs = columns.map((c) => `${AGG[aggregation]}(${qIdent(c)}::field)`);
    const limit = range.limit !== undefined ? ` LIMIT ${range.limit}` : '';
    const sql = `SELECT ${[...aggs, ...presence].join(', ')} FROM ${qIdent(this.measurement)} WHERE ${this.rowFilter(doc, bounded)} GROUP BY time(${bucketUs}u) fill(none)${limit}`;
    const missing = aggregation === 'count' ? 0 : NaN;
    return this.collect(sql, columns.length, (v) => (v === null ? missing : (v as number)));
  }

  /** Run a SELECT and gather the first `width` value columns after time into arrays. */
  private async collect(sql: string, width: number, value: (v: unknown) => number): Promise<Rows> {
    const ts: number[] = [];
    const cols: number[][] = Array.from({ length: width }, () => []);
    for await (const result of this.select(sql)) {
      for (const s of result.series ?? []) {
        for (const row of s.values) {
          ts.push((row[0] as number) / 1000);
          for (let j = 0; j < width; j++) cols[j]!.push(value(row[j + 1]));
        }
      }
    }
    return { timestamps: Float64Array.from(ts), values: cols.map((c) => Float64Array.from(c)) };
  }

  async deleteSeries(id: string, options: { gen?: string; meta: boolean }): Promise<void> {
    if (options.meta)
      await this.statement(
        `DROP SERIES FROM ${qIdent(this.metaMeasurement)} WHERE ${qIdent(ID_TAG)} = ${qString(id)}`,
        'POST',
      );
    const gen = options.gen === undefined ? '' : ` AND ${qIdent(GEN_TAG)} = ${qString(options.gen)}`;
    await this.statement(
      `DROP SERIES FROM ${qIdent(this.measurement)} WHERE ${qIdent(ID_TAG)} = ${qString(id)}${gen}`,
      'POST',
    );
  }

  async describeServer(): Promise<string> {
    const res = await this.http.request('GET', '/ping', { timeoutMs: 2_000 });
    await res.arrayBuffer();
    const version = res.headers.get('x-influxdb-version');
    return `InfluxDB ${version ?? '(version unknown)'}, database ${this.database}, InfluxQL reads`;
  }

  /** Run a statement that returns no rows; a result error becomes a TsiotError. */
  private async statement(q: string, method: 'GET' | 'POST'): Promise<void> {
    const res = await this.http.request(method, '/query', { query: { q, db: this.database } });
    const body = (await res.json()) as { results?: QueryResult[]; error?: string };
    const error = body.error ?? body.results?.find((r) => r.error)?.error;
    if (error && !/database not found/.test(error))
      throw new TsiotError('invalid_input', `InfluxDB refused a statement: ${error}`);
  }

  /** Stream the results of a SELECT (chunked JSON, one object per line). A missing database reads as empty. */
  private async *select(q: string): AsyncGenerator<QueryResult> {
    const res = await this.http.request('GET', '/query', {
      query: { q, db: this.database, epoch: 'u', chunked: 'true', chunk_size: String(CHUNK_ROWS) },
      timeoutMs: 600_000,
    });
    for await (const line of lines(res)) {
      const body = JSON.parse(line) as { results?: QueryResult[]; error?: string };
      const error = body.error ?? body.results?.find((r) => r.error)?.error;
      if (error) {
        if (/database not found/.test(error)) return;
        throw new TsiotError('invalid_input', `InfluxDB refused a query: ${error}`);
      }
      for (const r of body.results ?? []) yield r;
    }
  }
}

/** The non-empty lines of a response body, decoded incrementally. */
async function* lines(res: Response): AsyncGenerator<string> {
  if (!res.body) return;
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    rest += decoder.decode(chunk, { stream: true });
    for (let nl = rest.indexOf('\n'); nl !== -1; nl = rest.indexOf('\n')) {
      const line = rest.slice(0, nl).trim();
      rest = rest.slice(nl + 1);
      if (line) yield line;
    }
  }
  rest += decoder.decode();
  if (rest.trim()) yield rest.trim();
}
