/** @internal A sliding-window request counter. */
export interface RateLimiter {
  /** Takes a slot, or returns how long until one frees (in ms) when the window is full. */
  take(): { allowed: true } | { allowed: false; waitMs: number };
  clear(): void;
}

/** @internal */
export function createRateLimiter(requestsPerWindow: number, windowMs: number, now: () => number): RateLimiter {
  let accepted: number[] = [];
  return {
    take() {
      const time = now();
      accepted = accepted.filter((acceptedAt) => acceptedAt > time - windowMs);
      if (accepted.length >= requestsPerWindow) {
        const oldest = accepted[0] ?? time;
        return { allowed: false, waitMs: oldest + windowMs - time };
      }
      accepted.push(time);
      return { allowed: true };
    },
    clear() {
      accepted = [];
    },
  };
}
