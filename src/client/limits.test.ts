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
import { estimateInputTokens } from '../tokens.js';
import { defaultTimeoutMs } from './config.js';
import {
  createRateLimiter,
  createSemaphore,
  exponentialBackoffMs,
  isRetryable,
  parseRetryAfterMs,
  RESPONSE_TOO_LARGE,
  retryDelayMs,
} from './limits.js';
import type { Clock } from './types.js';

describe('createSemaphore', () => {
  it('lets `limit` holders in and queues the rest in order', async () => {
    const semaphore = createSemaphore(2);
    const order: string[] = [];
    const first = await semaphore.acquire();
    const second = await semaphore.acquire();
    const third = semaphore.acquire().then((release) => {
      order.push('third');
      return release;
    });
    const fourth = semaphore.acquire().then((release) => {
      order.push('fourth');
      return release;
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    first();
    first();
    (await third)();
    second();
    (await fourth)();
    expect(order).toEqual(['third', 'fourth']);
  });

  it('rejects a waiter with the signal reason and removes it from the queue', async () => {
    const semaphore = createSemaphore(1);
    const release = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    const reason = new Error('stop waiting');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    release();
    const next = await semaphore.acquire();
    next();
  });

  it('rejects at once when the signal already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(createSemaphore(5).acquire(controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('never queues with an infinite limit', async () => {
    const semaphore = createSemaphore(Number.POSITIVE_INFINITY);
    const releases = await Promise.all(Array.from({ length: 100 }, () => semaphore.acquire()));
    expect(releases).toHaveLength(100);
  });
});

function fakeClock() {
  const sleeps: number[] = [];
  let nowMs = 1_000_000;
  const clock: Clock = {
    now: () => nowMs,
    sleep: async (delayMs) => {
      sleeps.push(delayMs);
      nowMs += delayMs;
    },
  };
  return { clock, sleeps, advance: (delayMs: number) => (nowMs += delayMs) };
}

describe('createRateLimiter', () => {
  // Windows are counted 5% long (63 s, 1.05 s), so that transit time cannot push a request into the server's window.
  it('holds the request over the per-minute count until the oldest leaves the window', async () => {
    const { clock, sleeps, advance } = fakeClock();
    const limiter = createRateLimiter({ requestsPerMinute: 2 }, clock);
    await limiter.acquire(0);
    advance(10_000);
    await limiter.acquire(0);
    await limiter.acquire(0);
    expect(sleeps).toEqual([53_000]);
  });

  it('holds requests over the token budget and lets one oversized request through an empty window', async () => {
    const { clock, sleeps } = fakeClock();
    const limiter = createRateLimiter({ tokensPerMinute: 1_000 }, clock);
    await limiter.acquire(600);
    await limiter.acquire(600);
    expect(sleeps).toEqual([63_000]);
    await limiter.acquire(5_000);
    expect(sleeps).toEqual([63_000, 63_000]);
  });

  it('with perSecond, holds each second to a sixtieth of the per-minute limits', async () => {
    const { clock, sleeps } = fakeClock();
    const limiter = createRateLimiter({ requestsPerMinute: 600, perSecond: true }, clock);
    for (let request = 0; request < 25; request += 1) await limiter.acquire(0);
    // 10 a second: the 11th and the 21st wait for the second's first request to leave the 1.05 s window.
    expect(sleeps).toEqual([1050, 1050]);
  });

  it('with perSecond, counts tokens per second too, and keeps at least one request a second', async () => {
    const { clock, sleeps } = fakeClock();
    const limiter = createRateLimiter({ requestsPerMinute: 30, tokensPerMinute: 60_000, perSecond: true }, clock);
    await limiter.acquire(600);
    await limiter.acquire(600);
    expect(sleeps).toEqual([1050]);
    const tokens = fakeClock();
    const byTokens = createRateLimiter({ tokensPerMinute: 60_000, perSecond: true }, tokens.clock);
    await byTokens.acquire(800);
    await byTokens.acquire(300);
    expect(tokens.sleeps).toEqual([1050]);
  });

  it('stops waiting when the signal aborts', async () => {
    const { clock } = fakeClock();
    const limiter = createRateLimiter({ requestsPerMinute: 1 }, clock);
    await limiter.acquire(0);
    const controller = new AbortController();
    controller.abort(new Error('enough'));
    await expect(limiter.acquire(0, controller.signal)).rejects.toThrow('enough');
  });
});

describe('defaultTimeoutMs', () => {
  it.each([
    [0, 60_000],
    [9_999, 60_000],
    [10_000, 61_000],
    [900_000, 150_000],
  ])('gives %d estimated input tokens %d ms', (tokens, expected) => {
    expect(defaultTimeoutMs(tokens)).toBe(expected);
  });

  it('estimates input tokens high, from the text of every message', () => {
    expect(
      estimateInputTokens([
        { role: 'system', content: 'abcdef' },
        { role: 'user', content: [{ type: 'text', text: 'abc' }] },
      ]),
    ).toBe(3);
  });
});

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

describe('exponentialBackoffMs', () => {
  it('doubles from the base up to the cap, and jitters when given a random source', () => {
    expect([1, 2, 3, 4, 5, 6].map((retry) => exponentialBackoffMs(retry, 500, 8_000))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 8_000,
    ]);
    expect(exponentialBackoffMs(0, 500, 8_000)).toBe(500);
    expect(exponentialBackoffMs(3, 500, 8_000, () => 0.5)).toBe(1_000);
    expect(exponentialBackoffMs(3, 500, 8_000, () => 0.9999)).toBe(1_999);
  });
});
