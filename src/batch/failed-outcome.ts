import { ZERO_USAGE } from '../client/normalize-usage.js';
import type { BatchItemOutcome } from './batch-types.js';

/**
 * The outcome of an item that failed with `error` after `calls` requests that report no usage: 0 for an unusable
 * record or a broken executor, 1 for a Batch API line that came back as an error. @internal
 */
export function failedOutcome(error: unknown, calls = 0): BatchItemOutcome {
  return { ok: false, error, calls, usage: { ...ZERO_USAGE }, costUsd: 0, durationMs: 0 };
}
