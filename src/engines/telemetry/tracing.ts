/**
 * Traces with OpenTelemetry. The engines and adapters only use the API
 * (@opentelemetry/api): without an SDK started every span is a no-op, so
 * tracing costs nothing when it is off. `startTracing` starts the Node SDK
 * when the standard OTEL_* variables configure an OTLP exporter.
 */
import { createRequire } from 'node:module';
import {
  type Attributes,
  context,
  type Link,
  INVALID_SPAN_CONTEXT,
  propagation,
  ProxyTracerProvider,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

export const TRACER_NAME = 'tsiot';

export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/** What the API's proxy delegates to while no tracer provider is registered. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * Whether a tracer provider is registered (the SDK started, here or by an
 * instrumentation loaded with --import): without one every span is a no-op,
 * and the hot paths skip making them at all.
 */
export function tracingActive(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_PROVIDER;
}

/** The span handed to code run without tracing: records nothing, like the API's no-op spans. */
const NO_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * The OTEL_* variables tsiot itself reads to decide whether tracing is on
 * (the SDK reads the rest of the standard set: headers, timeouts, sampler,
 * resource attributes).
 */
export const TRACING_ENV = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_SDK_DISABLED',
  'OTEL_TRACES_EXPORTER',
  'OTEL_SERVICE_NAME',
] as const;

/** On when an OTLP endpoint is configured, unless the SDK or the trace exporter is switched off. */
export function tracingConfigured(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** The running SDK: flushes what is buffered and stops. Never throws. */
export interface Tracing {
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  env?: NodeJS.ProcessEnv;
  /** Default OTEL_SERVICE_NAME, else "tsiot". */
  serviceName?: string;
  /** Span processors to use instead of the OTLP exporter (tests: an in-memory exporter). */
  spanProcessors?: import('@opentelemetry/sdk-trace-base').SpanProcessor[];
  /** Where an exporter that stops (and starts again) delivering is reported; default: a line on stderr. */
  logger?: ExportLogger;
}

/** The two levels the exporter's reports use (a pino logger fits). */
export interface ExportLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

const stderrLogger: ExportLogger = {
  warn: (fields, message) => process.stderr.write(`${JSON.stringify({ level: 'warn', ...fields, msg: message })}\n`),
  info: (fields, message) => process.stderr.write(`${JSON.stringify({ level: 'info', ...fields, msg: message })}\n`),
};

/**
 * Start the OpenTelemetry Node SDK when tracing is configured (or span
 * processors are given); undefined when it is off. Spans are exported in
 * batches over OTLP/HTTP: an exporter that fails only logs through the SDK's
 * diagnostics, it never fails a request or the process.
 */
export async function startTracing(options: StartTracingOptions = {}): Promise<Tracing | undefined> {
  const env = options.env ?? process.env;
  if (!options.spanProcessors && !tracingConfigured(env)) return undefined;
  const [{ NodeSDK, core }, { OTLPTraceExporter }, { PgInstrumentation }, { IORedisInstrumentation }] =
    await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/instrumentation-pg'),
      import('@opentelemetry/instrumentation-ioredis'),
    ]);
  const sdk = new NodeSDK({
    serviceName: options.serviceName ?? env.OTEL_SERVICE_NAME ?? 'tsiot',
    ...(options.spanProcessors
      ? { spanProcessors: options.spanProcessors }
      : {
          traceExporter: watchedExporter(
            new OTLPTraceExporter(),
            tracesEndpoint(env),
            options.logger ?? stderrLogger,
            core.ExportResultCode.SUCCESS,
          ),
        }),
    instrumentations: [new PgInstrumentation(), new IORedisInstrumentation()],
    // traces only: metrics are Prometheus' (/metrics), logs go to stderr
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  patchDrivers();
  return {
    async shutdown() {
      await sdk.shutdown().catch(() => undefined);
    },
  };
}

/** The URL spans are sent to, for reports: without credentials or query (the headers are never shown). */
export function tracesEndpoint(env: NodeJS.ProcessEnv): string {
  const raw =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || `${env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '')}/v1/traces`;
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(an invalid URL)';
  }
}

/** Why an export failed, as a code: the HTTP status or the network error's code, never a message or body. */
export function exportFailure(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'number') return `HTTP ${code}`;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
  const name = (error as Error | undefined)?.name;
  return typeof name === 'string' && /^\w{1,40}$/.test(name) ? name : 'unknown';
}

type SpanExporter = import('@opentelemetry/sdk-trace-base').SpanExporter;

/**
 * The OTLP exporter, reporting a delivery outage once: one warning when
 * exports start failing (the batch is dropped, requests go on), one line when
 * they succeed again — not a line per failed batch.
 */
function watchedExporter(inner: SpanExporter, endpoint: string, logger: ExportLogger, success: number): SpanExporter {
  let failing = false;
  return {
    export(spans, done) {
      inner.export(spans, (result) => {
        if (result.code === success) {
          if (failing) logger.info({ endpoint }, 'traces: the OTLP endpoint accepts spans again');
          failing = false;
        } else if (!failing) {
          failing = true;
          logger.warn(
            { endpoint, reason: exportFailure(result.error) },
            'traces: spans cannot be exported to the OTLP endpoint and are dropped until it accepts them again; requests are not affected (reported once per outage)',
          );
        }
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

/**
 * The pg and ioredis instrumentations patch the drivers' classes when a
 * CommonJS `require` of them passes their hook. tsiot imports the drivers as
 * ES modules, which that hook never sees, and has usually loaded them before
 * tracing starts (the CLI's static imports). Requiring each once here, after
 * the SDK started, runs the hook on the same module objects the imports hold:
 * the patched prototypes then serve every client, made before or after.
 */
function patchDrivers(): void {
  const require = createRequire(import.meta.url);
  require('ioredis');
  require('pg');
  // pg's pool is its own package (pg-pool), resolved from where pg is
  createRequire(require.resolve('pg'))('pg-pool');
}

/**
 * Run fn in a new active span; the span ends when fn settles, with an error
 * status and `error.type` (the error's code) when it throws.
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  options: { kind?: SpanKind; links?: Link[] } = {},
): Promise<T> {
  if (!tracingActive()) return fn(NO_SPAN);
  return tracer().startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes, ...(options.links ? { links: options.links } : {}) },
    async (span) => {
      try {
        return await fn(span);
      } catch (e) {
        markError(span, errorType(e));
        throw e;
      } finally {
        span.end();
      }
    },
  );
}

export function markError(span: Span, type: string): void {
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/** A TsiotError's code, else the error's class name (semantic conventions: error.type). */
export function errorType(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string' && /^[a-z_]{1,40}$/.test(code)) return code;
  return (e as Error)?.name || '_OTHER';
}

/** The active trace context as W3C headers (traceparent, tracestate), to travel with a job. Empty when off. */
export function currentTraceCarrier(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** A link to the span a carrier came from, if it holds a valid one. */
export function linkFrom(carrier: Record<string, string> | undefined): Link[] {
  if (!carrier?.traceparent) return [];
  const spanContext = trace.getSpanContext(propagation.extract(context.active(), carrier));
  return spanContext && trace.isSpanContextValid(spanContext) ? [{ context: spanContext }] : [];
}

/** trace_id and span_id of the active span, for log lines; empty when tracing is off. */
export function traceFields(): { traceId?: string; spanId?: string } {
  const sc = trace.getActiveSpan()?.spanContext();
  if (!sc || !trace.isSpanContextValid(sc)) return {};
  return { traceId: sc.traceId, spanId: sc.spanId };
}

export { SpanKind };
