import type { Logger } from '../../core/logger.js';
import type { DocumentStore } from '../storage/storage.js';
import type { EventBus, EventLogEntry, NewEvent, TsiotEvent } from './types.js';

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

  readonly logScope: object | undefined;

  constructor(
    private readonly documents: DocumentStore,
    private readonly logger?: Logger,
  ) {
    this.logScope = documents.commitScope;
  }

  async publish(event: NewEvent): Promise<TsiotEvent> {
    const entry = this.entry(event);
    await this.emit(entry, this.documents.putDocument(entry.collection, entry.id, entry.doc));
    return entry.doc;
  }

  publishWith<T>(event: NewEvent, commit: (entry: EventLogEntry) => Promise<T>): Promise<T> {
    const entry = this.entry(event);
    // an async wrapper, so a commit that throws at once fails like one that rejects
    return this.emit(entry, (async () => commit(entry))());
  }

  /** Deliver the event of `entry` once `write` (its log entry) has resolved and every earlier event is delivered. */
  private async emit<T>(entry: EventLogEntry, write: Promise<T>): Promise<T> {
    // handled here at once; a failed write still fails this publish through `delivered`
    write.catch(() => undefined);
    const delivered = this.tail.then(() => write).then(() => this.deliver(entry.doc));
    this.tail = delivered.catch(() => undefined);
    await delivered;
    return write;
  }

  /** The next event with its id and time, as its log entry. */
  private entry(event: NewEvent): EventLogEntry {
    const seq = (++this.seq).toString(36).padStart(6, '0');
    const full: TsiotEvent = { id: `${this.base}-${seq}`, at: new Date().toISOString(), ...event };
    return { collection: EVENTS_COLLECTION, id: `${event.jobId ?? '_'}.${full.id}`, doc: full };
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
