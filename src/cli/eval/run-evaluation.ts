import type { QwenClient } from '../../client/types.js';
import { AuthenticationError, InputError, InsufficientCreditsError } from '../../errors.js';
import { mapLimited } from '../../task/map-limited.js';
import { runTask } from '../../task/run-task.js';
import type { Task } from '../../task/types.js';
import type { LabelledItem } from './read-labelled-data.js';

/** The outcome of one labelled example. @internal */
export interface EvaluatedItem extends LabelledItem {
  /** The task's value; absent when it failed. */
  predicted?: unknown;
  /** Why the task failed on this item. */
  error?: { name: string; message: string };
  /** Wall time of the item, repair turns included. */
  durationMs: number;
}

/** Options of {@link runEvaluation}. @internal */
export interface RunEvaluationOptions {
  client: QwenClient;
  concurrency: number;
  signal?: AbortSignal;
  /** Called as each item finishes. */
  onItem?: (item: EvaluatedItem) => void;
}

/**
 * Runs a task over labelled examples with bounded concurrency. An item the task fails on (an invalid reply, a
 * server error after retries) is recorded with its error and scored as wrong; errors that would fail every item
 * (a refused key, no credits, bad configuration) stop the evaluation and are thrown.
 * @internal
 */
export function runEvaluation(
  task: Task,
  items: readonly LabelledItem[],
  { client, concurrency, signal, onItem }: RunEvaluationOptions,
): Promise<EvaluatedItem[]> {
  return mapLimited(items, concurrency, async (item) => {
    const started = performance.now();
    let evaluated: EvaluatedItem;
    try {
      const result = await runTask(task, item.text, { client, ...(signal === undefined ? {} : { signal }) });
      evaluated = { ...item, predicted: result.value, durationMs: result.durationMs };
    } catch (error) {
      if (isFatal(error) || signal?.aborted === true) throw error;
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      evaluated = { ...item, error: { name, message }, durationMs: performance.now() - started };
    }
    onItem?.(evaluated);
    return evaluated;
  });
}

function isFatal(error: unknown): boolean {
  return (
    error instanceof AuthenticationError ||
    error instanceof InsufficientCreditsError ||
    (error instanceof InputError && error.path !== 'text')
  );
}
