import type { Clock, QwenClient } from '../client/types.js';
import { type RunTaskOptions, runTask } from '../task/index.js';
import type { Task } from '../task/types.js';
import type { BatchExecutor, BatchItem, BatchItemOutcome } from './batch-types.js';
import { succeededOutcome } from './succeeded-outcome.js';
import { trackSpend } from './track-spend.js';

/** What the online executor needs besides the task. @internal */
export interface OnlineExecutorOptions {
  /** `undefined`: the default client, created on the first cache miss. */
  client: QwenClient | undefined;
  clock: Clock;
  /** The task options that are the same for every item, built once per run. */
  taskOptions: Pick<RunTaskOptions, 'maxRepairs' | 'timeoutMs' | 'cache'>;
}

/**
 * The executor of online mode: one {@link runTask} per item (group size 1). Usage and cost are counted per attempt,
 * so a failed item still reports the calls it paid for; a cache hit comes back with `cached: true`. @internal
 */
export function createOnlineExecutor(task: Task<unknown>, options: OnlineExecutorOptions): BatchExecutor {
  const { client, clock, taskOptions } = options;
  async function runItem(item: BatchItem, signal: AbortSignal | undefined): Promise<BatchItemOutcome> {
    const started = clock.now();
    const spend = trackSpend();
    const itemOptions: RunTaskOptions = { ...taskOptions, onAttempt: spend.onAttempt };
    if (client !== undefined) itemOptions.client = client;
    if (signal !== undefined) itemOptions.signal = signal;
    try {
      const result = await runTask(task, item.text, itemOptions);
      return succeededOutcome(result, clock.now() - started, spend.rateLimited);
    } catch (error) {
      const { calls, usage, costUsd } = spend;
      return { ok: false, error, calls, usage, costUsd, durationMs: clock.now() - started };
    }
  }
  return {
    groupSize: 1,
    async execute(items, { signal }) {
      const [item] = items;
      if (items.length === 1 && item !== undefined) return [await runItem(item, signal)];
      return Promise.all(items.map((each) => runItem(each, signal)));
    },
  };
}
