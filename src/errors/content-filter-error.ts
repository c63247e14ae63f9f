import { ApiError } from './api-error.js';

/** Content moderation refused the input or cut the output (`data_inspection_failed`). Not retried. */
export class ContentFilterError extends ApiError {
  override name = 'ContentFilterError';
}
