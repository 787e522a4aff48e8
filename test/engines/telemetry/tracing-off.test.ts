/**
 * Without a tracer provider no span is made on the hot paths (spans would
 * record nothing); a provider registered by any means turns them on, and
 * they stop again when it is removed.
 */
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { inSpan, tracingActive } from '../../../src/engines/telemetry/tracing.js';

afterAll(() => trace.disable());

describe('spans follow the registered tracer provider', () => {
  it('makes none without one, records them while one is registered, and none after it is removed', async () => {
    trace.disable();
    expect(tracingActive()).toBe(false);
    const off = await inSpan('off', { a: 1 }, async (span) => {
      span.setAttribute('b', 2);
      return span.isRecording();
    });
    expect(off).toBe(false);
    await expect(
      inSpan('failing', {}, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');

    const exporter = new InMemorySpanExporter();
    expect(
      trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })),
    ).toBe(true);
    expect(tracingActive()).toBe(true);
    expect(await inSpan('on', { a: 1 }, async (span) => span.isRecording())).toBe(true);
    expect(exporter.getFinishedSpans().map((s) => [s.name, s.attributes.a])).toEqual([['on', 1]]);

    trace.disable();
    expect(tracingActive()).toBe(false);
    await inSpan('off again', {}, async () => undefined);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['on']);
  });
});
