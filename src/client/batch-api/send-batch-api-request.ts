import { type Dispatcher, type FormData, request } from 'undici';
import { QwenTasksError, TimeoutError } from '../../errors.js';
import { headerRequestId, type ResponseHeaders } from '../header-value.js';
import { mapApiError } from '../map-api-error.js';
import { parseErrorBody } from '../parse-error-body.js';
import { discardBody, MAX_ERROR_BODY_BYTES, readTextPrefix } from '../read-body.js';
import { parseRetryAfterMs } from '../retry-delay.js';
import { toConnectionError } from '../to-connection-error.js';
import type { BatchApiContext } from './batch-api-context.js';

/** undici's codes for a wait that passed `headersTimeout` or `bodyTimeout`. */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** One request to the Files or Batch API. @internal */
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
 * Throws the typed error of a failure, as chat calls do: the mapped `ApiError` of an error status, a `TimeoutError`
 * when the headers (or the next piece of the body) take longer than `timeoutMs`, a `ConnectionError`, or the
 * caller's abort reason.
 * @internal
 */
export async function sendBatchApiRequest(
  context: BatchApiContext,
  call: BatchApiRequest,
): Promise<Dispatcher.ResponseData> {
  const url = `${context.baseURL}${call.path}`;
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
 * @internal
 */
export function toBatchApiError(
  error: unknown,
  context: BatchApiContext,
  call: Pick<BatchApiRequest, 'method' | 'path' | 'signal'>,
): unknown {
  if (call.signal?.aborted === true) return call.signal.reason;
  if (error instanceof QwenTasksError) return error;
  const url = `${context.baseURL}${call.path}`;
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
