import type { TaskResult } from '../task/index.js';
import type { BatchItemOutcome } from './batch-types.js';

/**
 * The outcome of an item whose task call reached a value; `throttled` when a call of it was rate limited before the
 * client recovered. @internal
 */
export function succeededOutcome(
  result: TaskResult<unknown>,
  durationMs: number,
  throttled: boolean,
): BatchItemOutcome {
  return {
    ok: true,
    value: result.value,
    calls: result.calls,
    usage: result.usage,
    costUsd: result.costUsd,
    durationMs,
    ...(result.cached === true ? { cached: true } : {}),
    ...(result.remainingCredits === undefined ? {} : { remainingCredits: result.remainingCredits }),
    ...(throttled ? { throttled } : {}),
  };
}
