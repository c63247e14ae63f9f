import { ApiError } from './api-error.js';

/**
 * The provider failed: 5xx, an error event inside a stream with an unknown code, or a reply without choices.
 * Retried; `RequestTimeOut` at most once per call.
 */
export class ServerError extends ApiError {
  override name = 'ServerError';
}
