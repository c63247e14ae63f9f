import { ApiError } from './api-error.js';

/** The API key was refused (401) or lacks access to the model (403). */
export class AuthenticationError extends ApiError {
  override name = 'AuthenticationError';
}
