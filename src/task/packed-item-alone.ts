import { addShares, type CallShare } from './packed-call-shares.js';
import type { PackedContext } from './packed-context.js';
import type { PendingItem } from './packed-groups.js';
import type { PackedOutcome } from './packed-outcome.js';
import { storeCachedResult } from './result-cache/store-cached-result.js';
import { runTask } from './run-task.js';

/**
 * Runs one item as a plain {@link runTask} call (local repair, repair turns, length retries), for an item the packed
 * reply did not answer validly or that could not be packed. `share` is what the item already spent on a packed
 * request; it is added to the result (or to the failure), so the item's figures stay complete. @internal
 */
export async function runItemAlone(
  context: PackedContext,
  item: PendingItem,
  share: CallShare,
): Promise<PackedOutcome> {
  let spent = share;
  try {
    const result = await runTask(context.task, item.text, {
      ...context.taskOptions,
      client: context.client,
      onAttempt: (attempt) => {
        spent = addShares(spent, { calls: 1, usage: attempt.usage, costUsd: attempt.costUsd });
        context.taskOptions.onAttempt?.(attempt);
      },
    });
    if (context.cache && item.key !== undefined) await storeCachedResult(context.cache, item.key, result);
    const total = addShares(share, result);
    return {
      ok: true,
      result: { ...result, ...total, durationMs: performance.now() - context.startedMs },
    };
  } catch (error) {
    return spent.calls === 0 ? { ok: false, error } : { ok: false, error, ...spent };
  }
}
