import type { Logger } from '../../core/logger.js';
import type { DocumentStore } from '../storage/storage.js';
import type { EventBus, NewEvent, TsiotEvent } from './types.js';

export const EVENTS_COLLECTION = 'events';

/**
 * The in-process bus: listeners in this process and the DocumentStore
 * collection `events` as the log (document id = `<jobId>.<event id>`, so one
 * job's events sort together).
 */
export class InProcessEventBus implements EventBus {
  readonly kind = 'in-process' as const;
  private readonly listeners = new Set<(e: TsiotEvent) => void>();
  private seq = 0;
  private readonly base = Date.now().toString(36);
  /**
   * Deliveries run one after another, so listeners get events in id order
   * even when published at once; the log writes themselves start at once
   * (a storage that groups commits writes many in one).
   */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly documents: DocumentStore,
    private readonly logger?: Logger,
  ) {}

  async publish(event: NewEvent): Promise<TsiotEvent> {
    const seq = (++this.seq).toString(36).padStart(6, '0');
    const full: TsiotEvent = { id: `${this.base}-${seq}`, at: new Date().toISOString(), ...event };
    const write = this.documents.putDocument(EVENTS_COLLECTION, `${event.jobId ?? '_'}.${full.id}`, full);
    // handled here at once; a failed write still fails this publish through `delivered`
    write.catch(() => undefined);
    const delivered = this.tail.then(() => write).then(() => this.deliver(full));
    this.tail = delivered.catch(() => undefined);
    await delivered;
    return full;
  }

  subscribe(listener: (event: TsiotEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async history(jobId: string): Promise<TsiotEvent[]> {
    const out: TsiotEvent[] = [];
    const page = 1000;
    for (let offset = 0; ; offset += page) {
      const docs = await this.documents.listDocuments<TsiotEvent>(EVENTS_COLLECTION, { limit: page, offset });
      for (const d of docs) if (d.doc.jobId === jobId) out.push(d.doc);
      if (docs.length < page) break;
    }
    return out.sort((a, b) => (a.at === b.at ? (a.id < b.id ? -1 : 1) : a.at < b.at ? -1 : 1));
  }

  /** Hand an event to every listener; one that throws is reported and keeps it from no one. */
  private deliver(event: TsiotEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (err) {
        if (this.logger) this.logger.warn({ err, event: event.type }, 'event listener failed');
        else process.emitWarning(`event listener failed on ${event.type}: ${(err as Error)?.message ?? err}`);
      }
    }
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
