import { ApiError } from './api-error.js';

/**
 * The request was refused as invalid (400 `invalid_parameter_error`, other 4xx), or the model does not exist
 * (404 `model_not_found`). Not retried.
 */
export class BadRequestError extends ApiError {
  override name = 'BadRequestError';
}
