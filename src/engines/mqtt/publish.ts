import type { MqttClient } from 'mqtt';
import { TsiotError } from '../../core/errors.js';
import type { Progress, TimeSeries } from '../../core/types.js';
import { redactUrl } from '../storage/url.js';
import { fleetMessages, type PayloadFormat } from './messages.js';

export interface PublishOptions {
  /** Broker URL: mqtt://host:port (or mqtts://, ws://). Credentials may be in the URL. */
  url: string;
  /** Topic template, e.g. "tsiot/{device}/{column}". */
  topic: string;
  format: PayloadFormat;
  qos: 0 | 1;
  /** Ask the broker to keep each topic's last value for new subscribers. */
  retain: boolean;
  /** Pace: data time runs this many times faster than real time; "max" sends as fast as the broker takes them. */
  speed: number | 'max';
  /** Stop after this long of real time even if data remains (the rest counts as not sent). */
  maxDurationMs: number;
  clientId: string;
  /** When given: "online" (retained) on connect, "offline" on a clean end, and the same as the last will on a lost connection. */
  statusTopic?: string;
  connectTimeoutMs: number;
}

export interface PublishResult {
  messages: number;
  /** Messages the client failed to hand to the broker (an error on publish). */
  dropped: number;
  /** Messages not attempted because the run was stopped or hit maxDurationMs. */
  unsent: number;
  bytes: number;
  topics: number;
  firstTopic?: string;
  elapsedMs: number;
  stoppedEarly: boolean;
}

/**
 * Replay series to an MQTT broker in data-time order, paced by `speed`.
 * Messages are built from the series alone (fleetMessages), so their content
 * is the same whatever the pacing. QoS 1 messages are awaited in small
 * windows; a failed publish counts as dropped and the run goes on.
 */
export async function publishFleet(
  series: TimeSeries[],
  options: PublishOptions,
  control: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {},
): Promise<PublishResult> {
  const total = series.reduce((n, s) => n + s.timestamps.length, 0);
  const messages = fleetMessages(series, { topic: options.topic, format: options.format });
  const client = await connect(options);
  const began = Date.now();
  let t0: number | undefined;
  let sent = 0;
  let dropped = 0;
  let unsent = 0;
  let bytes = 0;
  let stoppedEarly = false;
  let firstTopic: string | undefined;
  const topics = new Set<string>();
  const inflight: Promise<void>[] = [];
  const publish = (topic: string, payload: string) =>
    new Promise<void>((resolve) => {
      client.publish(topic, payload, { qos: options.qos, retain: options.retain }, (err) => {
        if (err) dropped++;
        resolve();
      });
    });
  try {
    for (const m of messages) {
      if (control.signal?.aborted || Date.now() - began > options.maxDurationMs) {
        stoppedEarly = true;
        unsent++;
        continue;
      }
      t0 ??= m.t;
      if (options.speed !== 'max') {
        const due = began + (m.t - t0) / options.speed;
        const wait = due - Date.now();
        if (wait > 0) await sleep(Math.min(wait, options.maxDurationMs), control.signal);
      }
      firstTopic ??= m.topic;
      topics.add(m.topic);
      bytes += Buffer.byteLength(m.payload);
      sent++;
      inflight.push(publish(m.topic, m.payload));
      if (inflight.length >= 256) await Promise.all(inflight.splice(0));
      if (sent % 1000 === 0) control.onProgress?.({ done: sent, total, message: `${sent} messages sent` });
    }
    await Promise.all(inflight.splice(0));
    if (options.statusTopic) await publish(options.statusTopic, 'offline');
  } finally {
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
  }
  return {
    messages: sent,
    dropped,
    unsent,
    bytes,
    topics: topics.size,
    ...(firstTopic ? { firstTopic } : {}),
    elapsedMs: Date.now() - began,
    stoppedEarly,
  };
}

async function connect(options: PublishOptions): Promise<MqttClient> {
  const { connectAsync } = await import('mqtt');
  const where = redactUrl(options.url);
  try {
    const client = await connectAsync(
      options.url,
      {
        clientId: options.clientId,
        connectTimeout: options.connectTimeoutMs,
        reconnectPeriod: 1_000,
        clean: true,
        ...(options.statusTopic
          ? { will: { topic: options.statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true } }
          : {}),
      },
      false, // the first connection must succeed; later drops are retried every second
    );
    if (options.statusTopic) await client.publishAsync(options.statusTopic, 'online', { qos: 1, retain: true });
    return client;
  } catch (e) {
    throw new TsiotError('unavailable', `Could not connect to the MQTT broker at ${where}: ${reason(e)}`, {
      details: { field: 'broker' },
      hint: 'Check that the broker runs and the URL (host, port, credentials) is right, e.g. mqtt://127.0.0.1:1883.',
    });
  }
}

/** The error's kind without its text, which may quote the URL and so a password. */
function reason(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const message = e instanceof Error ? e.message : String(e);
  if (/timeout/i.test(message)) return 'timed out';
  if (/not authorized|bad user/i.test(message)) return 'not authorized';
  return 'connection failed';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
