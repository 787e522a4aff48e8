/**
 * A bounded least-recently-used pool of loaded models. Bounded by count and
 * by approximate bytes; an evicted model is disposed as soon as no caller is
 * still using it, so tfjs tensors are released exactly once.
 */
import type { LoadedModel } from '../generation/learner.js';

export interface PoolLimits {
  /** Most models kept loaded. */
  maxModels: number;
  /** Approximate memory cap over all loaded models (bytes). */
  maxBytes: number;
}

interface Entry {
  model: LoadedModel;
  users: number;
  evicted: boolean;
}

export class ModelPool {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  private hits = 0;
  private misses = 0;

  constructor(private readonly limits: PoolLimits) {}

  /**
   * Run `use` with the loaded model for `id`, loading it with `load` on a
   * miss. The model stays valid for the whole call even if it is evicted meanwhile.
   */
  async with<T>(id: string, load: () => Promise<LoadedModel>, use: (m: LoadedModel) => Promise<T> | T): Promise<T> {
    const entry = await this.acquire(id, load);
    try {
      return await use(entry.model);
    } finally {
      entry.users--;
      if (entry.evicted && entry.users === 0) entry.model.dispose();
    }
  }

  /** Drop one model (after a delete); disposed once unused. */
  remove(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    this.retire(e);
  }

  /** Dispose everything (at shutdown). */
  clear(): void {
    for (const id of [...this.entries.keys()]) this.remove(id);
  }

  stats(): { models: number; bytes: number; hits: number; misses: number } {
    let bytes = 0;
    for (const e of this.entries.values()) bytes += e.model.bytes;
    return { models: this.entries.size, bytes, hits: this.hits, misses: this.misses };
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  private async acquire(id: string, load: () => Promise<LoadedModel>): Promise<Entry> {
    const hit = this.entries.get(id);
    if (hit) {
      this.hits++;
      this.entries.delete(id);
      this.entries.set(id, hit);
      hit.users++;
      return hit;
    }
    let pending = this.loading.get(id);
    if (!pending) {
      this.misses++;
      pending = load().then((model) => {
        const e: Entry = { model, users: 0, evicted: false };
        this.entries.set(id, e);
        this.evict(id);
        return e;
      });
      this.loading.set(id, pending);
      pending.finally(() => this.loading.delete(id)).catch(() => undefined);
    }
    const e = await pending;
    e.users++;
    return e;
  }

  /** Evict least recently used models (never `keep`) until within limits. */
  private evict(keep: string): void {
    let bytes = 0;
    for (const e of this.entries.values()) bytes += e.model.bytes;
    for (const [id, e] of this.entries) {
      if (this.entries.size <= this.limits.maxModels && bytes <= this.limits.maxBytes) break;
      if (id === keep) continue;
      this.entries.delete(id);
      bytes -= e.model.bytes;
      this.retire(e);
    }
  }

  private retire(e: Entry): void {
    e.evicted = true;
    if (e.users === 0) e.model.dispose();
  }
}
