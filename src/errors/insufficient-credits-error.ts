import { ApiError } from './api-error.js';

/** No money left: Segmind 406, DashScope `Arrearage`, overdue-bill 429s, 403 `AllocationQuota.FreeTierOnly`. Fatal for a batch. */
export class InsufficientCreditsError extends ApiError {
  override name = 'InsufficientCreditsError';
}
