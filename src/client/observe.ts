/**
 * Observing a client's HTTP attempts: the events of its `hooks` and its OpenTelemetry attempt spans (GenAI semantic
 * conventions). A client without hooks and telemetry never builds an observer; one with them builds one per call.
 * See `docs/observability.md`.
 * @module
 */
import type * as OtelApi from '@opentelemetry/api';
import { ApiError, ConnectionError, redact } from '../errors.js';
import { STREAM_CUT } from './stream.js';
import {
  endWithError,
  isInert,
  type SpanAttributes,
  setAttributes,
  spanParent,
  startSpan,
  type Telemetry,
} from './telemetry.js';
import type { AttemptCall, AttemptResult } from './transport.js';
import type {
  AttemptEvent,
  ChatMessage,
  ChatRequest,
  ClientHooks,
  Provider,
  ResponseHeadersInfo,
  ToolCall,
} from './types.js';
import { headerRequestId, type ResponseHeaders, textOf, ZERO_USAGE } from './wire.js';

/** What the observers of one client share, built once by `createClient` when it has hooks or telemetry. */
export interface ObserverSettings {
  hooks: Readonly<ClientHooks> | undefined;
  telemetry: Telemetry | undefined;
  /** The endpoint URL, as events name it. */
  url: string;
  provider: Provider;
  /** `server.address` and `server.port` of the endpoint. */
  serverAddress: string;
  serverPort: number;
  now: () => number;
}

/** `server.address` and `server.port` of an endpoint URL (the port implied by the scheme when it has none). */
export function serverOf(url: string): { serverAddress: string; serverPort: number } {
  const parsed = new URL(url);
  const serverPort = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port);
  return { serverAddress: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), serverPort };
}

/** Calls a hook; an exception it throws is ignored (hooks observe, they never change the call). */
function tell<Event>(hook: ((event: Event) => void) | undefined, event: Event): void {
  if (hook === undefined) return;
  try {
    hook(event);
  } catch {
    // an observer's failure never changes the call
  }
}

/**
 * The observer of one `chat` call: it reports each attempt to the hooks and records it as a span. The client calls
 * {@link CallObserver.send} for each attempt, then exactly one of {@link CallObserver.succeeded} and
 * {@link CallObserver.failed}, and {@link CallObserver.retrying} when it schedules a retry. Nothing it does throws.
 */
export class CallObserver {
  readonly #settings: ObserverSettings;
  readonly #request: ChatRequest;
  readonly #model: string;
  /** The context the attempt spans start in; `undefined` without telemetry, or when spans are suppressed. */
  readonly #parent: OtelApi.Context | undefined;
  /** The attributes every attempt span of the call starts with, built with the first. */
  #callAttributes: SpanAttributes | undefined;
  #attempt = 0;
  #stream = false;
  #startedAt = 0;
  /** Whether an attempt was sent and has not been reported as ended yet. */
  #inFlight = false;
  #span: OtelApi.Span | undefined;

  constructor(settings: ObserverSettings, request: ChatRequest, model: string, traceContext: unknown) {
    this.#settings = settings;
    this.#request = request;
    this.#model = model;
    this.#parent = settings.telemetry === undefined ? undefined : spanParent(settings.telemetry, traceContext);
  }

