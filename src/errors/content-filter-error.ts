import { ApiError } from './api-error.js';

/** Content moderation refused the input or cut the output (`data_inspection_failed`). */
export class ContentFilterError extends ApiError {
  override name = 'ContentFilterError';
}
