/**
 * One HTTP attempt over undici: send, read the body within its limits, and map every failure to a typed error.
 * undici itself is imported on the first request (see `createDispatcher`), never when the library loads.
 * @module
 */
import type { Dispatcher } from 'undici';
import { type ApiError, ConnectionError, QwenTasksError, ServerError, TimeoutError } from '../errors.js';
import { isRecord } from '../json.js';
import { type ErrorBodyFields, mapApiError, parseErrorBody, parseErrorObject } from './api-errors.js';
import type { ProxySettings } from './config.js';
import { parseRetryAfterMs, RESPONSE_TOO_LARGE, UNEXPECTED_ENCODING } from './limits.js';
import { createStreamAssembler, readSse } from './stream.js';
import type { ChatDelta, Provider, Usage } from './types.js';
import {
  headerRequestId,
  headerValue,
  normalizeUsage,
  type ParsedReply,
  parseChatResponse,
  type ResponseHeaders,
} from './wire.js';

/**
 * From this timeout up, a JSON reply is bounded by undici's own headers and body timers, which run on half-second
 * ticks, and by one sweep shared by every such attempt in flight (see {@link watchAttempt}), since undici's body timer
 * restarts with every byte: the attempt ends within `timeoutMs` plus about a second (under 3.5%). Shorter timeouts,
 * and streamed attempts, get a whole-attempt deadline of the library's.
 */
const COARSE_TIMEOUT_MS = 30_000;

/**
 * A stream's SSE frames repeat some 250 bytes of JSON around every few tokens of text, so its raw bytes may reach
 * this many times `maxResponseBytes`; the text it assembles is held to `maxResponseBytes` itself.
 */
const STREAM_FRAMING_ALLOWANCE = 16;

