import type { BatchItemOutcome } from '../batch-types.js';

/** The outcome of an item that failed with `error` after `calls` requests that report no usage. @internal */
export function failedOutcome(error: unknown, calls = 0): BatchItemOutcome {
  return {
    ok: false,
    error,
    calls,
    usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0 },
    costUsd: 0,
    durationMs: 0,
  };
}
