/**
 * OpenTelemetry spans for attempts, tasks and runs, following the GenAI semantic conventions: loaded only when a
 * client turns telemetry on (`@opentelemetry/api` is an optional peer dependency). See `docs/observability.md`.
 * @module
 */
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';
import { InputError, redact } from '../errors.js';

/**
 * A tracer, as `@opentelemetry/api`'s `trace.getTracer(…)` returns it (only `startSpan` is used). Typed here so that
 * the package's types do not need `@opentelemetry/api`.
 */
export interface TelemetryTracer {
  /** Starts a span (the OpenTelemetry `Tracer.startSpan` signature: name, options, parent context). */
  startSpan(name: string, options?: unknown, context?: unknown): unknown;
}

/** Telemetry settings of a client: `true` for the global tracer provider's `qwen-tasks` tracer. */
export interface TelemetryOptions {
  /** The tracer to record spans with. @defaultValue `trace.getTracer('qwen-tasks', version)` */
  tracer?: TelemetryTracer;
  /**
   * Record the prompt and the reply (`gen_ai.system_instructions`, `gen_ai.input.messages`,
   * `gen_ai.output.messages`). Off by default: texts may hold personal data. @defaultValue false
   */
  recordContent?: boolean;
}

/** Telemetry resolved for a client: the API module, its tracer, and whether content is recorded. */
export interface Telemetry {
  readonly api: typeof OtelApi;
  readonly tracer: OtelApi.Tracer;
  readonly recordContent: boolean;
}

/** The version of this package, for the tracer's instrumentation scope. */
const SCOPE_VERSION = '0.1.0';
/** The tracer's instrumentation scope name. */
export const TRACER_NAME = 'qwen-tasks';

/**
 * Resolves a client's `telemetry` option: `undefined` when off (nothing is loaded); otherwise loads
 * `@opentelemetry/api` synchronously, or throws an {@link InputError} saying to install it.
 */
export function resolveTelemetry(option: boolean | TelemetryOptions | undefined): Telemetry | undefined {
  if (option === undefined || option === false) return undefined;
  if (option !== true && (typeof option !== 'object' || option === null)) {
    throw new InputError('telemetry must be true, false or { tracer?, recordContent? }', { path: 'telemetry' });
  }
  let api: typeof OtelApi;
  try {
    api = createRequire(import.meta.url)('@opentelemetry/api') as typeof OtelApi;
  } catch (error) {
    throw new InputError(
      'telemetry needs the optional peer dependency @opentelemetry/api: npm install @opentelemetry/api',
      {
        path: 'telemetry',
        cause: error,
      },
    );
  }
  const settings = option === true ? {} : option;
  const tracer = (settings.tracer as OtelApi.Tracer | undefined) ?? api.trace.getTracer(TRACER_NAME, SCOPE_VERSION);
  return { api, tracer, recordContent: settings.recordContent === true };
}

/** The telemetry of each client made with it on (kept off the client's public type). */
const telemetryByClient = new WeakMap<object, Telemetry>();

/** Records the telemetry of a client (`createClient` calls it when telemetry is on). */
export function attachTelemetry(client: object, telemetry: Telemetry): void {
  telemetryByClient.set(client, telemetry);
}

/** The telemetry of a client, for the spans of the tasks and runs that use it; `undefined` when it is off. */
export function telemetryOf(client: object): Telemetry | undefined {
  return telemetryByClient.get(client);
}

/** Marks a context whose calls record no spans (the items of a run that are not sampled). */
let suppressKey: symbol | undefined;
function suppressionKey(api: typeof OtelApi): symbol {
  suppressKey ??= api.createContextKey('qwen_tasks.suppress_spans');
  return suppressKey;
}

/** A context under which no span of this library is recorded. */
export function suppressedContext(telemetry: Telemetry, parent: OtelApi.Context): OtelApi.Context {
  return parent.setValue(suppressionKey(telemetry.api), true);
}

/** The context to start a span in (the given one, else the active one), or `undefined` when spans are suppressed. */
export function spanParent(telemetry: Telemetry, parent: unknown): OtelApi.Context | undefined {
  const context = (parent as OtelApi.Context | undefined) ?? telemetry.api.context.active();
  return context.getValue(suppressionKey(telemetry.api)) === true ? undefined : context;
}

/** A span, as the library's spans are handled. */
export type TelemetrySpan = OtelApi.Span;
/** An OpenTelemetry context. */
export type TelemetryContext = OtelApi.Context;

/** Attribute values as OpenTelemetry takes them; `undefined` values are left out. */
export type SpanAttributes = Record<string, string | number | boolean | string[] | undefined>;

/** Sets the attributes that have a value (none on a span nobody records). */
export function setAttributes(span: OtelApi.Span, attributes: SpanAttributes): void {
  if (!span.isRecording()) return;
  for (const name in attributes) {
    const value = attributes[name];
    if (value !== undefined) span.setAttribute(name, value);
  }
}

/**
 * Ends a span as failed: `error.type` (the error's class), the library's error code, an error status with the
 * (redacted) message, and the exception as an event.
 */
export function endWithError(telemetry: Telemetry, span: OtelApi.Span, error: unknown): void {
  const type =
    error instanceof Error ? error.name : typeof error === 'object' && error !== null ? 'object' : typeof error;
  const message = redact(error instanceof Error ? error.message : String(error));
  const code = (error as { code?: unknown } | null)?.code;
  setAttributes(span, {
    'error.type': type === 'Error' ? '_OTHER' : type,
    'qwen_tasks.error.code': typeof code === 'string' ? code : undefined,
  });
  span.recordException({ name: type, message });
  span.setStatus({ code: telemetry.api.SpanStatusCode.ERROR, message });
  span.end();
}

/** Starts a span of the library (kind INTERNAL unless given) in `parent`. */
export function startSpan(
  telemetry: Telemetry,
  name: string,
  parent: OtelApi.Context,
  attributes: SpanAttributes,
  kind: OtelApi.SpanKind = telemetry.api.SpanKind.INTERNAL,
): OtelApi.Span {
  const span = telemetry.tracer.startSpan(name, { kind }, parent);
  setAttributes(span, attributes);
  return span;
}

/**
 * Whether a span is the API's no-op one (no SDK registered): it records nothing and has no trace to join, so no
 * context needs to carry it. A span an SDK sampled out is not inert: its children must see it to be dropped too.
 */
export function isInert(telemetry: Telemetry, span: OtelApi.Span): boolean {
  return !span.isRecording() && !telemetry.api.isSpanContextValid(span.spanContext());
}

/** A context whose active span is `span`, to start child spans in. */
export function withSpan(telemetry: Telemetry, parent: OtelApi.Context, span: OtelApi.Span): OtelApi.Context {
  return telemetry.api.trace.setSpan(parent, span);
}
