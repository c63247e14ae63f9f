import type { Clock, RateLimit } from './types.js';

const WINDOW_MS = 60_000;

/** Client-side limits on requests and estimated input tokens per minute. @internal */
export interface RateLimiter {
  /** Waits until a request of `tokens` estimated input tokens fits in the last minute's budget, then records it. */
  acquire(tokens: number, signal?: AbortSignal): Promise<void>;
}

/**
 * A sliding-window limiter over the last 60 s. A single request larger than the whole token budget still goes
 * once the window is empty, so it cannot wait forever.
 * @internal
 */
export function createRateLimiter(limit: RateLimit, clock: Clock): RateLimiter {
  const requestsPerMinute = limit.requestsPerMinute ?? Number.POSITIVE_INFINITY;
  const tokensPerMinute = limit.tokensPerMinute ?? Number.POSITIVE_INFINITY;
  const window: { startedAt: number; tokens: number }[] = [];
  let windowTokens = 0;

  function prune(now: number): void {
    while (window.length > 0 && window[0]!.startedAt <= now - WINDOW_MS) {
      windowTokens -= window.shift()!.tokens;
    }
  }

  return {
    async acquire(tokens, signal) {
      for (;;) {
        signal?.throwIfAborted();
        const now = clock.now();
        prune(now);
        const fits = window.length < requestsPerMinute && windowTokens + tokens <= tokensPerMinute;
        if (fits || window.length === 0) {
          window.push({ startedAt: now, tokens });
          windowTokens += tokens;
          return;
        }
        await clock.sleep(window[0]!.startedAt + WINDOW_MS - now, signal);
      }
    },
  };
}