/** What every attempt of a client shares, built once per client. */
export interface AttemptSettings {
  /** `undefined` until the client has created its own pool, on its first request. */
  dispatcher: Dispatcher | undefined;
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

/** What one call sends, the same for each of its attempts. */
export interface AttemptCall {
  /** The JSON body, serialized once per call. */
  body: string;
  stream: boolean;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  /** Receives the pieces of a streamed reply, each tagged with `attempt`. */
  onDelta?: ((delta: ChatDelta) => void) | undefined;
  /** The attempt's number, from 1 (set by the client before each attempt). */
  attempt?: number;
}

/** A successful attempt. */
export interface AttemptResult {
  reply: ParsedReply;
  raw: unknown;
  remainingCredits: number | undefined;
  /** The HTTP status of the reply. */
  status: number;
  /** The reply's headers as undici gave them (read only by the client's hooks and spans, when it has them). */
  headers: ResponseHeaders;
}

/**
 * Sends one request and reads the whole reply, within `timeoutMs`. Throws the typed error of the failure: the
 * mapped {@link ApiError} of an error status or stream error event, {@link TimeoutError}, {@link ConnectionError}
 * (reset, truncated or invalid body, body over `maxResponseBytes`), or the caller's abort reason.
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
  const watched = coarse ? watchAttempt(settings.now, call.timeoutMs) : undefined;
  let response: Dispatcher.ResponseData | undefined;
  let usage: Usage | undefined;
  try {
    response = await settings.dispatcher!.request({
      origin: settings.origin,
      path: settings.path,
      method: 'POST',
      headers: call.stream ? settings.streamHeaders : settings.jsonHeaders,
      body: call.body,
      signal: deadline?.signal ?? signal,
      headersTimeout: coarse ? call.timeoutMs : 0,
      bodyTimeout: coarse ? call.timeoutMs : 0,
    });
    if (watched !== undefined) watched.body = response.body;
    const headers = response.headers as ResponseHeaders;
    const remainingCredits = readCredits(headers);
    if (remainingCredits !== undefined) settings.onCredits(remainingCredits);
    if (response.statusCode >= 300) {
      const errorBodyBytes = Math.min(MAX_ERROR_BODY_BYTES, settings.maxResponseBytes);
      const fields = parseErrorBody(await readTextPrefix(response.body, errorBodyBytes));
      usage = normalizeUsage(fields.usage);
      throw replyError(settings, headers, response.statusCode, fields, parseRetryAfterMs(headers, settings.now()));
    }
    const encoding = headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') throw encodingError(String(encoding), provider, url);
    const declaredLength = Number(headerValue(headers, 'content-length'));
    const contentType = headerValue(headers, 'content-type') ?? '';
    if (call.stream && !contentType.includes('json')) {
      const maxStreamBytes = settings.maxResponseBytes * STREAM_FRAMING_ALLOWANCE;
      if (declaredLength > maxStreamBytes) throw tooLargeError(maxStreamBytes, provider);
      const assembler = createStreamAssembler({
        provider,
        mapError: (fields) => replyError(settings, headers, undefined, fields),
        maxTextBytes: settings.maxResponseBytes,
        tooLarge: () => tooLargeError(settings.maxResponseBytes, provider),
        onDelta: call.onDelta,
        attempt: call.attempt ?? 1,
      });
      try {
        for await (const data of readSse(limitBytes(response.body, maxStreamBytes, provider))) {
          assembler.push(data);
        }
      } finally {
        usage = assembler.usage;
      }
      const { reply, raw } = assembler.finish();
      return {
        reply: withHeaderRequestId(reply, headers),
        raw,
        remainingCredits,
        status: response.statusCode,
        headers,
      };
    }
    if (declaredLength > settings.maxResponseBytes) throw tooLargeError(settings.maxResponseBytes, provider);
    // A declared length within the limit bounds the body already (undici reads exactly that many bytes).
    const text = Number.isNaN(declaredLength)
      ? await readText(response.body, settings.maxResponseBytes, provider)
      : await response.body.text();
    const raw = parseJsonBody(text, provider, url);
    if (isRecord(raw) && raw.error !== undefined && raw.error !== null) {
      throw replyError(settings, headers, response.statusCode, parseErrorObject(raw));
    }
    const reply = parseChatResponse(raw);
    if (reply === undefined) {
      throw new ServerError(`Server error (${response.statusCode}): the reply has no choices — POST ${url}`, {
        status: response.statusCode,
        provider,
      });
    }
    usage = reply.usage;
    return { reply: withHeaderRequestId(reply, headers), raw, remainingCredits, status: response.statusCode, headers };
  } catch (error) {
    if (signal?.aborted === true) throw signal.reason;
    if (deadline?.timedOut === true || watched?.timedOut === true || isUndiciTimeout(error)) {
      throw new TimeoutError(`Attempt timed out after ${call.timeoutMs} ms — POST ${url}`, {
        timeoutMs: call.timeoutMs,
        provider,
      });
    }
    if (error instanceof QwenTasksError) throw error;
    throw toConnectionError(error, provider, url);
  } finally {
    deadline?.clear();
    if (watched !== undefined) unwatchAttempt(watched);
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

/** An attempt on the coarse path, watched by the shared sweep. */
interface WatchedAttempt {
  readonly deadlineAt: number;
  readonly now: () => number;
  /** The reply body, once the headers are in. */
  body: Dispatcher.ResponseData['body'] | undefined;
  timedOut: boolean;
}

const watchedAttempts = new Set<WatchedAttempt>();
let sweepTimer: NodeJS.Timeout | undefined;
/** How often the sweep looks, like undici's own timers: an attempt ends at most this much after its deadline. */
const SWEEP_INTERVAL_MS = 500;

/**
 * Puts a coarse attempt under the one sweep that bounds every coarse attempt in flight: a single unref'd interval,
 * started with the first and stopping itself once none is left, so an attempt costs a set entry, never a timer. Before the
 * headers, undici's headers timer bounds the attempt; after them, the sweep destroys a body still arriving at the
 * deadline (undici's body timer restarts with every byte, so a reply trickling in would never end).
 */
function watchAttempt(now: () => number, timeoutMs: number): WatchedAttempt {
  const watched: WatchedAttempt = { deadlineAt: now() + timeoutMs, now, body: undefined, timedOut: false };
  watchedAttempts.add(watched);
  if (sweepTimer === undefined) {
    sweepTimer = setInterval(sweep, SWEEP_INTERVAL_MS);
    sweepTimer.unref();
  }
  return watched;
}

/**
 * Takes an attempt off the sweep. The sweep stops itself at its next tick once no attempt is left, rather than here:
 * calls one after another would otherwise start and clear a timer each.
 */
function unwatchAttempt(watched: WatchedAttempt): void {
  watchedAttempts.delete(watched);
}

function sweep(): void {
  if (watchedAttempts.size === 0) {
    clearInterval(sweepTimer);
    sweepTimer = undefined;
    return;
  }
  for (const watched of watchedAttempts) {
    if (watched.body === undefined || watched.now() < watched.deadlineAt) continue;
    watched.timedOut = true;
    watchedAttempts.delete(watched);
    watched.body.destroy(new Error('Attempt timed out'));
  }
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

/**
 * The typed error of a failed reply (an error status, a 2xx body holding an error, or an error event inside a
 * stream, whose `status` is `undefined`), with the reply's request id (its header's first).
 */
function replyError(
  settings: AttemptSettings,
  headers: ResponseHeaders,
  status: number | undefined,
  fields: ErrorBodyFields,
  retryAfterMs?: number,
): ApiError {
  return mapApiError({
    status,
    fields,
    provider: settings.provider,
    url: settings.url,
    headerRequestId: headerRequestId(headers),
    retryAfterMs,
  });
}

/** The provider's request id of a reply: the `x-request-id` header, else the body's `request_id`. */
function withHeaderRequestId(reply: ParsedReply, headers: ResponseHeaders): ParsedReply {
  const requestId = headerRequestId(headers);
  if (requestId !== undefined) reply.requestId = requestId;
  return reply;
}

/** The error of a reply in a content encoding the client never asked for (it sends no `Accept-Encoding`). */
function encodingError(encoding: string, provider: string, url: string): ConnectionError {
  return new ConnectionError(
    `The reply is encoded with Content-Encoding: ${encoding}, which the client never asked for and does not decode ` +
      `(a proxy or gateway compressing replies?); configure it to pass replies through unencoded — POST ${url}`,
    { provider, code: UNEXPECTED_ENCODING },
  );
}

/** Error bodies are read up to this size; the rest is ignored. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * Passes the chunks of a body through, failing with a {@link ConnectionError} (`RESPONSE_TOO_LARGE`, not retried)
 * as soon as more than `maxBytes` arrived; the caller then destroys the body, so reading stops.
 */
async function* limitBytes(
  chunks: AsyncIterable<Uint8Array>,
  maxBytes: number,
  provider: string,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLargeError(maxBytes, provider);
    yield chunk;
  }
}

/** The error of a reply body over `maxResponseBytes`. */
function tooLargeError(maxBytes: number, provider: string): ConnectionError {
  return new ConnectionError(
    `The reply body is larger than maxResponseBytes (${maxBytes} bytes): raise maxResponseBytes in createClient ` +
      'if replies this large are expected',
    { provider, code: RESPONSE_TOO_LARGE },
  );
}

/** Reads a whole body as UTF-8 text, at most `maxBytes` of it (see {@link limitBytes}). */
export async function readText(chunks: AsyncIterable<Uint8Array>, maxBytes: number, provider: string): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const chunk of limitBytes(chunks, maxBytes, provider)) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

