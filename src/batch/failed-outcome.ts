import type { BatchItemOutcome } from './batch-types.js';

/** The outcome of an item that failed before any call (an unusable record, a broken executor). @internal */
export function failedOutcome(error: unknown): BatchItemOutcome {
  return {
    ok: false,
    error,
    calls: 0,
    usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0 },
    costUsd: 0,
    durationMs: 0,
  };
}
