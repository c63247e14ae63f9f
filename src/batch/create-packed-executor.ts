import { ZERO_USAGE } from '../client/normalize-usage.js';
import { type PackedOutcome, runPackedLabels } from '../task/index.js';
import type { Task } from '../task/types.js';
import type { BatchExecutor, BatchItemOutcome } from './batch-types.js';
import type { OnlineExecutorOptions } from './create-online-executor.js';
import { observeRetries } from './observe-retries.js';
import { succeededOutcome } from './succeeded-outcome.js';

/**
 * The executor of `pack: N` (label tasks): up to N items per execution, classified together by
 * {@link runPackedLabels} — one request per pack, with the items it cannot answer run again alone. A rejection
 * (a refused key, no credits, an abort) fails the whole group, which the runner handles as for one item. @internal
 */
export function createPackedExecutor(task: Task<unknown>, pack: number, options: OnlineExecutorOptions): BatchExecutor {
  const { client, clock, taskOptions } = options;
  return {
    groupSize: pack,
    async execute(items, { signal }) {
      const started = clock.now();
      let throttled = false;
      const outcomes = await runPackedLabels(
        task,
        items.map((item) => ({ text: item.text })),
        {
          ...taskOptions,
          ...(client === undefined
            ? {}
            : {
                client: observeRetries(client, () => {
                  throttled = true;
                }),
              }),
          ...(signal === undefined ? {} : { signal }),
        },
      );
      const durationMs = clock.now() - started;
      return outcomes.map((outcome) => toItemOutcome(outcome, durationMs, throttled));
    },
  };
}

function toItemOutcome(outcome: PackedOutcome, durationMs: number, throttled: boolean): BatchItemOutcome {
  if (outcome.ok) return succeededOutcome(outcome.result, durationMs, throttled);
  return {
    ok: false,
    error: outcome.error,
    calls: outcome.calls ?? 0,
    usage: outcome.usage ?? { ...ZERO_USAGE },
    costUsd: outcome.costUsd ?? 0,
    durationMs,
  };
}
