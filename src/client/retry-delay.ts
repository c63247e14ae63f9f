import { headerValue, type ResponseHeaders } from './header-value.js';

/** Backoff settings: full jitter over an exponential ceiling. @internal */
export const BACKOFF = Object.freeze({ baseMs: 500, capMs: 8_000, maxRetryAfterMs: 60_000 });

/**
 * The wait the server asked for: `retry-after-ms` (milliseconds), else `Retry-After` (seconds or an HTTP date,
 * measured from `nowMs`). `undefined` when neither header is present and valid.
 * @internal
 */
export function parseRetryAfterMs(headers: ResponseHeaders, nowMs: number): number | undefined {
  const milliseconds = Number.parseFloat(headerValue(headers, 'retry-after-ms') ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const retryAfter = headerValue(headers, 'retry-after')?.trim();
  if (retryAfter === undefined || retryAfter === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number.parseFloat(retryAfter) * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * How long to wait before retry number `retryNumber` (1 for the first retry): the server's wait when it is within
 * 0–60 s, else exponential backoff with full jitter (base 500 ms, cap 8 s).
 * @internal
 */
export function retryDelayMs(retryNumber: number, retryAfterMs: number | undefined, random: () => number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0 && retryAfterMs <= BACKOFF.maxRetryAfterMs) return retryAfterMs;
  const ceilingMs = Math.min(BACKOFF.capMs, BACKOFF.baseMs * 2 ** Math.max(0, retryNumber - 1));
  return Math.floor(random() * ceilingMs);
}
