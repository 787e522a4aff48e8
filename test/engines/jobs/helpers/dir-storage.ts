import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { TsiotError } from '../../../../src/core/errors.js';
import { seriesFromJson, seriesToJson, summarize } from '../../../../src/core/series.js';
import type {
  HealthStatus,
  ListQuery,
  ListResult,
  SeriesQuery,
  SeriesSummary,
  TimeSeries,
} from '../../../../src/core/types.js';
import type { Storage, StoreOptions, StoreResult } from '../../../../src/engines/storage/storage.js';

/**
 * A file-per-series storage several processes can share (the embedded DuckDB
 * file is single-process): each store writes a temporary file and renames it
 * into place, so a reader sees a whole series or none. For the multi-worker
 * job tests only.
 */
export class DirStorage implements Storage {
  readonly kind = 'dir';
  constructor(private readonly dir: string) {}

  async init(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
  }

  private file(id: string): string {
    return join(this.dir, `${encodeURIComponent(id)}.json`);
  }

  async store(series: TimeSeries, options: StoreOptions = {}): Promise<StoreResult> {
    const f = this.file(series.id);
    if (!options.overwrite && existsSync(f)) throw new TsiotError('conflict', `series "${series.id}" already exists`);
    const tmp = `${f}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(seriesToJson(series)));
    renameSync(tmp, f);
    return { id: series.id, points: series.timestamps.length, backend: this.kind };
  }

  async retrieve(query: SeriesQuery): Promise<TimeSeries> {
    const f = this.file(query.id);
    if (!existsSync(f)) throw new TsiotError('not_found', `series "${query.id}" does not exist`);
    return seriesFromJson(JSON.parse(readFileSync(f, 'utf8')));
  }

  async describe(id: string): Promise<SeriesSummary | undefined> {
    if (!existsSync(this.file(id))) return undefined;
    return summarize(await this.retrieve({ id }));
  }

  async list(query: ListQuery = {}): Promise<ListResult> {
    const all: SeriesSummary[] = [];
    for (const name of readdirSync(this.dir)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      const s = summarize(await this.retrieve({ id: decodeURIComponent(name.slice(0, -5)) }));
      if (query.tags && !Object.entries(query.tags).every(([k, v]) => s.metadata.tags[k] === v)) continue;
      if (query.namePrefix && !s.name.startsWith(query.namePrefix)) continue;
      all.push(s);
    }
    const offset = query.offset ?? 0;
    return { items: all.slice(offset, offset + (query.limit ?? 100)), total: all.length };
  }

  async delete(id: string): Promise<boolean> {
    const f = this.file(id);
    if (!existsSync(f)) return false;
    rmSync(f);
    return true;
  }

  async health(): Promise<HealthStatus> {
    return { backend: this.kind, ok: true, latencyMs: 0 };
  }

  async close(): Promise<void> {}
}
