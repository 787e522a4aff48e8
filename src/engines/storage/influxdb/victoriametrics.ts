/**
 * Reads and deletes through VictoriaMetrics' own APIs, for series written to
 * it over the InfluxDB line protocol (/write or /api/v2/write):
 * - raw samples come back from `/api/v1/export` (one JSON line per metric
 *   `<measurement>_<column>`, exact millisecond timestamps and values);
 * - deletes go to `/api/v1/admin/tsdb/delete_series`;
 * - `/internal/force_flush` makes fresh writes visible to reads at once.
 *
 * VictoriaMetrics drops string fields, so the per-series document is kept in
 * labels instead: metric `<measurement>__meta_v` (value = store time) with
 * labels tsiot_id, tsiot_gen, part, parts and doc (base64url JSON pieces under
 * the server's 16 KB label-value limit).
 *
 * What this server cannot do, refused with 'unsupported' rather than lost
 * silently: timestamps at or before the epoch (0 means "now" in its line
 * protocol parser; earlier ones are dropped), older than its retention period
 * (read from /flags), more than two days ahead of now, or with sub-millisecond
 * parts; more than 25 tags; tag values over 16 KB. Downsampling runs in
 * process over the exported samples; InfluxQL is not spoken here.
 *
 * Values are NOT kept bit for bit: VictoriaMetrics stores blocks of samples as
 * decimal mantissas with a shared exponent, about 12 significant digits, and
 * a block mixing very different magnitudes loses the small ones. Use it for
 * dashboards and monitoring; use PostgreSQL, InfluxDB, S3 or Redis when exact
 * values matter.
 */
import { TsiotError } from '../../../core/errors.js';
import type { TimeSeries } from '../../../core/types.js';
import type { InfluxDialect, RowRange, Rows } from './dialect.js';
import type { InfluxHttp } from './http.js';
import { EMPTY_FIELD, GEN_TAG, ID_TAG, escapeKey, escapeMeasurement } from './line-protocol.js';
import { splitText, type MetaDoc } from './meta.js';

const DOC_PART_CHARS = 12_000;
const MAX_LABEL_VALUE = 16_384;
const MAX_USER_TAGS = 25;
/** How far ahead of now the server accepts samples (it drops later ones). */
const FUTURE_WINDOW_MS = 2 * 86_400_000;
/** Used when the server does not say: its default retention of one month. */
const DEFAULT_RETENTION_MS = 31 * 86_400_000;
/** Beyond any timestamp the server accepts (it keeps nothing past year 2262). */
const FAR_END_MS = 9_000_000_000_000;

const RETENTION_UNIT_MS: Record<string, number> = {
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
  month: 31 * 86_400_000,
};

interface ExportLine {
  metric: Record<string, string>;
  values: (number | null)[];
  timestamps: number[];
}

/** A label matcher value in double quotes. */
function mString(s: string): string {
  return JSON.stringify(s);
}

export class VictoriaMetricsDialect implements InfluxDialect {
  readonly name = 'victoriametrics';
  readonly minTimeMs = 1;
  private retentionMs = DEFAULT_RETENTION_MS;

  constructor(
    private readonly http: InfluxHttp,
    private readonly measurement: string,
  ) {}

  private get metaMetric(): string {
    return `${this.measurement}__meta_v`;
  }

  check(s: TimeSeries): void {
    const unsupported = (message: string) =>
      new TsiotError('unsupported', `VictoriaMetrics: series "${s.id}": ${message}`, { details: { id: s.id } });
    for (let i = 0; i < s.timestamps.length; i++) {
      if (!Number.isInteger(s.timestamps[i]!))
        throw unsupported(
          `timestamp #${i} (${s.timestamps[i]}) has a sub-millisecond part; VictoriaMetrics stores milliseconds`,
        );
    }
    const n = s.timestamps.length;
    const oldest = Math.max(1, Date.now() - this.retentionMs + 3_600_000);
    const newest = Date.now() + FUTURE_WINDOW_MS - 3_600_000;
    if (n && (s.timestamps[0]! < oldest || s.timestamps[n - 1]! > newest)) {
      throw unsupported(
        `timestamps must lie between ${new Date(oldest).toISOString()} (the server's retention) and ${new Date(newest).toISOString()} (two days ahead); VictoriaMetrics drops samples outside`,
      );
    }
    const tags = Object.entries(s.metadata.tags ?? {});
    if (tags.length > MAX_USER_TAGS)
      throw unsupported(`${tags.length} tags; VictoriaMetrics keeps at most ${MAX_USER_TAGS} besides its own`);
    for (const [k, v] of tags)
      if (v.length > MAX_LABEL_VALUE) throw unsupported(`tag "${k}" is longer than ${MAX_LABEL_VALUE} characters`);
  }

  /** Learn the retention period from /flags (the default month when the server does not say). */
  async init(): Promise<void> {
    const res = await this.http.request('GET', '/flags');
    const flag = /-retentionPeriod="?([0-9.]+)([hdwy]?)"?/.exec(await res.text());
    if (flag) this.retentionMs = Number(flag[1]) * RETENTION_UNIT_MS[flag[2] || 'month']!;
  }

