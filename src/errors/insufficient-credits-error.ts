import { ApiError } from './api-error.js';

/**
 * No money left: Segmind 406, 402, DashScope `Arrearage`, overdue-bill 429s, 403 `AllocationQuota.FreeTierOnly`.
 * Not retried; fatal for a batch.
 */
export class InsufficientCreditsError extends ApiError {
  override name = 'InsufficientCreditsError';
}
