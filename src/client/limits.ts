/**
 * Limits on how fast and how often the client calls: the one concurrency limiter, the rate limiter and the
 * retry policy (which errors to retry, how long to wait). See `docs/`.
 * @module
 */
import { ApiError, ConnectionError, RateLimitError, ServerError, TimeoutError } from '../errors.js';
import type { Clock, RateLimit } from './types.js';
import { headerValue, type ResponseHeaders } from './wire.js';

/** Releases a slot taken with {@link Semaphore.acquire}; calling it twice is harmless. */
export type Release = () => void;

/** A counting semaphore: at most `limit` holders at a time, the others wait in order. */
export interface Semaphore {
  /** Waits for a slot; rejects with the signal's reason (and leaves the queue) when the signal aborts first. */
  acquire(signal?: AbortSignal): Promise<Release>;
}

/** Creates a semaphore with `limit` slots (`Infinity` for no limit). */
export function createSemaphore(limit: number): Semaphore {
  let active = 0;
  const waiting = new Set<() => void>();

  function release(): void {
    const next = waiting.values().next();
    if (next.done === true) {
      active -= 1;
      return;
    }
    waiting.delete(next.value);
    next.value();
  }

  function once(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  }

  return {
    acquire(signal) {
      if (signal?.aborted === true) return Promise.reject(signal.reason);
      if (active < limit) {
        active += 1;
        return Promise.resolve(once());
      }
      return new Promise<Release>((resolve, reject) => {
        const onAbort = (): void => {
          waiting.delete(grant);
          reject(signal?.reason);
        };
        const grant = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve(once());
        };
        waiting.add(grant);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

/**
 * Each window is counted this much longer than its nominal length: the server counts a request when it arrives, a
 * moment after the client counted it, so a request sent exactly one window after another could still land inside
 * the server's window. 5% covers the spread of transit times without giving much of the quota away.
 */
const WINDOW_MARGIN = 1.05;
const MINUTE_MS = 60_000;
const SECOND_MS = 1000;

/** Client-side limits on requests and estimated input tokens per minute (and per second). */
export interface RateLimiter {
  /** Waits until a request of `tokens` estimated input tokens fits every window's budget, then records it. */
  acquire(tokens: number, signal?: AbortSignal): Promise<void>;
}

/** One sliding window: the requests sent within its length, with their tokens. */
interface Window {
  lengthMs: number;
  maxRequests: number;
  maxTokens: number;
  sent: { at: number; tokens: number }[];
  tokens: number;
}

/**
 * Sliding windows over the last minute and, with `perSecond`, the last second (a sixtieth of each limit, at least
 * one request). A single request larger than a window's whole token budget still goes once that window is empty,
 * so it cannot wait forever.
 */
export function createRateLimiter(limit: RateLimit, clock: Clock): RateLimiter {
  const requestsPerMinute = limit.requestsPerMinute ?? Number.POSITIVE_INFINITY;
  const tokensPerMinute = limit.tokensPerMinute ?? Number.POSITIVE_INFINITY;
  const windows = [createWindow(MINUTE_MS, requestsPerMinute, tokensPerMinute)];
  if (limit.perSecond === true) {
    windows.push(createWindow(SECOND_MS, Math.max(1, Math.floor(requestsPerMinute / 60)), tokensPerMinute / 60));
  }

  return {
    async acquire(tokens, signal) {
      for (;;) {
        signal?.throwIfAborted();
        const now = clock.now();
        const waitMs = Math.max(...windows.map((window) => waitFor(window, now, tokens)));
        if (waitMs <= 0) {
          for (const window of windows) {
            window.sent.push({ at: now, tokens });
            window.tokens += tokens;
          }
          return;
        }
        await clock.sleep(waitMs, signal);
      }
    },
  };
}

function createWindow(nominalMs: number, maxRequests: number, maxTokens: number): Window {
  return { lengthMs: nominalMs * WINDOW_MARGIN, maxRequests, maxTokens, sent: [], tokens: 0 };
}

/** How long until a request of `tokens` fits the window (0: now), after forgetting what has left it. */
function waitFor(window: Window, now: number, tokens: number): number {
  const { sent } = window;
  while (sent.length > 0 && sent[0]!.at <= now - window.lengthMs) window.tokens -= sent.shift()!.tokens;
  const fits = sent.length < window.maxRequests && window.tokens + tokens <= window.maxTokens;
  return fits || sent.length === 0 ? 0 : sent[0]!.at + window.lengthMs - now;
}

/** Backoff settings: full jitter over an exponential ceiling. */
const BACKOFF = Object.freeze({ baseMs: 500, capMs: 8_000, maxRetryAfterMs: 60_000 });

/** How far in the past an HTTP date may be and still mean "now" (clock skew); older dates are ignored. */
const MAX_PAST_RETRY_DATE_MS = 60_000;

/**
 * The wait the server asked for: `retry-after-ms` (milliseconds), else `Retry-After` (seconds or an HTTP date,
 * measured from `nowMs`). `undefined` when neither header is present and valid: a negative or non-numeric value that
 * is not an HTTP date (`-5`, `soon`, `1e3`), or a date over a minute in the past, is ignored, and the client backs
 * off as if there were none.
 */
export function parseRetryAfterMs(headers: ResponseHeaders, nowMs: number): number | undefined {
  const milliseconds = Number.parseFloat(headerValue(headers, 'retry-after-ms') ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const retryAfter = headerValue(headers, 'retry-after')?.trim();
  if (retryAfter === undefined || retryAfter === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number.parseFloat(retryAfter) * 1000;
  // Every HTTP date form names a weekday or a month; `Date.parse` would also read "-5" as a year.
  if (!/[A-Za-z]{3}/.test(retryAfter)) return undefined;
  const date = Date.parse(retryAfter);
  if (Number.isNaN(date) || date < nowMs - MAX_PAST_RETRY_DATE_MS) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * How long to wait before retry number `retryNumber` (1 for the first retry): the server's wait when it is within
 * 0–60 s, else exponential backoff with full jitter (base 500 ms, cap 8 s).
 */
export function retryDelayMs(retryNumber: number, retryAfterMs: number | undefined, random: () => number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0 && retryAfterMs <= BACKOFF.maxRetryAfterMs) return retryAfterMs;
  return exponentialBackoffMs(retryNumber, BACKOFF.baseMs, BACKOFF.capMs, random);
}

/**
 * The one backoff formula: `min(capMs, baseMs * 2 ** (retryNumber - 1))` (retry 1 waits `baseMs`); with `random`,
 * full jitter: that ceiling times `random()`, floored.
 */
export function exponentialBackoffMs(
  retryNumber: number,
  baseMs: number,
  capMs: number,
  random?: () => number,
): number {
  const ceilingMs = Math.min(capMs, baseMs * 2 ** Math.max(0, retryNumber - 1));
  return random === undefined ? ceilingMs : Math.floor(random() * ceilingMs);
}

/** Error code of a reply larger than `maxResponseBytes`: not retried, the next reply would be as large. */
export const RESPONSE_TOO_LARGE = 'RESPONSE_TOO_LARGE';

/**
 * Error code of a reply in a content encoding the client never asked for (gzip from a misconfigured proxy): not
 * retried, the next reply would be encoded the same way.
 */
export const UNEXPECTED_ENCODING = 'UNEXPECTED_ENCODING';

/**
 * Whether a failed attempt is worth another: 408, 409, rate limits (not billing 429s), 5xx (`RequestTimeOut` only
 * once per call), connection errors (not a reply too large or in an unexpected encoding) and timeouts. Never after the caller aborted (checked by the caller).
 */
export function isRetryable(error: unknown, requestTimeOutRetried: boolean): boolean {
  if (error instanceof TimeoutError) return true;
  if (error instanceof ConnectionError) return error.code !== RESPONSE_TOO_LARGE && error.code !== UNEXPECTED_ENCODING;
  if (error instanceof RateLimitError) return true;
  if (error instanceof ServerError) return error.code !== 'RequestTimeOut' || !requestTimeOutRetried;
  if (error instanceof ApiError)
    return error.constructor === ApiError && (error.status === 408 || error.status === 409);
  return false;
}
