import { checkTimeoutMs } from '../client/check-timeout-ms.js';
import { InputError } from '../errors.js';
import { estimateTokens } from '../prompt/index.js';
import { checkText } from './check-text.js';
import { compileTask } from './compile-task.js';
import { getDefaultClient } from './default-client.js';
import { NO_SHARE } from './packed-call-shares.js';
import type { PackedContext } from './packed-context.js';
import { type PendingItem, packedGroups } from './packed-groups.js';
import { runItemAlone } from './packed-item-alone.js';
import type { PackedOutcome } from './packed-outcome.js';
import { runPackedRequest } from './packed-request.js';
import { cacheKey } from './result-cache/cache-key.js';
import { cacheModel } from './result-cache/cache-model.js';
import { readCachedResult } from './result-cache/read-cached-result.js';
import { checkMaxRepairs, type RunTaskOptions } from './run-task.js';
import type { Task } from './types.js';

/** Options of {@link runPackedLabels}: those of `runTask`, plus the size limit of a pack. */
export interface RunPackedLabelsOptions extends RunTaskOptions {
  /**
   * Most estimated tokens of item texts in one request; the items are split, in order, into as many requests as
   * this needs, and an item larger than it is sent alone. A request also holds at most 702 items (letter codes `A`
   * to `ZZ`). Packing is meant for short texts.
   * @defaultValue 4000
   */
  maxPackTokens?: number;
}

/** Default of {@link RunPackedLabelsOptions.maxPackTokens}. */
export const DEFAULT_MAX_PACK_TOKENS = 4000;

/**
 * Classifies many short texts with one request per pack, for `label` tasks (one label or `multi`). Resolves to
 * one {@link PackedOutcome} per item, in the same order.
 *
 * The request: the task's packed system message (the same for every pack) and the items one per line, each led by
 * its letter code (`A`, `B` … `Z`, `AA` …), line breaks inside a text collapsed, so no text can pose as another
 * item. The reply, one `ID: label` line per item (`A: positive`), is read by `parsePackedLabelsReply`, and each
 * answer goes through the same label parser as a one-item reply. Accuracy is protected by never guessing: an item
 * whose answer is missing, invalid, given twice, or on the cut-off last line of a `finish_reason: "length"` reply is
 * run again on its own with `runTask` (local repair and repair turns included). Whatever a text says, an answer can
 * only be one of the task's labels.
 *
 * Accounting: the packed request's usage and cost are split evenly over its items (so summing over items gives the
 * real total), and each item counts it as one call (`calls: 1`, a call it shared). An item run again alone adds its
 * own calls, usage and cost to that share. `durationMs` counts from the start of the run. `onAttempt` reports the
 * one-item calls only.
 *
 * With `options.cache`, items found in the cache are answered from it (`cached: true`, no cost) and never packed;
 * the others are packed, and every valid result is stored.
 *
 * Invalid texts fail their own item with an `InputError`. The promise rejects only for what no item can survive:
 * a task that is not a label task, invalid options, no client, an `AuthenticationError` or
 * `InsufficientCreditsError` from a packed request, or the caller's abort during one.
 *
 * @example
 * ```ts
 * const outcomes = await runPackedLabels(sentiment, reviews.map((text) => ({ text })), { client });
 * for (const outcome of outcomes) if (outcome.ok) labels.push(outcome.result.value);
 * ```
 */
export async function runPackedLabels(
  task: Task,
  items: readonly { text: string }[],
  options: RunPackedLabelsOptions = {},
): Promise<PackedOutcome[]> {
  const startedMs = performance.now();
  if (task.format !== 'label') {
    throw new InputError(`packing works with label tasks only; task "${task.name}" has format ${task.format}`, {
      path: 'task.format',
    });
  }
  if (!Array.isArray(items)) throw new InputError('items must be an array of { text } objects', { path: 'items' });
  checkOptions(options);
  const { cache, maxPackTokens = DEFAULT_MAX_PACK_TOKENS, client: givenClient } = options;
  const taskOptions: PackedContext['taskOptions'] = {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.maxRepairs === undefined ? {} : { maxRepairs: options.maxRepairs }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.onAttempt === undefined ? {} : { onAttempt: options.onAttempt }),
  };
  const compiled = compileTask(task);
  const outcomes = new Array<PackedOutcome | undefined>(items.length);
  const pending: PendingItem[] = [];
  for (const [index, item] of items.entries()) {
    const text: unknown = (item as { text?: unknown } | null | undefined)?.text;
    try {
      checkText(text, compiled.systemTokens);
      const tokens = estimateTokens(text as string);
      const key = cache ? cacheKey(task, cacheModel(task, givenClient), text as string) : undefined;
      pending.push({ index, text: text as string, tokens, key });
    } catch (error) {
      outcomes[index] = { ok: false, error };
    }
  }
  const misses: PendingItem[] = [];
  for (const item of pending) {
    const hit =
      cache && item.key !== undefined ? await readCachedResult(cache, item.key, compiled, startedMs) : undefined;
    if (hit) outcomes[item.index] = { ok: true, result: hit };
    else misses.push(item);
  }
  if (misses.length > 0) {
    const context: PackedContext = {
      task,
      compiled,
      client: givenClient ?? getDefaultClient(),
      taskOptions,
      cache,
      startedMs,
    };
    for (const group of packedGroups(misses, maxPackTokens)) {
      const first = group[0];
      const results =
        group.length === 1 && first
          ? [await runItemAlone(context, first, NO_SHARE)]
          : await runPackedRequest(context, group);
      for (const [position, item] of group.entries()) outcomes[item.index] = results[position];
    }
  }
  return outcomes as PackedOutcome[];
}

function checkOptions(options: RunPackedLabelsOptions): void {
  const { maxRepairs, timeoutMs, maxPackTokens } = options;
  if (maxRepairs !== undefined) checkMaxRepairs(maxRepairs);
  if (timeoutMs !== undefined) checkTimeoutMs(timeoutMs, 'options.timeoutMs');
  if (maxPackTokens !== undefined && !(Number.isInteger(maxPackTokens) && maxPackTokens > 0)) {
    throw new InputError(`maxPackTokens must be a positive whole number, got ${String(maxPackTokens)}`, {
      path: 'options.maxPackTokens',
    });
  }
}
