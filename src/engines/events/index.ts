import type { Logger } from '../../core/logger.js';
import type { DocumentStore } from '../storage/storage.js';
import { InProcessEventBus } from './memory-bus.js';
import type { EventBus } from './types.js';

export { EVENTS_COLLECTION, InProcessEventBus } from './memory-bus.js';
export { RedisEventBus } from './redis-bus.js';
export type { EventBus, NewEvent, TsiotEvent } from './types.js';

export interface EventBusOptions {
  /** redis://… — one stream every process sharing the Redis reads (API servers and workers). Absent: in-process. */
  redisUrl?: string;
  /** The in-process bus keeps its log here. */
  documents: DocumentStore;
  logger: Logger;
  /** Stream key prefix of the Redis bus (default "tsiot", the job queues' prefix). */
  prefix?: string;
}

/** The bus with what it owns: close() also ends the Redis connection opened for it. */
export interface OwnedEventBus {
  bus: EventBus;
  close(): Promise<void>;
}

/**
 * The one event bus of an Engines context: in-process, or on Redis when a
 * URL is given so that events published by any process (a worker storing a
 * job's chunks) reach every subscriber (an MCP session in another process).
 * The Redis client is loaded only then, so a process without Redis never loads it.
 */
export async function createEventBus(options: EventBusOptions): Promise<OwnedEventBus> {
  if (!options.redisUrl) {
    const bus = new InProcessEventBus(options.documents);
    return { bus, close: () => bus.close() };
  }
  const [{ Redis }, { RedisEventBus }] = await Promise.all([import('ioredis'), import('./redis-bus.js')]);
  // a publish made while connecting waits for the connection; one made while Redis is away fails after one retry
  const redis = new Redis(options.redisUrl, {
    connectTimeout: 2000,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  redis.on('error', () => undefined); // surfaced by the publishes that fail
  const bus = new RedisEventBus(redis, options.logger, options.prefix ?? 'tsiot');
  return {
    bus,
    async close() {
      await bus.close();
      redis.disconnect();
    },
  };
}
