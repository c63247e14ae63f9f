/**
 * The Batch API's HTTP: one request to the files or batches endpoints, its retries, its JSON reply and its errors.
 * Loaded with `batch-api.ts` on the first Batch API call.
 * @module
 */
import { type Dispatcher, type FormData, request } from 'undici';
import { ApiError, ConnectionError, QwenTasksError, ServerError, TimeoutError } from '../errors.js';
import { isRecord } from '../json.js';
import { mapApiError, parseErrorBody } from './api-errors.js';
import { joinURL } from './config.js';
import { isRetryable, parseRetryAfterMs, retryDelayMs } from './limits.js';
import { discardBody, MAX_ERROR_BODY_BYTES, readText, readTextPrefix, toConnectionError } from './transport.js';
import type { Clock, Provider } from './types.js';
import { headerRequestId, type ResponseHeaders } from './wire.js';

/** What every Batch API call needs from its client. */
export interface BatchApiContext {
  provider: Provider;
  /** The client's base URL, without a trailing slash. */
  baseURL: string;
  /** The client's headers (authentication included) without `content-type`, which each call sets. */
  headers: Record<string, string>;
  dispatcher: Dispatcher;
  /** Longest wait for the response headers, and longest silence while a body is arriving. */
  timeoutMs: number;
  maxRetries: number;
  /** Largest JSON reply accepted; file downloads are streamed and not bounded by it. */
  maxResponseBytes: number;
  clock: Clock;
  random: () => number;
}

/**
 * Sends a Files or Batch API request, with retries, and returns its JSON object reply (at most `maxResponseBytes`).
 * A reply that is not a JSON object is a `ConnectionError` (`INVALID_JSON`), retried like a cut connection.
 */
export function requestBatchApiJson(
  context: BatchApiContext,
  call: BatchApiRequest,
  policy: Omit<RetryPolicy, 'signal'> = { resendWhenOutcomeUnknown: true },
): Promise<Record<string, unknown>> {
  return retryBatchApiCall(context, { ...policy, signal: call.signal }, async () => {
    const response = await sendBatchApiRequest(context, call);
    let text: string;
    try {
      text = await readText(response.body, context.maxResponseBytes, context.provider);
    } catch (error) {
      throw toBatchApiError(error, context, call);
    } finally {
      discardBody(response.body);
    }
    const value = parseObject(text);
    if (value === undefined) {
      throw new ConnectionError(
        `The reply body is not a JSON object (${text.length} characters; truncated?) — ${call.method} ${joinURL(context.baseURL, call.path)}`,
        { provider: context.provider, code: 'INVALID_JSON' },
      );
    }
    return value;
  });
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Connection failures that prove the request never reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** How a Batch API call may be retried. */
export interface RetryPolicy {
  signal: AbortSignal | undefined;
  /**
   * Whether the request may be sent again when its outcome is unknown (a timeout or a connection cut after it was
   * sent). False for creating a batch: a second batch would be billed twice.
   */
  resendWhenOutcomeUnknown: boolean;
}

/**
 * Runs `operation` and retries it like a chat call: 408, 409, rate limits, 5xx (`RequestTimeOut` once), connection
 * errors and timeouts, at most `maxRetries` times, after the server's `Retry-After` or exponential backoff with
 * jitter. Never after the caller aborted.
 */
export async function retryBatchApiCall<T>(
  context: BatchApiContext,
  policy: RetryPolicy,
  operation: () => Promise<T>,
): Promise<T> {
  const { signal } = policy;
  let retries = 0;
  let requestTimeOutRetried = false;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason;
      if (retries >= context.maxRetries || !isRetryable(error, requestTimeOutRetried)) throw error;
      if (!policy.resendWhenOutcomeUnknown && outcomeUnknown(error)) throw error;
      if (error instanceof ServerError && error.code === 'RequestTimeOut') requestTimeOutRetried = true;
      retries += 1;
      const retryAfterMs = error instanceof ApiError ? error.retryAfterMs : undefined;
      await context.clock.sleep(retryDelayMs(retries, retryAfterMs, context.random), signal);
    }
  }
}

/** Whether the server may have acted on a request that failed: it gave no status, yet may have received it. */
function outcomeUnknown(error: unknown): boolean {
  if (error instanceof ApiError) return false;
  return !(error instanceof ConnectionError && error.code !== undefined && NOT_SENT_CODES.has(error.code));
}

/** undici's codes for a wait that passed `headersTimeout` or `bodyTimeout`. */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** One request to the Files or Batch API. */
export interface BatchApiRequest {
  method: 'GET' | 'POST';
  /** Path below the base URL, e.g. `/batches/batch_123`, query string included. */
  path: string;
  /** A JSON text, or a multipart form (its content type is set by undici). */
  body?: string | FormData;
  signal: AbortSignal | undefined;
}

/**
 * Sends one request and returns the response once its headers say success; the caller reads (or discards) the body.
 * Failures throw the typed errors of chat calls (see {@link toBatchApiError}).
 */
export async function sendBatchApiRequest(
  context: BatchApiContext,
  call: BatchApiRequest,
): Promise<Dispatcher.ResponseData> {
  const url = joinURL(context.baseURL, call.path);
  call.signal?.throwIfAborted();
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, {
      method: call.method,
      dispatcher: context.dispatcher,
      headers: {
        ...context.headers,
        accept: 'application/json',
        ...(typeof call.body === 'string' ? { 'content-type': 'application/json' } : {}),
      },
      ...(call.body === undefined ? {} : { body: call.body }),
      ...(call.signal === undefined ? {} : { signal: call.signal }),
      headersTimeout: context.timeoutMs,
      bodyTimeout: context.timeoutMs,
    });
  } catch (error) {
    throw toBatchApiError(error, context, call);
  }
  if (response.statusCode < 300) return response;
  const headers = response.headers as ResponseHeaders;
  let text = '';
  try {
    text = await readTextPrefix(response.body, Math.min(MAX_ERROR_BODY_BYTES, context.maxResponseBytes));
  } catch {
    // An error body cut short still has a status worth reporting.
  } finally {
    discardBody(response.body);
  }
  call.signal?.throwIfAborted();
  throw mapApiError({
    status: response.statusCode,
    fields: parseErrorBody(text),
    provider: context.provider,
    url,
    method: call.method,
    headerRequestId: headerRequestId(headers),
    retryAfterMs: parseRetryAfterMs(headers, context.clock.now()),
  });
}

/**
 * The typed error of a failure while sending a request or reading its body: the caller's abort reason, a
 * `TimeoutError` for undici's header and body timeouts, a library error as it is, else a `ConnectionError`.
 */
export function toBatchApiError(
  error: unknown,
  context: BatchApiContext,
  call: Pick<BatchApiRequest, 'method' | 'path' | 'signal'>,
): unknown {
  if (call.signal?.aborted === true) return call.signal.reason;
  if (error instanceof QwenTasksError) return error;
  const url = joinURL(context.baseURL, call.path);
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
    return new TimeoutError(`No reply for ${context.timeoutMs} ms — ${call.method} ${url}`, {
      timeoutMs: context.timeoutMs,
      provider: context.provider,
      cause: error,
    });
  }
  return toConnectionError(error, context.provider, url, call.method);
}
