import type { Clock, RateLimit } from './types.js';

/**
 * Each window is counted this much longer than its nominal length: the server counts a request when it arrives, a
 * moment after the client counted it, so a request sent exactly one window after another could still land inside
 * the server's window. 5% covers the spread of transit times without giving much of the quota away.
 */
const WINDOW_MARGIN = 1.05;
const MINUTE_MS = 60_000;
const SECOND_MS = 1000;

/** Client-side limits on requests and estimated input tokens per minute (and per second). @internal */
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
 * @internal
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
