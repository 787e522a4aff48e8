/**
 * The one path by which series are written and removed: every generation,
 * model sample and job stores through `store`, every deletion goes through
 * `delete`, and both are announced on the event bus here, so a subscribed
 * client hears of each change exactly once whichever interface made it.
 */
import { randomBytes } from 'node:crypto';
import { TsiotError } from '../../core/errors.js';
import { checkFiniteValues } from '../../core/series.js';
import type { Logger } from '../../core/logger.js';
import type { TimeSeries } from '../../core/types.js';
import type { EventBus } from '../events/types.js';
import type { Storage, StoreOptions, StoreResult } from '../storage/storage.js';

/** A storage id: unique per stored series, independent of the seeded data. */
export function newSeriesId(): string {
  return `ser_${randomBytes(9).toString('base64url')}`;
}

export interface StoreSeriesOptions {
  signal?: AbortSignal;
  /**
   * Keep each series' own id and replace a series stored under it (job
   * chunks, whose ids are fixed so a resumed job rewrites them in place).
   * Default: fresh ids, never replacing anything.
   */
  keepIds?: boolean;
  /** Extra fields of the series.created event (e.g. the job id). */
  announce?: Record<string, unknown>;
}

export class SeriesStore {
  constructor(
    private readonly storage: Storage,
    private readonly events?: EventBus,
    private readonly logger?: Logger,
    /** Fields every announcement carries (the tenant of a scoped store). */
    private readonly announceWith: Record<string, unknown> = {},
  ) {}

  /**
   * Store every series all-or-nothing: in one commit where the backend can
   * (storeMany: DuckDB, PostgreSQL), else one by one with what this call
   * stored removed again on any failure (or a cancel). Then announce
   * `series.created` once with every id. When the event log lives in the
   * same database (bus.logScope is the storage's commitScope) and the store
   * is one commit, the event's log entry is written in that commit: the
   * event is durable exactly when the series are, and a failure to log it
   * fails the store.
   */
  async store(series: TimeSeries[], options: StoreSeriesOptions = {}): Promise<StoreResult[]> {
    checkFiniteValues(series, 'store');
    // every stored series carries its creation time, so cleanup by creation finds it
    const createdAt = new Date().toISOString();
    for (const s of series) {
      if (typeof s.metadata?.createdAt !== 'string') s.metadata = { ...(s.metadata ?? { tags: {} }), createdAt };
    }
    const storeOptions = options.keepIds ? { overwrite: true } : {};
    if (!options.keepIds) for (const s of series) s.id = newSeriesId();
    if (!series.length) return [];
    const first = series[0]?.metadata;
    const created = {
      ids: series.map((s) => s.id),
      ...(first?.generator !== undefined ? { generator: first.generator } : {}),
      ...(first?.seed !== undefined ? { seed: first.seed } : {}),
      ...(typeof first?.modelId === 'string' ? { modelId: first.modelId } : {}),
      ...(options.announce ?? {}),
    };
    const oneCommit = series.length === 1 || this.storage.storeMany !== undefined;
    const bus = this.events;
    if (oneCommit && bus?.publishWith && bus.logScope !== undefined && bus.logScope === this.storage.commitScope) {
      // the event log is in this database: the event goes into the series' commit, durable exactly when they are
      if (options.signal?.aborted) throw new TsiotError('cancelled', 'Storing was cancelled; nothing was kept');
      return bus.publishWith({ type: 'series.created', data: { ...created, ...this.announceWith } }, (entry) =>
        this.storeInOneCommit(series, { ...storeOptions, documents: [entry] }),
      );
    }
    const stored: StoreResult[] = [];
    if (this.storage.storeMany && series.length > 1) {
      if (options.signal?.aborted) throw new TsiotError('cancelled', 'Storing was cancelled; nothing was kept');
      // one commit: a crash part-way leaves none of the fleet, never a part whose ids no caller received
      stored.push(...(await this.storage.storeMany(series, storeOptions)));
    } else {
      try {
        for (const s of series) {
          if (options.signal?.aborted) throw new TsiotError('cancelled', 'Storing was cancelled; nothing was kept');
          stored.push(await this.storage.store(s, storeOptions));
        }
      } catch (e) {
        await Promise.allSettled(stored.map((r) => this.storage.delete(r.id)));
        throw e;
      }
    }
    await this.announce('series.created', { ...created, ids: stored.map((r) => r.id) });
    return stored;
  }

  /** Every series in one commit of the storage (one series, or storeMany). */
  private async storeInOneCommit(series: TimeSeries[], options: StoreOptions): Promise<StoreResult[]> {
    if (series.length > 1 && this.storage.storeMany) return this.storage.storeMany(series, options);
    return [await this.storage.store(series[0]!, options)];
  }

  /** Delete one series; true when it existed, and then `series.deleted` is announced. */
  async delete(id: string): Promise<boolean> {
    const deleted = await this.storage.delete(id);
    if (deleted) await this.announce('series.deleted', { id });
    return deleted;
  }

  private async announce(type: string, data: Record<string, unknown>): Promise<void> {
    if (!this.events) return;
    try {
      await this.events.publish({ type, data: { ...data, ...this.announceWith } });
    } catch (err) {
      // the change is made whatever happens to its announcement; a lost event only delays a client's refresh
      this.logger?.warn({ err, type }, 'could not announce a series change');
    }
  }
}
