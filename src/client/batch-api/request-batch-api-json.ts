import { ConnectionError } from '../../errors.js';
import { isRecord } from '../../json.js';
import { discardBody, readText } from '../read-body.js';
import type { BatchApiContext } from './batch-api-context.js';
import { type RetryPolicy, retryBatchApiCall } from './retry-batch-api-call.js';
import { type BatchApiRequest, sendBatchApiRequest, toBatchApiError } from './send-batch-api-request.js';

/**
 * Sends a Files or Batch API request, with retries, and returns its JSON object reply (at most `maxResponseBytes`).
 * A reply that is not a JSON object is a `ConnectionError` (`INVALID_JSON`), retried like a cut connection.
 * @internal
 */
export function requestBatchApiJson(
  context: BatchApiContext,
  call: BatchApiRequest,
  policy: Omit<RetryPolicy, 'signal'> = { resendWhenOutcomeUnknown: true },
): Promise<Record<string, unknown>> {
  return retryBatchApiCall(context, { ...policy, signal: call.signal }, async () => {
    const response = await sendBatchApiRequest(context, call);
    let text: string;
    try {
      text = await readText(response.body, context.maxResponseBytes, context.provider);
    } catch (error) {
      throw toBatchApiError(error, context, call);
    } finally {
      discardBody(response.body);
    }
    const value = parseObject(text);
    if (value === undefined) {
      throw new ConnectionError(
        `The reply body is not a JSON object (${text.length} characters; truncated?) — ${call.method} ${context.baseURL}${call.path}`,
        { provider: context.provider, code: 'INVALID_JSON' },
      );
    }
    return value;
  });
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
