import { randomUUID } from 'node:crypto';
import { handleBatchEndpoint } from './batch-endpoints.js';
import { buildErrorAnswer, SEGMIND_UNAUTHORIZED } from './build-error-answer.js';
import { jsonAnswer, type MockAnswer } from './mock-answer.js';
import { acceptsKey, type MockState } from './mock-state.js';
import type { MockRequest } from './mock-types.js';

/**
 * @internal Answers everything but chat completions: Segmind's credits endpoint, the Files and Batch APIs,
 * 405 for a known path with the wrong method, 404 for an unknown path.
 */
export async function answerOther(
  state: MockState,
  request: MockRequest,
  url: URL,
  rawBody: string,
): Promise<MockAnswer> {
  const requestId = randomUUID();
  switch (request.route) {
    case 'files':
    case 'batches':
      return handleBatchEndpoint(state, request, url, rawBody);
    case 'segmind': {
      const credits = { 'x-remaining-credits': String(state.credits), 'x-request-id': requestId };
      const fail = (status: number, message: string) =>
        buildErrorAnswer({ status, shape: 'segmind', requestId, message, headers: credits });
      if (request.path !== '/v1/get-user-credits' || request.method !== 'GET') return fail(405, 'Method Not Allowed');
      if (!acceptsKey(state, request)) return fail(401, SEGMIND_UNAUTHORIZED);
      return jsonAnswer(200, { credits: state.credits, 'free-credits': 0 }, credits);
    }
    case 'dashscope':
      return buildErrorAnswer({
        status: 405,
        shape: 'dashscope',
        requestId,
        code: 'method_not_allowed',
        message: `${request.method} is not allowed here; use POST.`,
      });
    case 'other':
      return buildErrorAnswer({
        status: 404,
        shape: 'dashscope',
        requestId,
        code: 'not_found',
        message: `No such endpoint: ${request.method} ${request.path}`,
      });
  }
}
