import { ApiError } from './api-error.js';

/** The provider failed (5xx). Retried; `RequestTimeOut` at most once. */
export class ServerError extends ApiError {
  override name = 'ServerError';
}
