import { type PackedOutcome, runPackedLabels } from '../task/index.js';
import type { Task } from '../task/types.js';
import type { BatchExecutor, BatchItemOutcome } from './batch-types.js';
import type { OnlineExecutorOptions } from './create-online-executor.js';
import { observeRetries } from './observe-retries.js';

/**
 * The executor of `pack: N` (label tasks): up to N items per execution, classified together by
 * {@link runPackedLabels} — one request per pack, with the items it cannot answer run again alone. A rejection
 * (a refused key, no credits, an abort) fails the whole group, which the runner handles as for one item. @internal
 */
export function createPackedExecutor(task: Task<unknown>, pack: number, options: OnlineExecutorOptions): BatchExecutor {
  const { client, clock } = options;
  return {
    groupSize: pack,
    async execute(items, { signal }) {
      const started = clock.now();
      let throttled = false;
      const outcomes = await runPackedLabels(
        task,
        items.map((item) => ({ text: item.text })),
        {
          ...(client === undefined
            ? {}
            : {
                client: observeRetries(client, () => {
                  throttled = true;
                }),
              }),
          signal,
          ...(options.maxRepairs === undefined ? {} : { maxRepairs: options.maxRepairs }),
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
          ...(options.cache === undefined ? {} : { cache: options.cache }),
        },
      );
      const durationMs = clock.now() - started;
      return outcomes.map((outcome) => toItemOutcome(outcome, durationMs, throttled));
    },
  };
}

function toItemOutcome(outcome: PackedOutcome, durationMs: number, throttled: boolean): BatchItemOutcome {
  if (outcome.ok) {
    const { result } = outcome;
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
  return {
    ok: false,
    error: outcome.error,
    calls: outcome.calls ?? 0,
    usage: outcome.usage ?? { promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0 },
    costUsd: outcome.costUsd ?? 0,
    durationMs,
  };
}
