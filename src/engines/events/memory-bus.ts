import { EventEmitter } from 'node:events';
import type { DocumentStore } from '../storage/storage.js';
import type { EventBus, NewEvent, TsiotEvent } from './types.js';

export const EVENTS_COLLECTION = 'events';

/**
 * The in-process bus: an EventEmitter for live listeners and the DocumentStore
 * collection `events` as the log (document id = `<jobId>.<sequence>`, so one
 * job's events sort together).
 */
export class InProcessEventBus implements EventBus {
  readonly kind = 'in-process' as const;
  private readonly emitter = new EventEmitter();
  private seq = 0;
  private readonly base = Date.now().toString(36);

  constructor(private readonly documents: DocumentStore) {
    this.emitter.setMaxListeners(0);
  }

  async publish(event: NewEvent): Promise<TsiotEvent> {
    const seq = (++this.seq).toString(36).padStart(6, '0');
    const full: TsiotEvent = { id: `${this.base}-${seq}`, at: new Date().toISOString(), ...event };
    await this.documents.putDocument(EVENTS_COLLECTION, `${event.jobId ?? '_'}.${full.id}`, full);
    this.emitter.emit('event', full);
    return full;
  }

  subscribe(listener: (event: TsiotEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
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

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
