import { type Dispatcher, request } from 'undici';
import { ConnectionError, QwenTasksError, ServerError, TimeoutError } from '../errors/index.js';
import { createStreamAssembler } from './assemble-stream.js';
import { headerRequestId, headerValue, type ResponseHeaders } from './header-value.js';
import { isRecord } from './is-record.js';
import { mapApiError } from './map-api-error.js';
import { normalizeUsage } from './normalize-usage.js';
import { type ParsedReply, parseChatResponse } from './parse-chat-response.js';
import { type ErrorBodyFields, parseErrorBody, parseErrorObject } from './parse-error-body.js';
import { limitBytes, readText, readTextPrefix, tooLargeError } from './read-body.js';
import { readSse } from './read-sse.js';
import { parseRetryAfterMs } from './retry-delay.js';
import { toConnectionError } from './to-connection-error.js';
import type { Provider, Usage } from './types.js';

/** Error bodies are read up to this size; the rest is ignored. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** One HTTP attempt to make. @internal */
export interface AttemptInput {
  dispatcher: Dispatcher;
  url: string;
  headers: Record<string, string>;
  /** The JSON body, serialized once per call. */
  body: string;
  stream: boolean;
  provider: Provider;
  timeoutMs: number;
  maxResponseBytes: number;
  signal: AbortSignal | undefined;
  now: () => number;
  /** Called once per attempt whose reply reported usage, even when the attempt fails afterwards (it was billed). */
  onUsage: (usage: Usage) => void;
  /** Called with Segmind's `x-remaining-credits` whenever a reply carries it. */
  onCredits: (remainingCredits: number) => void;
}

/** A successful attempt. @internal */
export interface AttemptResult {
  reply: ParsedReply;
  raw: unknown;
  remainingCredits: number | undefined;
}

/**
 * Sends one request and reads the whole reply, within `timeoutMs`. Throws the typed error of the failure: the
 * mapped {@link ApiError} of an error status or stream error event, {@link TimeoutError}, {@link ConnectionError}
 * (reset, truncated or invalid body, body over `maxResponseBytes`), or the caller's abort reason.
 * @internal
 */
export async function sendAttempt(input: AttemptInput): Promise<AttemptResult> {
  const { signal, provider, url } = input;
  signal?.throwIfAborted();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`Attempt timed out after ${input.timeoutMs} ms`));
  }, input.timeoutMs);
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let response: Dispatcher.ResponseData | undefined;
  let usage: Usage | undefined;
  try {
    response = await request(url, {
      method: 'POST',
      dispatcher: input.dispatcher,
      headers: { ...input.headers, accept: input.stream ? 'text/event-stream' : 'application/json' },
      body: input.body,
      signal: controller.signal,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    const headers = response.headers as ResponseHeaders;
    const remainingCredits = readCredits(headers);
    if (remainingCredits !== undefined) input.onCredits(remainingCredits);
    if (response.statusCode >= 300) {
      const errorBodyBytes = Math.min(MAX_ERROR_BODY_BYTES, input.maxResponseBytes);
      const fields = parseErrorBody(await readTextPrefix(response.body, errorBodyBytes));
      usage = normalizeUsage(fields.usage);
      throw mapApiError({
        status: response.statusCode,
        fields,
        provider,
        url,
        headerRequestId: headerRequestId(headers),
        retryAfterMs: parseRetryAfterMs(headers, input.now()),
      });
    }
    const declaredLength = Number(headerValue(headers, 'content-length'));
    if (declaredLength > input.maxResponseBytes) throw tooLargeError(input.maxResponseBytes, provider);
    const contentType = headerValue(headers, 'content-type') ?? '';
    if (input.stream && !contentType.includes('json')) {
      const assembler = createStreamAssembler({ provider, mapError: (fields) => streamError(fields, input) });
      try {
        for await (const data of readSse(limitBytes(response.body, input.maxResponseBytes, provider))) {
          assembler.push(data);
        }
      } finally {
        usage = assembler.usage;
      }
      const { reply, raw } = assembler.finish();
      return { reply: withHeaderRequestId(reply, headers), raw, remainingCredits };
    }
    const raw = parseJsonBody(await readText(response.body, input.maxResponseBytes, provider), provider, url);
    if (isRecord(raw) && raw.error !== undefined && raw.error !== null) {
      const fields = parseErrorObject(raw);
      throw mapApiError({
        status: response.statusCode,
        fields,
        provider,
        url,
        headerRequestId: headerRequestId(headers),
      });
    }
    const reply = parseChatResponse(raw);
    if (reply === undefined) {
      throw new ServerError(`Server error (${response.statusCode}): the reply has no choices — POST ${url}`, {
        status: response.statusCode,
        provider,
      });
    }
    usage = reply.usage;
    return { reply: withHeaderRequestId(reply, headers), raw, remainingCredits };
  } catch (error) {
    if (signal?.aborted === true) throw signal.reason;
    if (timedOut) {
      throw new TimeoutError(`Attempt timed out after ${input.timeoutMs} ms — POST ${url}`, {
        timeoutMs: input.timeoutMs,
        provider,
      });
    }
    if (error instanceof QwenTasksError) throw error;
    throw toConnectionError(error, provider, url);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    if (response !== undefined && !response.body.readableEnded) discardBody(response.body);
    if (usage !== undefined) input.onUsage(usage);
  }
}

/** Stops reading a body we no longer want; the error its destruction emits is expected and ignored. */
function discardBody(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

function readCredits(headers: ResponseHeaders): number | undefined {
  const value = Number.parseFloat(headerValue(headers, 'x-remaining-credits') ?? '');
  return Number.isFinite(value) ? value : undefined;
}

function parseJsonBody(text: string, provider: string, url: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConnectionError(
      `The reply body is not valid JSON (${text.length} characters; truncated?) — POST ${url}`,
      { provider, code: 'INVALID_JSON', cause: error },
    );
  }
}

function streamError(fields: ErrorBodyFields, input: AttemptInput): Error {
  return mapApiError({ status: undefined, fields, provider: input.provider, url: input.url });
}

function withHeaderRequestId(reply: ParsedReply, headers: ResponseHeaders): ParsedReply {
  if (reply.requestId !== undefined) return reply;
  const requestId = headerRequestId(headers);
  return requestId === undefined ? reply : { ...reply, requestId };
}