  metaLines(doc: MetaDoc): { lines: string[]; precision: 'ms' } {
    const parts = splitText(Buffer.from(JSON.stringify(doc), 'utf8').toString('base64url'), DOC_PART_CHARS);
    const head = `${escapeMeasurement(`${this.measurement}__meta`)},${ID_TAG}=${escapeKey(doc.id)},${GEN_TAG}=${escapeKey(doc.gen)},parts=${parts.length}`;
    return {
      lines: parts.map((p, i) => `${head},part=${i},doc=${p} v=${doc.storedAt} ${doc.storedAt}`),
      precision: 'ms',
    };
  }

  async readMeta(id?: string): Promise<MetaDoc[]> {
    const selector = `{__name__=${mString(this.metaMetric)}${id === undefined ? '' : `,${ID_TAG}=${mString(id)}`}}`;
    // (id, gen) -> pieces; the newest complete generation of each id wins.
    const gens = new Map<string, { id: string; storedAt: number; parts: number; pieces: Map<number, string> }>();
    for await (const line of this.export(selector)) {
      const m = line.metric;
      const key = `${m[ID_TAG]}\u0000${m[GEN_TAG]}`;
      const entry = gens.get(key) ?? {
        id: m[ID_TAG]!,
        storedAt: Math.max(...line.values.map(Number)),
        parts: Number(m.parts),
        pieces: new Map(),
      };
      entry.pieces.set(Number(m.part), m.doc ?? '');
      gens.set(key, entry);
    }
    const newest = new Map<string, { storedAt: number; json: string }>();
    for (const g of gens.values()) {
      if (g.pieces.size !== g.parts) continue;
      const current = newest.get(g.id);
      if (current && current.storedAt >= g.storedAt) continue;
      let b64 = '';
      for (let i = 0; i < g.parts; i++) b64 += g.pieces.get(i) ?? '';
      newest.set(g.id, { storedAt: g.storedAt, json: Buffer.from(b64, 'base64url').toString('utf8') });
    }
    return [...newest.values()].map((v) => JSON.parse(v.json) as MetaDoc);
  }

  async readRows(doc: MetaDoc, range: RowRange): Promise<Rows> {
    const names = new Map<string, number>(doc.columns.map((c, j) => [`${this.measurement}_${c.name}`, j]));
    const emptyName = `${this.measurement}_${EMPTY_FIELD}`;
    const perColumn: { timestamps: number[]; values: (number | null)[] }[] = doc.columns.map(() => ({
      timestamps: [],
      values: [],
    }));
    const rowTimes = new Set<number>();
    const start = range.start ?? 0;
    const end = range.end ?? Number.MAX_SAFE_INTEGER;
    const selector = `{${ID_TAG}=${mString(doc.id)},${GEN_TAG}=${mString(doc.gen)}}`;
    for await (const line of this.export(selector, start, range.end)) {
      const name = line.metric.__name__!;
      const j = names.get(name);
      if (j === undefined && name !== emptyName) continue;
      for (let i = 0; i < line.timestamps.length; i++) {
        const t = line.timestamps[i]!;
        if (t < start || t > end) continue;
        rowTimes.add(t);
        if (j !== undefined) {
          perColumn[j]!.timestamps.push(t);
          perColumn[j]!.values.push(line.values[i]!);
        }
      }
    }
    let timestamps = Float64Array.from(rowTimes).sort();
    if (range.limit !== undefined && range.limit < timestamps.length) timestamps = timestamps.slice(0, range.limit);
    const index = new Map<number, number>();
    timestamps.forEach((t, i) => {
      index.set(t, i);
    });
    const values = perColumn.map((c) => {
      const out = new Float64Array(timestamps.length).fill(NaN);
      for (let i = 0; i < c.timestamps.length; i++) {
        const at = index.get(c.timestamps[i]!);
        if (at !== undefined) out[at] = c.values[i] ?? NaN;
      }
      return out;
    });
    return { timestamps, values };
  }

  async deleteSeries(id: string, options: { gen?: string; meta: boolean }): Promise<void> {
    const gen = options.gen === undefined ? '' : `,${GEN_TAG}=${mString(options.gen)}`;
    // Points and documents of the id (the document metric shares the tags); keep the documents when asked.
    const selector = options.meta
      ? `{${ID_TAG}=${mString(id)}${gen}}`
      : `{${ID_TAG}=${mString(id)}${gen},__name__!=${mString(this.metaMetric)}}`;
    const res = await this.http.request('POST', '/api/v1/admin/tsdb/delete_series', { query: { 'match[]': selector } });
    await res.arrayBuffer();
  }

  async afterWrite(): Promise<void> {
    const res = await this.http.request('GET', '/internal/force_flush');
    await res.arrayBuffer();
  }

  async describeServer(): Promise<string> {
    const res = await this.http.request('GET', '/health', { timeoutMs: 2_000 });
    await res.arrayBuffer();
    return `VictoriaMetrics (InfluxDB line protocol writes, export API reads), measurement ${this.measurement}`;
  }

  /** Stream `/api/v1/export` lines for a selector between startMs and endMs. */
  private async *export(selector: string, startMs = 0, endMs?: number): AsyncGenerator<ExportLine> {
    // An explicit end: the server's default (now, at second resolution) can miss samples written this instant.
    const query: Record<string, string> = {
      'match[]': selector,
      start: String(startMs / 1000),
      end: String((endMs ?? FAR_END_MS) / 1000),
    };
    const res = await this.http.request('POST', '/api/v1/export', { query, timeoutMs: 600_000 });
    const text = await res.text();
    for (const line of text.split('\n')) if (line.trim()) yield JSON.parse(line) as ExportLine;
  }
}
