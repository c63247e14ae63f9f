import { ApiError, ConnectionError, RateLimitError, ServerError, TimeoutError } from '../errors.js';

/** Error code of a reply larger than `maxResponseBytes`: not retried, the next reply would be as large. @internal */
export const RESPONSE_TOO_LARGE = 'RESPONSE_TOO_LARGE';

/**
 * Whether a failed attempt is worth another: 408, 409, rate limits (not billing 429s), 5xx (`RequestTimeOut` only
 * once per call), connection errors and timeouts. Never after the caller aborted (checked by the caller).
 * @internal
 */
export function isRetryable(error: unknown, requestTimeOutRetried: boolean): boolean {
  if (error instanceof TimeoutError) return true;
  if (error instanceof ConnectionError) return error.code !== RESPONSE_TOO_LARGE;
  if (error instanceof RateLimitError) return true;
  if (error instanceof ServerError) return error.code !== 'RequestTimeOut' || !requestTimeOutRetried;
  if (error instanceof ApiError)
    return error.constructor === ApiError && (error.status === 408 || error.status === 409);
  return false;
}
