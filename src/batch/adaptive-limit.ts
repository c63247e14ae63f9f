/** A concurrency limit that adapts to rate limits (AIMD). @internal */
export interface AdaptiveLimit {
  /** The current limit, from 1 to the maximum. */
  readonly current: number;
  /** Increases on every decrease; a call remembers the epoch it started in. */
  readonly epoch: number;
  /**
   * A call started in `epoch` was rate limited: halve the limit (at least 1), unless a decrease already happened
   * since that call started — a burst of 429s from calls sent together counts once.
   */
  rateLimited(epoch: number): void;
  /** A call succeeded: after `recoverAfter` successes in a row, raise the limit by one (up to the maximum). */
  succeeded(): void;
}

/** Successes in a row that raise the limit by one. @internal */
export const RECOVER_AFTER_SUCCESSES = 10;

/** Creates an AIMD limit: multiplicative decrease on a rate limit, additive increase after successes. @internal */
export function createAdaptiveLimit(maximum: number, recoverAfter = RECOVER_AFTER_SUCCESSES): AdaptiveLimit {
  let current = maximum;
  let epoch = 0;
  let successes = 0;
  return {
    get current() {
      return current;
    },
    get epoch() {
      return epoch;
    },
    rateLimited(startedIn) {
      successes = 0;
      if (startedIn !== epoch) return;
      current = Math.max(1, Math.floor(current / 2));
      epoch += 1;
    },
    succeeded() {
      successes += 1;
      if (successes < recoverAfter) return;
      successes = 0;
      current = Math.min(maximum, current + 1);
    },
  };
}
