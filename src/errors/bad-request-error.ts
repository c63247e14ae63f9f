import { ApiError } from './api-error.js';

/** The request was refused as invalid (400), or the model does not exist (404 `model_not_found`). */
export class BadRequestError extends ApiError {
  override name = 'BadRequestError';
}
