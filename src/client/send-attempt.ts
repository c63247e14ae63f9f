import type { Dispatcher } from 'undici';
import { ConnectionError, QwenTasksError, ServerError, TimeoutError } from '../errors.js';
import { isRecord } from '../json.js';
import { createStreamAssembler } from './assemble-stream.js';
import { headerRequestId, headerValue, type ResponseHeaders } from './header-value.js';
import { mapApiError } from './map-api-error.js';
import { normalizeUsage } from './normalize-usage.js';
import { type ParsedReply, parseChatResponse } from './parse-chat-response.js';
import { type ErrorBodyFields, parseErrorBody, parseErrorObject } from './parse-error-body.js';
import { discardBody, limitBytes, MAX_ERROR_BODY_BYTES, readText, readTextPrefix, tooLargeError } from './read-body.js';
import { readSse } from './read-sse.js';
import { parseRetryAfterMs } from './retry-delay.js';
import { toConnectionError } from './to-connection-error.js';
import type { Provider, Usage } from './types.js';

/**
 * From this timeout up, a JSON reply is bounded by undici's own headers and body timers, which run on half-second
 * ticks: the attempt ends within `timeoutMs` plus about a second (under 3.5%). Shorter timeouts, and streamed
 * attempts, get a whole-attempt deadline of the library's.
 */
const COARSE_TIMEOUT_MS = 30_000;

/** What every attempt of a client shares, built once per client. @internal */
export interface AttemptSettings {
  dispatcher: Dispatcher;
  /** The endpoint URL, for messages… */
  url: string;
  /** …and its parts, parsed once per client: `https://host:port` and the path with its query. */
  origin: string;
  path: string;
  /** The client's request headers with `accept: application/json`. */
  jsonHeaders: Record<string, string>;
  /** The client's request headers with `accept: text/event-stream`. */
  streamHeaders: Record<string, string>;
  provider: Provider;
  maxResponseBytes: number;
  now: () => number;
  /** Called once per attempt whose reply reported usage, even when the attempt fails afterwards (it was billed). */
  onUsage: (usage: Usage) => void;
  /** Called with Segmind's `x-remaining-credits` whenever a reply carries it. */
  onCredits: (remainingCredits: number) => void;
}

/** What one call sends, the same for each of its attempts. @internal */
export interface AttemptCall {
  /** The JSON body, serialized once per call. */
  body: string;
  stream: boolean;
  timeoutMs: number;
  signal: AbortSignal | undefined;
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
export async function sendAttempt(settings: AttemptSettings, call: AttemptCall): Promise<AttemptResult> {
  const { provider, url } = settings;
  const { signal } = call;
  signal?.throwIfAborted();
  // undici's headers and body timers tick every half second, so they may fire up to a second late: close enough for
  // a long timeout on a JSON reply (the default is 60 s or more), which then costs no timer or controller of ours.
  // A streamed attempt, or a short timeout, gets a deadline of its own, kept to the millisecond.
  const coarse = !call.stream && call.timeoutMs >= COARSE_TIMEOUT_MS;
  const deadline = coarse ? undefined : startDeadline(call.timeoutMs, signal);
  let response: Dispatcher.ResponseData | undefined;
  let usage: Usage | undefined;
  try {
    response = await settings.dispatcher.request({
      origin: settings.origin,
      path: settings.path,
      method: 'POST',
      headers: call.stream ? settings.streamHeaders : settings.jsonHeaders,
      body: call.body,
      signal: deadline?.signal ?? signal,
      headersTimeout: coarse ? call.timeoutMs : 0,
      bodyTimeout: coarse ? call.timeoutMs : 0,
    });
    const headers = response.headers as ResponseHeaders;
    const remainingCredits = readCredits(headers);
    if (remainingCredits !== undefined) settings.onCredits(remainingCredits);
    if (response.statusCode >= 300) {
      const errorBodyBytes = Math.min(MAX_ERROR_BODY_BYTES, settings.maxResponseBytes);
      const fields = parseErrorBody(await readTextPrefix(response.body, errorBodyBytes));
      usage = normalizeUsage(fields.usage);
      throw mapApiError({
        status: response.statusCode,
        fields,
        provider,
        url,
        headerRequestId: headerRequestId(headers),
        retryAfterMs: parseRetryAfterMs(headers, settings.now()),
      });
    }
    const declaredLength = Number(headerValue(headers, 'content-length'));
    if (declaredLength > settings.maxResponseBytes) throw tooLargeError(settings.maxResponseBytes, provider);
    const contentType = headerValue(headers, 'content-type') ?? '';
    if (call.stream && !contentType.includes('json')) {
      const assembler = createStreamAssembler({ provider, mapError: (fields) => streamError(fields, settings) });
      try {
        for await (const data of readSse(limitBytes(response.body, settings.maxResponseBytes, provider))) {
          assembler.push(data);
        }
      } finally {
        usage = assembler.usage;
      }
      const { reply, raw } = assembler.finish();
      return { reply: withHeaderRequestId(reply, headers), raw, remainingCredits };
    }
    // A declared length within the limit bounds the body already (undici reads exactly that many bytes).
    const text = Number.isNaN(declaredLength)
      ? await readText(response.body, settings.maxResponseBytes, provider)
      : await response.body.text();
    const raw = parseJsonBody(text, provider, url);
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
    if (deadline?.timedOut === true || isUndiciTimeout(error)) {
      throw new TimeoutError(`Attempt timed out after ${call.timeoutMs} ms — POST ${url}`, {
        timeoutMs: call.timeoutMs,
        provider,
      });
    }
    if (error instanceof QwenTasksError) throw error;
    throw toConnectionError(error, provider, url);
  } finally {
    deadline?.clear();
    if (response !== undefined) discardBody(response.body);
    if (usage !== undefined) settings.onUsage(usage);
  }
}

/** An attempt's deadline: a signal that aborts after `timeoutMs` or when the caller's `signal` does. */
interface Deadline {
  signal: AbortSignal;
  readonly timedOut: boolean;
  clear(): void;
}

function startDeadline(timeoutMs: number, signal: AbortSignal | undefined): Deadline {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  const deadline = {
    signal: controller.signal,
    timedOut: false,
    clear(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
  const timer = setTimeout(() => {
    deadline.timedOut = true;
    controller.abort(new Error(`Attempt timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  signal?.addEventListener('abort', onAbort, { once: true });
  return deadline;
}

/** undici's headers or body timeout fired (see `headersTimeout` and `bodyTimeout` above). */
function isUndiciTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
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

function streamError(fields: ErrorBodyFields, settings: AttemptSettings): Error {
  return mapApiError({ status: undefined, fields, provider: settings.provider, url: settings.url });
}

function withHeaderRequestId(reply: ParsedReply, headers: ResponseHeaders): ParsedReply {
  if (reply.requestId !== undefined) return reply;
  const requestId = headerRequestId(headers);
  return requestId === undefined ? reply : { ...reply, requestId };
}
