import { ApiError, ConnectionError, ServerError } from '../../errors.js';
import { isRetryable } from '../is-retryable.js';
import { retryDelayMs } from '../retry-delay.js';
import type { BatchApiContext } from './batch-api-context.js';

/** Connection failures that prove the request never reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** How a Batch API call may be retried. @internal */
export interface RetryPolicy {
  signal: AbortSignal | undefined;
  /**
   * Whether the request may be sent again when its outcome is unknown (a timeout or a connection cut after it was
   * sent). False for creating a batch: a second batch would be billed twice.
   */
  resendWhenOutcomeUnknown: boolean;
}

/**
 * Runs `operation` and retries it like a chat call: 408, 409, rate limits, 5xx (`RequestTimeOut` once), connection
 * errors and timeouts, at most `maxRetries` times, after the server's `Retry-After` or exponential backoff with
 * jitter. Never after the caller aborted.
 * @internal
 */
export async function retryBatchApiCall<T>(
  context: BatchApiContext,
  policy: RetryPolicy,
  operation: () => Promise<T>,
): Promise<T> {
  const { signal } = policy;
  let retries = 0;
  let requestTimeOutRetried = false;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason;
      if (retries >= context.maxRetries || !isRetryable(error, requestTimeOutRetried)) throw error;
      if (!policy.resendWhenOutcomeUnknown && outcomeUnknown(error)) throw error;
      if (error instanceof ServerError && error.code === 'RequestTimeOut') requestTimeOutRetried = true;
      retries += 1;
      const retryAfterMs = error instanceof ApiError ? error.retryAfterMs : undefined;
      await context.clock.sleep(retryDelayMs(retries, retryAfterMs, context.random), signal);
    }
  }
}

/** Whether the server may have acted on a request that failed: it gave no status, yet may have received it. */
function outcomeUnknown(error: unknown): boolean {
  if (error instanceof ApiError) return false;
  return !(error instanceof ConnectionError && error.code !== undefined && NOT_SENT_CODES.has(error.code));
}
