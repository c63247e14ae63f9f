import { createInterface } from 'node:readline';
import { discardBody } from '../read-body.js';
import type { BatchApiContext } from './batch-api-context.js';
import type { BatchApiCallOptions } from './batch-api-types.js';
import { retryBatchApiCall } from './retry-batch-api-call.js';
import { sendBatchApiRequest, toBatchApiError } from './send-batch-api-request.js';

/**
 * Streams the non-blank lines of a file's content (`GET /files/{id}/content`) with `readline`, as they arrive.
 * Getting the response is retried like any Batch API call; a connection cut while the body streams fails the
 * iteration with a `ConnectionError` (`TimeoutError` when the body stalls for `timeoutMs`). Stopping the iteration
 * early closes the connection.
 * @internal
 */
export async function* downloadFileLines(
  context: BatchApiContext,
  fileId: string,
  options: BatchApiCallOptions = {},
): AsyncGenerator<string> {
  const { signal } = options;
  const call = { method: 'GET', path: `/files/${encodeURIComponent(fileId)}/content`, signal } as const;
  const response = await retryBatchApiCall(context, { signal, resendWhenOutcomeUnknown: true }, () =>
    sendBatchApiRequest(context, call),
  );
  const reader = createInterface({ input: response.body, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of reader) {
      if (line.trim() !== '') yield line;
    }
  } catch (error) {
    throw toBatchApiError(error, context, call);
  } finally {
    reader.close();
    discardBody(response.body);
  }
}
