import { ApiError } from './api-error.js';

/** Rate limited (429 with a rate code, or an unknown 429 code). Retryable: the client backs off and retries. */
export class RateLimitError extends ApiError {
  override name = 'RateLimitError';
}
