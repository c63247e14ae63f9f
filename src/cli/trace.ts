/**
 * `run --trace FILE`: the run's OpenTelemetry spans written to a local JSONL file, one span a line, through the
 * OpenTelemetry SDK's own span processor. See `docs/observability.md#command-line`.
 * @module
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { TelemetryTracer } from '../client/telemetry.js';
import { UsageError } from './command.js';

/** A tracer whose finished spans go to a file, and how to flush and close it. */
export interface TraceFile {
  tracer: TelemetryTracer;
  /** Flushes the spans still held and closes the file. */
  close(): Promise<void>;
}

/** The fields of a finished span that are written (as the SDK's `ReadableSpan` has them). */
interface FinishedSpan {
  name: string;
  kind: number;
  spanContext(): { traceId: string; spanId: string };
  parentSpanContext?: { spanId: string } | undefined;
  startTime: [number, number];
  endTime: [number, number];
  duration: [number, number];
  attributes: Record<string, unknown>;
  status: { code: number; message?: string };
  events: { name: string; attributes?: Record<string, unknown> }[];
  instrumentationScope?: { name: string; version?: string };
}

const KINDS = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUSES = ['UNSET', 'OK', 'ERROR'];

/**
 * Opens `path` (created or truncated) and a tracer provider of the OpenTelemetry SDK whose spans are written there
 * as they end. Both `@opentelemetry/api` and `@opentelemetry/sdk-trace-base` must be installed: without them, a
 * {@link UsageError} says to install them.
 */
export async function openTraceFile(path: string, command: string): Promise<TraceFile> {
  let sdk: typeof import('@opentelemetry/sdk-trace-base');
  try {
    sdk = await import('@opentelemetry/sdk-trace-base');
  } catch {
    throw new UsageError(
      '--trace needs the OpenTelemetry SDK: npm install @opentelemetry/api @opentelemetry/sdk-trace-base',
      { command },
    );
  }
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw new UsageError(`cannot write the trace file ${path}: ${(error as Error).message}`, { command });
  }
  const exporter = {
    export(spans: FinishedSpan[], done: (result: { code: number }) => void): void {
      const text = spans.map((span) => `${JSON.stringify(toJson(span))}\n`).join('');
      writeSync(fd, text);
      done({ code: 0 });
    },
    shutdown: async (): Promise<void> => undefined,
  };
  const provider = new sdk.BasicTracerProvider({
    spanProcessors: [
      new sdk.SimpleSpanProcessor(exporter as unknown as import('@opentelemetry/sdk-trace-base').SpanExporter),
    ],
  });
  return {
    tracer: provider.getTracer('qwen-tasks'),
    async close() {
      await provider.forceFlush();
      await provider.shutdown();
      closeSync(fd);
    },
  };
}

/** A span as one JSON object: ids, names, times in ISO form and milliseconds, attributes, status and events. */
function toJson(span: FinishedSpan): Record<string, unknown> {
  const { traceId, spanId } = span.spanContext();
  const toMs = ([seconds, nanos]: [number, number]): number => seconds * 1000 + nanos / 1e6;
  return {
    traceId,
    spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: KINDS[span.kind] ?? span.kind,
    start: new Date(toMs(span.startTime)).toISOString(),
    durationMs: Math.round(toMs(span.duration) * 1000) / 1000,
    attributes: span.attributes,
    status: { code: STATUSES[span.status.code] ?? span.status.code, message: span.status.message },
    events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
  };
}