  /** Reports an attempt about to be sent and starts its span, then sends it (in the span's context). */
  send(call: AttemptCall, send: (call: AttemptCall) => Promise<AttemptResult>): Promise<AttemptResult> {
    this.#attempt = call.attempt ?? 1;
    this.#stream = call.stream;
    this.#startedAt = this.#settings.now();
    this.#inFlight = true;
    this.#span = undefined;
    const { hooks, telemetry } = this.#settings;
    if (hooks?.onRequest !== undefined) tell(hooks.onRequest, { ...this.#event(), body: call.body });
    const parent = this.#parent;
    if (telemetry === undefined || parent === undefined) return send(call);
    try {
      const span = startSpan(telemetry, `chat ${this.#model}`, parent, {}, telemetry.api.SpanKind.CLIENT);
      // Without an SDK the span is the API's no-op one: nothing to record, no context to carry it in.
      if (isInert(telemetry, span)) return send(call);
      this.#span = span;
      if (span.isRecording()) {
        setAttributes(span, this.#startAttributes(telemetry));
        setAttributes(span, {
          'gen_ai.request.stream': call.stream ? true : undefined,
          'qwen_tasks.attempt': this.#attempt,
          'qwen_tasks.stream': call.stream,
        });
      }
    } catch {
      return send(call);
    }
    return telemetry.api.context.with(telemetry.api.trace.setSpan(parent, this.#span), send, undefined, call);
  }

  /** Reports the attempt sent last as successful, with the reply's cost. */
  succeeded(result: AttemptResult, costUsd: number): void {
    if (!this.#inFlight) return;
    this.#inFlight = false;
    const durationMs = this.#settings.now() - this.#startedAt;
    const { reply } = result;
    const usage = reply.usage ?? ZERO_USAGE;
    const onResponse = this.#settings.hooks?.onResponse;
    if (onResponse !== undefined) {
      const event = {
        ...this.#event(),
        status: result.status,
        headers: headersInfo(result.headers, result.remainingCredits),
        usage: { ...usage },
        costUsd,
        durationMs,
        finishReason: reply.finishReason,
      };
      tell(onResponse, withIds(event, reply.requestId, reply.completionId));
    }
    const span = this.#span;
    const telemetry = this.#settings.telemetry;
    if (span === undefined || telemetry === undefined) return;
    this.#span = undefined;
    try {
      // A span nobody records (no SDK registered, or sampled out) gets no attributes: they would be thrown away.
      if (!span.isRecording()) {
        span.end();
        return;
      }
      const model = (result.raw as { model?: unknown } | null)?.model;
      setAttributes(span, {
        'gen_ai.response.id': redactDefined(reply.completionId),
        'gen_ai.response.model': typeof model === 'string' && model !== '' ? redact(model) : undefined,
        'gen_ai.response.finish_reasons': [redact(reply.finishReason)],
        'gen_ai.usage.input_tokens': reply.usage?.promptTokens,
        'gen_ai.usage.output_tokens': reply.usage?.completionTokens,
        'gen_ai.usage.cache_read.input_tokens': reply.usage?.cachedTokens,
        'qwen_tasks.usage.cached_tokens': reply.usage?.cachedTokens,
        'qwen_tasks.cost_usd': costUsd,
        'qwen_tasks.remaining_credits': result.remainingCredits,
        'qwen_tasks.request_id': redactDefined(reply.requestId),
        'gen_ai.output.messages': telemetry.recordContent ? redact(JSON.stringify(outputMessages(result))) : undefined,
      });
      span.end();
    } catch {
      // a tracer's failure never changes the call
    }
  }

  /** Reports the attempt sent last as failed with `error`; `willRetry` says whether the client tries again. */
  failed(error: unknown, willRetry: boolean): void {
    if (!this.#inFlight) return;
    this.#inFlight = false;
    const durationMs = this.#settings.now() - this.#startedAt;
    const status = error instanceof ApiError ? error.status : undefined;
    const onError = this.#settings.hooks?.onError;
    if (onError !== undefined) {
      const event = { ...this.#event(), error, durationMs, willRetry };
      tell(onError, status === undefined ? event : { ...event, status });
    }
    const span = this.#span;
    const telemetry = this.#settings.telemetry;
    if (span === undefined || telemetry === undefined) return;
    this.#span = undefined;
    try {
      setAttributes(span, {
        'http.response.status_code': status,
        // A reply that began and then failed (an error event or a cut inside a stream): its finish reason is `error`.
        'gen_ai.response.finish_reasons': failedMidReply(error) ? ['error'] : undefined,
        'gen_ai.response.id': error instanceof ApiError ? error.completionId : undefined,
        'qwen_tasks.request_id': error instanceof ApiError ? error.requestId : undefined,
      });
      endWithError(telemetry, span, error);
    } catch {
      // a tracer's failure never changes the call
    }
  }

  /**
   * Reports the attempt sent last as failed and sent again at once with a changed body (`reason`: the parameter the
   * server refused, e.g. `max_completion_tokens` or `logprobs`).
   */
  resending(reason: string, error: unknown): void {
    this.failed(error, true);
    this.retrying(0, reason, error);
  }

  /** Reports a retry scheduled after the attempt sent last (already reported as failed), before its wait. */
  retrying(delayMs: number, reason: string, error: unknown): void {
    const onRetry = this.#settings.hooks?.onRetry;
    if (onRetry !== undefined) tell(onRetry, { ...this.#event(), delayMs, reason, error });
  }

  /** The fields every event of the current attempt has. */
  #event(): AttemptEvent {
    const { url, provider } = this.#settings;
    return { method: 'POST', url, provider, model: this.#model, attempt: this.#attempt, stream: this.#stream };
  }

  /** The attributes of the call's request, the same for each of its attempts (computed with the first). */
  #startAttributes(telemetry: Telemetry): SpanAttributes {
    if (this.#callAttributes !== undefined) return this.#callAttributes;
    const request = this.#request;
    const { stop } = request;
    const json =
      request.responseFormat?.type === 'json_object' ||
      request.responseFormat?.type === 'json_schema' ||
      (request.tools !== undefined && request.tools.length > 0);
    const attributes: SpanAttributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': this.#settings.provider,
      'gen_ai.request.model': this.#model,
      'server.address': this.#settings.serverAddress,
      'server.port': this.#settings.serverPort,
      'gen_ai.output.type': json ? 'json' : 'text',
      'gen_ai.request.max_tokens': request.maxTokens,
      'gen_ai.request.temperature': request.temperature,
      'gen_ai.request.top_p': request.topP,
      'gen_ai.request.seed': request.seed,
      'gen_ai.request.stop_sequences': stop === undefined ? undefined : typeof stop === 'string' ? [stop] : [...stop],
    };
    if (telemetry.recordContent) {
      const { instructions, messages } = inputMessages(request.messages);
      if (instructions.length > 0) attributes['gen_ai.system_instructions'] = redact(JSON.stringify(instructions));
      attributes['gen_ai.input.messages'] = redact(JSON.stringify(messages));
    }
    this.#callAttributes = attributes;
    return attributes;
  }
}

/**
 * A short reason for a retry: the error's code, else its class, with the HTTP status when there is one, e.g.
 * `limit_requests (429)`, `ECONNRESET`, `TimeoutError`.
 */
export function retryReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const what =
    typeof code === 'string' && code !== '' ? code : error instanceof Error ? error.name : String(typeof error);
  const status = error instanceof ApiError ? error.status : undefined;
  return redact(status === undefined ? what : `${what} (${status})`);
}

/** Whether an attempt failed after its reply began: an error event inside a stream, or a stream cut short. */
function failedMidReply(error: unknown): boolean {
  return (
    (error instanceof ApiError && error.status === undefined) ||
    (error instanceof ConnectionError && error.code === STREAM_CUT)
  );
}

function redactDefined(value: string | undefined): string | undefined {
  return value === undefined ? undefined : redact(value);
}

/** Adds the ids a reply has to a response event. */
function withIds<Event extends object>(
  event: Event,
  requestId: string | undefined,
  completionId: string | undefined,
): Event & { requestId?: string; completionId?: string } {
  const withRequestId = requestId === undefined ? event : { ...event, requestId: redact(requestId) };
  return completionId === undefined ? withRequestId : { ...withRequestId, completionId: redact(completionId) };
}

/** What a reply's headers say: its request id, Segmind's credits and the `x-ratelimit-*` headers. */
function headersInfo(headers: ResponseHeaders, remainingCredits: number | undefined): ResponseHeadersInfo {
  const info: ResponseHeadersInfo = {};
  const requestId = headerRequestId(headers);
  if (requestId !== undefined) info.requestId = redact(requestId);
  if (remainingCredits !== undefined) info.remainingCredits = remainingCredits;
  let rateLimit: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !name.startsWith('x-ratelimit-')) continue;
    rateLimit ??= {};
    rateLimit[name] = redact(Array.isArray(value) ? value.join(', ') : value);
  }
  if (rateLimit !== undefined) info.rateLimit = rateLimit;
  return info;
}

// Content in the GenAI conventions' message format (recorded only with `recordContent: true`).

/** A message part of the GenAI conventions' JSON schemas. */
type MessagePart =
  | { type: 'text'; content: string }
  | { type: 'reasoning'; content: string }
  | { type: 'tool_call'; id: string; name: string; arguments: unknown }
  | { type: 'tool_call_response'; id: string | null; response: string };

/**
 * The request's messages in the conventions' format: the leading system messages as the system instructions (the
 * task's instruction, given apart from the input), every other message, in order, with its role and parts.
 */
function inputMessages(messages: readonly ChatMessage[]): {
  instructions: MessagePart[];
  messages: { role: string; parts: MessagePart[] }[];
} {
  let leading = 0;
  while (leading < messages.length && messages[leading]?.role === 'system') leading += 1;
  const instructions = messages.slice(0, leading).flatMap((message) => textParts(message.content));
  return {
    instructions,
    messages: messages.slice(leading).map((message) => ({ role: message.role, parts: inputParts(message) })),
  };
}

function inputParts(message: ChatMessage): MessagePart[] {
  if (message.role === 'tool') {
    return [{ type: 'tool_call_response', id: message.toolCallId ?? null, response: textOf(message.content) }];
  }
  const parts = textParts(message.content);
  for (const call of message.toolCalls ?? []) parts.push(toolCallPart(call));
  return parts;
}

function textParts(content: ChatMessage['content']): MessagePart[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  return content.map((part) => ({ type: 'text', content: part.text }));
}

function toolCallPart(call: ToolCall): MessagePart {
  return { type: 'tool_call', id: call.id, name: call.name, arguments: parsedArguments(call.arguments) };
}

/** A tool call's arguments as the JSON value they spell, or the raw string when they are not valid JSON. */
function parsedArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The reply as the conventions' output messages: one assistant message with its parts and finish reason. */
function outputMessages({ reply }: AttemptResult): unknown[] {
  const parts: MessagePart[] = [];
  if (reply.reasoning !== undefined) parts.push({ type: 'reasoning', content: reply.reasoning });
  if (reply.content !== '' || reply.toolCalls === undefined) parts.push({ type: 'text', content: reply.content });
  for (const call of reply.toolCalls ?? []) parts.push(toolCallPart(call));
  // The conventions' finish reason for tool calls is `tool_call` (the wire says `tool_calls`).
  const finishReason = reply.finishReason === 'tool_calls' ? 'tool_call' : reply.finishReason;
  return [{ role: 'assistant', parts, finish_reason: finishReason }];
}
