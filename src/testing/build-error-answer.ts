import { STATUS_CODES } from 'node:http';
import { jsonAnswer, type MockAnswer } from './mock-answer.js';
import type { MockErrorShape } from './mock-fault.js';

/** @internal What an error answer says. */
export interface ErrorDescription {
  status: number;
  shape: MockErrorShape;
  requestId: string;
  /** @defaultValue a code that fits the status */
  code?: string | undefined;
  /** @defaultValue a message that fits the status */
  message?: string | undefined;
  headers?: Record<string, string> | undefined;
}

/** @internal The message of a Segmind 401. */
export const SEGMIND_UNAUTHORIZED = 'Unauthorized: invalid or missing x-api-key';

const defaults: Record<number, { code: string; message: string }> = {
  400: { code: 'invalid_parameter_error', message: 'The request is invalid.' },
  401: { code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: { code: 'AccessDenied', message: 'Access denied.' },
  404: { code: 'model_not_found', message: 'The model does not exist or you do not have access to it.' },
  406: { code: 'insufficient_credits', message: 'Insufficient credits' },
  429: { code: 'limit_requests', message: 'Requests rate limit exceeded, please try again later.' },
  500: { code: 'internal_error', message: 'An internal error has occurred, please try again later.' },
  503: { code: 'ModelUnavailable', message: 'The model is overloaded, please try again later.' },
};

/** @internal An error answer in one of the providers' body shapes. */
export function buildErrorAnswer(description: ErrorDescription): MockAnswer {
  const { status, shape, requestId } = description;
  const fallback = defaults[status] ?? { code: 'error', message: STATUS_CODES[status] ?? 'Error' };
  const code = description.code ?? fallback.code;
  const message = description.message ?? fallback.message;
  const headers = { 'x-request-id': requestId, ...description.headers };
  switch (shape) {
    case 'dashscope':
      return jsonAnswer(
        status,
        {
          error: { code, param: null, message, type: errorType(status) },
          id: `chatcmpl-${requestId}`,
          request_id: requestId,
        },
        headers,
      );
    case 'flat':
      return jsonAnswer(status, { code, message, request_id: requestId }, headers);
    case 'segmind':
      return jsonAnswer(status, { error: message }, headers);
    case 'empty':
      return { status, headers, body: '' };
    case 'html':
      return { status, headers: { 'content-type': 'text/html', ...headers }, body: htmlPage(status) };
  }
}

function errorType(status: number): string {
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

function htmlPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}
