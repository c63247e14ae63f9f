import type { BatchItem, BatchItemOutcome, BatchItemResult } from './batch-types.js';
import { toBatchItemError } from './to-batch-item-error.js';

/** The result line of an item from its outcome. @internal */
export function toBatchItemResult(item: BatchItem, outcome: BatchItemOutcome, includeInput: boolean): BatchItemResult {
  return {
    id: item.id,
    index: item.index,
    ok: outcome.ok,
    ...(outcome.ok ? { value: outcome.value } : { error: toBatchItemError(outcome.error) }),
    calls: outcome.calls,
    usage: { ...outcome.usage },
    costUsd: outcome.costUsd,
    durationMs: Math.round(outcome.durationMs),
    ...(outcome.ok && outcome.cached === true ? { cached: true } : {}),
    ...(includeInput ? { input: item.input } : {}),
  };
}