/** Reads the first `maxBytes` of a body as UTF-8 text and ignores the rest (for error bodies). */
export async function readTextPrefix(chunks: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    total += chunk.byteLength;
    if (total >= maxBytes) break;
  }
  return Buffer.concat(parts).subarray(0, maxBytes).toString('utf8');
}

/** Stops reading a body we no longer want; the error its destruction emits is expected and ignored. */
export function discardBody(body: Dispatcher.ResponseData['body']): void {
  if (body.readableEnded || body.destroyed) return;
  body.on('error', () => {});
  body.destroy();
}

/** undici, imported on the first request (about 85 ms) rather than when the library loads; shared by every client. */
let undici: Promise<typeof import('undici')> | undefined;

/**
 * The client's own keep-alive connection pool, never the global dispatcher: an `EnvHttpProxyAgent` when the
 * environment names a proxy (so `NO_PROXY` is honoured too), a plain `Agent` otherwise.
 */
export async function createDispatcher(proxy: ProxySettings | undefined): Promise<Dispatcher> {
  undici ??= import('undici');
  const { Agent, EnvHttpProxyAgent } = await undici;
  return proxy === undefined ? new Agent() : new EnvHttpProxyAgent(proxy);
}

/**
 * Wraps a transport failure (reset, refused, socket closed, body cut) in a retryable {@link ConnectionError}
 * that keeps the low-level code, e.g. `ECONNRESET` or `UND_ERR_SOCKET`. The message names `method` and `url`.
 */
export function toConnectionError(error: unknown, provider: string, url: string, method = 'POST'): ConnectionError {
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  const detail = error instanceof Error ? error.message : String(error);
  return new ConnectionError(
    `Connection failed${code === undefined ? '' : ` (${code})`}: ${detail} — ${method} ${url}`,
    {
      provider,
      ...(code === undefined ? {} : { code }),
      cause: error,
    },
  );
}
