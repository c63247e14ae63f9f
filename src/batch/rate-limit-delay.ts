/** Times the runner retries a rate-limited item before recording it as failed. @internal */
export const MAX_RATE_LIMIT_RETRIES = 8;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;

/**
 * How long the runner pauses before retrying a rate-limited item: the server's `Retry-After` when it gave one,
 * else exponential backoff from 500 ms; at most 30 s. `retries` counts from 1. @internal
 */
export function rateLimitDelayMs(retries: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, MAX_DELAY_MS);
  return Math.min(BASE_DELAY_MS * 2 ** (retries - 1), MAX_DELAY_MS);
}
