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

export interface EventBus {
  readonly kind: 'redis' | 'in-process';
  /** Publish and append to the log; resolves once the event is durable. */
  publish(event: NewEvent): Promise<TsiotEvent>;
  /** Receive events published from now on (by any process sharing the bus). Returns an unsubscribe function. */
  subscribe(listener: (event: TsiotEvent) => void): () => void;
  /** Every logged event of one job, oldest first. */
  history(jobId: string): Promise<TsiotEvent[]>;
  close(): Promise<void>;
}
