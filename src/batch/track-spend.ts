import { ZERO_USAGE } from '../client/normalize-usage.js';
import type { Usage } from '../client/types.js';
import type { AttemptInfo } from '../task/index.js';

/** Calls, tokens and cost of a task call so far, kept up to date by its `onAttempt` hook. @internal */
export interface SpendTracker {
  readonly calls: number;
  readonly usage: Usage;
  readonly costUsd: number;
  /** Whether a call was answered with 429 before the client got through: the run is sending too fast. */
  readonly rateLimited: boolean;
  /** Pass as `runTask`'s `onAttempt`, so a call that ends in an error still reports what it spent. */
  onAttempt(attempt: AttemptInfo): void;
}

/** A new {@link SpendTracker} at zero. @internal */
export function trackSpend(): SpendTracker {
  const usage: Usage = { ...ZERO_USAGE };
  const tracker = {
    calls: 0,
    usage,
    costUsd: 0,
    rateLimited: false,
    onAttempt(attempt: AttemptInfo) {
      if (attempt.rateLimitedAttempts > 0) tracker.rateLimited = true;
      tracker.calls = attempt.call;
      usage.promptTokens += attempt.usage.promptTokens;
      usage.completionTokens += attempt.usage.completionTokens;
      usage.cachedTokens += attempt.usage.cachedTokens;
      usage.totalTokens += attempt.usage.totalTokens;
      tracker.costUsd += attempt.costUsd;
    },
  };
  return tracker;
}
