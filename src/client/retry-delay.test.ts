import { describe, expect, it } from 'vitest';
import {
  ApiError,
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  ContentFilterError,
  InputError,
  InsufficientCreditsError,
  RateLimitError,
  ServerError,
  TimeoutError,
} from '../errors.js';
import { isRetryable, RESPONSE_TOO_LARGE } from './is-retryable.js';
import { parseRetryAfterMs, retryDelayMs } from './retry-delay.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('parseRetryAfterMs', () => {
  it.each([
    ['retry-after-ms in milliseconds', { 'retry-after-ms': '1500' }, 1500],
    ['retry-after-ms before Retry-After', { 'retry-after-ms': '250', 'retry-after': '9' }, 250],
    ['Retry-After in seconds', { 'retry-after': '3' }, 3000],
    ['Retry-After in fractional seconds', { 'retry-after': '0.5' }, 500],
    ['Retry-After as an HTTP date', { 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' }, 7000],
    ['an HTTP date in the past as 0', { 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }, 0],
    ['a repeated header by its first value', { 'retry-after': ['2', '5'] }, 2000],
    ['an invalid retry-after-ms falling back to Retry-After', { 'retry-after-ms': 'soon', 'retry-after': '1' }, 1000],
    ['garbage as nothing', { 'retry-after': 'later' }, undefined],
    ['no header as nothing', {}, undefined],
  ])('reads %s', (_name, headers, expected) => {
    expect(parseRetryAfterMs(headers, NOW)).toBe(expected);
  });
});

describe('retryDelayMs', () => {
  it.each([
    [0, 0],
    [1500, 1500],
    [60_000, 60_000],
  ])('waits exactly the server-requested %d ms when it is within 0–60 s', (retryAfterMs, expected) => {
    expect(retryDelayMs(1, retryAfterMs, () => 0.99)).toBe(expected);
  });

  it('falls back to backoff when the server asks for more than 60 s', () => {
    expect(retryDelayMs(1, 120_000, () => 0.5)).toBe(250);
  });

  it.each([
    [1, 500],
    [2, 1000],
    [3, 2000],
    [4, 4000],
    [5, 8000],
    [6, 8000],
    [20, 8000],
  ])('caps retry %d at %d ms and jitters below it', (retryNumber, ceilingMs) => {
    expect(retryDelayMs(retryNumber, undefined, () => 0)).toBe(0);
    expect(retryDelayMs(retryNumber, undefined, () => 0.5)).toBe(ceilingMs / 2);
    expect(retryDelayMs(retryNumber, undefined, () => 0.999_999)).toBe(ceilingMs - 1);
  });
});

describe('isRetryable', () => {
  const api = (errorClass: typeof ApiError, status: number, code?: string) =>
    new errorClass('x', { status, ...(code === undefined ? {} : { code }) });

  it.each<[string, unknown, boolean]>([
    ['a rate limit', api(RateLimitError, 429, 'limit_requests'), true],
    ['a server error', api(ServerError, 503, 'ModelUnavailable'), true],
    ['a first RequestTimeOut', api(ServerError, 500, 'RequestTimeOut'), true],
    ['a 408', api(ApiError, 408), true],
    ['a 409', api(ApiError, 409), true],
    ['a connection reset', new ConnectionError('reset', { code: 'ECONNRESET' }), true],
    ['a timeout', new TimeoutError('slow', { timeoutMs: 100 }), true],
    ['a bad request', api(BadRequestError, 400, 'invalid_parameter_error'), false],
    ['an authentication error', api(AuthenticationError, 401, 'invalid_api_key'), false],
    ['a billing 429', api(InsufficientCreditsError, 429, 'PrepaidBillOverdue'), false],
    ['Segmind out of credits', api(InsufficientCreditsError, 406), false],
    ['a content filter', api(ContentFilterError, 400, 'data_inspection_failed'), false],
    ['a body over maxResponseBytes', new ConnectionError('big', { code: RESPONSE_TOO_LARGE }), false],
    ['an input error', new InputError('bad'), false],
    ['an abort', new DOMException('aborted', 'AbortError'), false],
  ])('says %s is %s', (_name, error, expected) => {
    expect(isRetryable(error, false)).toBe(expected);
  });

  it('retries RequestTimeOut only once', () => {
    expect(isRetryable(api(ServerError, 500, 'RequestTimeOut'), true)).toBe(false);
    expect(isRetryable(api(ServerError, 500, 'internal_error'), true)).toBe(true);
  });
});
