import { buildErrorAnswer } from './build-error-answer.js';
import type { MockAnswer } from './mock-answer.js';
import type { MockErrorShape, MockFault } from './mock-fault.js';
import type { MockRequest } from './mock-types.js';

/**
 * @internal The answer that replaces the normal one for faults that are answers of their own (status, html,
 * echo-key, and sse-error on a non-streaming request); `undefined` for faults that only disturb the delivery.
 */
export function faultAnswer(fault: MockFault, request: MockRequest, requestId: string): MockAnswer | undefined {
  const routeShape: MockErrorShape = request.route === 'segmind' ? 'segmind' : 'dashscope';
  switch (fault.type) {
    case 'status':
      return buildErrorAnswer({
        status: fault.status,
        shape: fault.shape ?? routeShape,
        requestId,
        code: fault.code,
        message: fault.message,
        headers: { ...retryHeaders(fault.retryAfter, fault.retryAfterMs), ...fault.headers },
      });
    case 'html':
      return buildErrorAnswer({ status: fault.status, shape: 'html', requestId });
    case 'echo-key': {
      const key = request.keyPresented ?? '';
      return buildErrorAnswer({
        status: fault.status,
        shape: routeShape,
        requestId,
        message: `Incorrect API key provided: ${key}`,
        headers: { 'x-echoed-api-key': key },
      });
    }
    case 'sse-error':
      if (request.stream && request.route === 'dashscope') return undefined;
      return buildErrorAnswer({
        status: 500,
        shape: routeShape,
        requestId,
        code: fault.code ?? SSE_ERROR_CODE,
        message: fault.message ?? SSE_ERROR_MESSAGE,
      });
    default:
      return undefined;
  }
}

/** @internal Default code of an `sse-error` fault: what content moderation sends. */
export const SSE_ERROR_CODE = 'data_inspection_failed';
/** @internal Default message of an `sse-error` fault. */
export const SSE_ERROR_MESSAGE = 'Output data may contain inappropriate content.';

function retryHeaders(
  retryAfter: number | string | undefined,
  retryAfterMs: number | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  if (retryAfterMs !== undefined) headers['retry-after-ms'] = String(retryAfterMs);
  return headers;
}
