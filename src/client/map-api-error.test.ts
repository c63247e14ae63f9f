import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  ApiError,
  AuthenticationError,
  BadRequestError,
  ContentFilterError,
  InsufficientCreditsError,
  RateLimitError,
  registerSecret,
  ServerError,
} from '../errors.js';
import { classifyApiError, mapApiError } from './map-api-error.js';
import { parseErrorBody } from './parse-error-body.js';
import type { Provider } from './types.js';

const URL = 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions';

describe('classifyApiError', () => {
  it.each<[number | undefined, string | undefined, Provider, unknown]>([
    [400, 'invalid_parameter_error', 'dashscope', BadRequestError],
    [400, 'Arrearage', 'dashscope', InsufficientCreditsError],
    [400, 'data_inspection_failed', 'dashscope', ContentFilterError],
    [400, undefined, 'dashscope', BadRequestError],
    [401, 'invalid_api_key', 'dashscope', AuthenticationError],
    [401, undefined, 'segmind', AuthenticationError],
    [403, 'AllocationQuota.FreeTierOnly', 'dashscope', InsufficientCreditsError],
    [403, 'AccessDenied.Unpurchased', 'dashscope', AuthenticationError],
    [404, 'model_not_found', 'dashscope', BadRequestError],
    [404, undefined, 'segmind', BadRequestError],
    [405, undefined, 'segmind', BadRequestError],
    [406, undefined, 'segmind', InsufficientCreditsError],
    [408, undefined, 'dashscope', ApiError],
    [409, undefined, 'dashscope', ApiError],
    [429, 'limit_requests', 'dashscope', RateLimitError],
    [429, 'limit_burst_rate', 'dashscope', RateLimitError],
    [429, 'insufficient_quota', 'dashscope', RateLimitError],
    [429, 'something_new', 'dashscope', RateLimitError],
    [429, undefined, 'segmind', RateLimitError],
    [429, 'PrepaidBillOverdue', 'dashscope', InsufficientCreditsError],
    [429, 'PostpaidBillOverdue', 'dashscope', InsufficientCreditsError],
    [500, 'internal_error', 'dashscope', ServerError],
    [500, 'RequestTimeOut', 'dashscope', ServerError],
    [500, undefined, 'segmind', ServerError],
    [502, undefined, 'dashscope', ServerError],
    [503, 'ModelServingError', 'dashscope', ServerError],
    [503, 'ModelUnavailable', 'dashscope', ServerError],
    [504, undefined, 'dashscope', ServerError],
    [undefined, 'data_inspection_failed', 'dashscope', ContentFilterError],
    [undefined, 'unknown_stream_failure', 'dashscope', ServerError],
  ])('maps %s %s from %s to its class', (status, code, provider, expected) => {
    expect(classifyApiError(status, code, provider)).toBe(expected);
  });
});

describe('parseErrorBody', () => {
  it.each([
    [
      'the DashScope compatible shape',
      '{"error":{"code":"limit_requests","param":null,"message":"Requests rate limit exceeded","type":"limit_requests"},"id":"chatcmpl-1","request_id":"req-1"}',
      { code: 'limit_requests', message: 'Requests rate limit exceeded', requestId: 'req-1' },
    ],
    [
      'an error object without a code (type used instead)',
      '{"error":{"message":"Bad thing","type":"invalid_request_error"}}',
      { code: 'invalid_request_error', message: 'Bad thing' },
    ],
    ['the Segmind string shape', '{"error":"Not enough credits"}', { message: 'Not enough credits' }],
    [
      'the DashScope native flat shape',
      '{"code":"Arrearage","message":"Access denied, please make sure your account is in good standing.","request_id":"req-2"}',
      {
        code: 'Arrearage',
        message: 'Access denied, please make sure your account is in good standing.',
        requestId: 'req-2',
      },
    ],
    ['a FastAPI detail', '{"detail":"Not Found"}', { message: 'Not Found' }],
    ['an empty body', '', {}],
    ['a blank body', '  \n', {}],
    [
      'an HTML page with a title',
      '<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>',
      { message: 'HTML page: 502 Bad Gateway' },
    ],
    [
      'an HTML page without a title',
      '<!DOCTYPE html><html><body><p>Upstream   is down</p></body></html>',
      { message: 'HTML page: Upstream is down' },
    ],
    ['plain text', 'upstream connect error', { message: 'upstream connect error' }],
  ])('reads %s', (_name, body, expected) => {
    expect(parseErrorBody(body)).toEqual(expected);
  });

  it('shortens very long text', () => {
    expect(parseErrorBody('x'.repeat(5000)).message).toHaveLength(301);
  });
});

describe('mapApiError', () => {
  it('builds "<what failed> (<status> <code>): <provider message> — POST <url>" with the context fields', () => {
    const error = mapApiError({
      status: 429,
      fields: { code: 'limit_requests', message: 'Requests rate limit exceeded', requestId: 'req-1' },
      provider: 'dashscope',
      url: URL,
      retryAfterMs: 2000,
    });
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.message).toBe(`Rate limited (429 limit_requests): Requests rate limit exceeded — POST ${URL}`);
    expect(error).toMatchObject({
      status: 429,
      code: 'limit_requests',
      requestId: 'req-1',
      provider: 'dashscope',
      retryAfterMs: 2000,
    });
  });

  it.each([
    [400, {}, 'dashscope', `Bad request (400): Bad Request — POST ${URL}`],
    [406, { message: 'Not enough credits' }, 'segmind', `Insufficient credits (406): Not enough credits — POST ${URL}`],
    [408, {}, 'dashscope', `Request failed (408): Request Timeout — POST ${URL}`],
    [
      undefined,
      { code: 'data_inspection_failed', message: 'Output may contain inappropriate content.' },
      'dashscope',
      `Content filtered (data_inspection_failed, in stream): Output may contain inappropriate content. — POST ${URL}`,
    ],
    [undefined, {}, 'dashscope', `Server error (in stream): error event — POST ${URL}`],
  ] as const)('words a %s error without all fields', (status, fields, provider, message) => {
    expect(mapApiError({ status, fields, provider, url: URL }).message).toBe(message);
  });

  it('names the method it is given instead of POST', () => {
    const error = mapApiError({ status: 404, fields: {}, provider: 'dashscope', url: URL, method: 'GET' });
    expect(error.message).toBe(`Bad request (404): Not Found — GET ${URL}`);
  });

  it('uses the header request id when the body has none', () => {
    const error = mapApiError({ status: 500, fields: {}, provider: 'dashscope', url: URL, headerRequestId: 'hdr-1' });
    expect(error.requestId).toBe('hdr-1');
  });

  it('redacts a registered key from the message, the code and the request id', () => {
    const key = 'sk-map-api-error-test-0123456789';
    registerSecret(key);
    const error = mapApiError({
      status: 401,
      fields: { code: `bad ${key}`, message: `Incorrect API key provided: ${key}`, requestId: key },
      provider: 'dashscope',
      url: URL,
    });
    expect(error).toBeInstanceOf(AuthenticationError);
    for (const view of [error.message, JSON.stringify(error), inspect(error), String(error.stack)]) {
      expect(view).not.toContain(key);
    }
  });
});
