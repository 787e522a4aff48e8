/**
 * Domain events: job lifecycle (job.queued, job.started, job.progress,
 * job.completed, job.failed — with willRetry false when the job goes to the
 * dead-letter queue —, job.cancelled, job.requeued) and results (generation.completed, validation.completed,
 * cleanup.completed …). Every event is published on one bus and appended to
 * the event log, so a job's history can be replayed from its events.
 */
export interface TsiotEvent {
  /** Unique and increasing within one log. */
  id: string;
  type: string;
  /** ISO 8601. */
  at: string;
  jobId?: string;
  data: Record<string, unknown>;
}

export type NewEvent = Omit<TsiotEvent, 'id' | 'at'>;

/** Where an event goes in its log: a document of the log's DocumentStore. */
export interface EventLogEntry {
  collection: string;
  id: string;
  doc: TsiotEvent;
}

export interface EventBus {
  readonly kind: 'redis' | 'in-process';
  /** Publish and append to the log; resolves once the event is durable. */
  publish(event: NewEvent): Promise<TsiotEvent>;
  /**
   * Set when the log lives in a DocumentStore: its commitScope (see
   * Storage.commitScope), so a storage of that scope can commit an event
   * with the change it records (publishWith).
   */
  readonly logScope?: object;
  /**
   * Publish an event whose log entry `commit` writes in the transaction of
   * the change the event records (StoreOptions.documents of a storage whose
   * commitScope is logScope), so the event is durable exactly when the
   * change is. Listeners hear of it once `commit` has resolved, in id order
   * with every other event; when `commit` fails, nothing is published and
   * its error is thrown.
   */
  publishWith?<T>(event: NewEvent, commit: (entry: EventLogEntry) => Promise<T>): Promise<T>;
  /** Receive events published from now on (by any process sharing the bus). Returns an unsubscribe function. */
  subscribe(listener: (event: TsiotEvent) => void): () => void;
  /** Every logged event of one job, oldest first. */
  history(jobId: string): Promise<TsiotEvent[]>;
  close(): Promise<void>;
}
