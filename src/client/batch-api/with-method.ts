import { ApiError, ConnectionError } from '../../errors/index.js';
import type { ApiErrorClass } from '../map-api-error.js';

/**
 * The same error with ` — POST <url>` at the end of its message replaced by the method actually used (the shared
 * error builders assume chat's POST). Other errors, and POST requests, are returned as they are.
 * @internal
 */
export function withMethod<E>(error: E, method: string): E {
  if (method === 'POST' || !(error instanceof Error)) return error;
  const message = error.message.replace(/ — POST (\S+)$/, ` — ${method} $1`);
  if (message === error.message) return error;
  if (error instanceof ApiError) {
    const ErrorClass = error.constructor as ApiErrorClass;
    return new ErrorClass(message, {
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.code === undefined ? {} : { code: error.code }),
      ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
      ...(error.provider === undefined ? {} : { provider: error.provider }),
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    }) as E;
  }
  if (error instanceof ConnectionError) {
    return new ConnectionError(message, {
      ...(error.provider === undefined ? {} : { provider: error.provider }),
      ...(error.code === undefined ? {} : { code: error.code }),
      ...(error.cause === undefined ? {} : { cause: error.cause }),
    }) as E;
  }
  return error;
}
