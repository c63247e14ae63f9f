import { ApiError } from './api-error.js';

/**
 * The API key was refused (401, `invalid_api_key`, a key of another region) or lacks access to the model (403).
 * Not retried.
 */
export class AuthenticationError extends ApiError {
  override name = 'AuthenticationError';
}
