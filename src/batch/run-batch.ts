import { SYSTEM_CLOCK } from '../client/system-clock.js';
import type { Clock, QwenClient } from '../client/types.js';
import { InputError } from '../errors.js';
import { getDefaultClient } from '../task/default-client.js';
import { compileTask } from '../task/index.js';
import type { Task } from '../task/types.js';
import type { BatchExecutor, BatchInput, BatchItemResult, BatchRun, BatchSummary } from './batch-types.js';
import type { BatchSessionOptions } from './create-batch-session.js';
import { createOnlineExecutor, type OnlineExecutorOptions } from './create-online-executor.js';
import { createPackedExecutor } from './create-packed-executor.js';
import { driveBatch } from './drive-batch.js';
import { driveBatchApi } from './drive-batch-api.js';
import { openResultsFile } from './open-results-file.js';
import { isBatchInput, readBatchInputs } from './read-batch-inputs.js';
import { createResultChannel } from './result-channel.js';
import type { RunBatchOptions } from './run-batch-options.js';
import { validateBatchOptions } from './validate-batch-options.js';

/** Default {@link RunBatchOptions.concurrency}. */
export const DEFAULT_CONCURRENCY = 8;

/**
 * Runs a task over many inputs, streaming: inputs are read as slots free up, at most `concurrency` calls are in
 * flight (halved on rate limits, then raised again), and every finished item is appended to the `output` file at
 * once, so memory does not grow with the number of items and a crashed run can be resumed with `resume: true`.
 *
 * Work starts at once. Iterate the run for results as they complete (optional; a slow loop slows the run), and
 * await `summary` for the totals. Per-item failures (invalid reply, 400, content filter, an unusable record) are
 * results with `ok: false` and never stop the run. A refused key or an empty account stops it cleanly: no new items,
 * in-flight ones finish, `summary.stoppedBy` names the error, unprocessed items are not written (a resume picks them
 * up). `signal` aborts: in-flight calls are cancelled and not written, `summary.aborted` is true.
 *
 * `pack: N` classifies N short items per request (label tasks); `mode: 'batch-api'` sends the items through the
 * provider's Batch API at half the price, with the same results file, resume, progress and summary; `cache` answers
 * repeated items without a call.
 *
 * Invalid options throw an {@link InputError} at once. `summary` rejects with an {@link InputError} on a caller
 * error found while streaming — a duplicate id, an unreadable input or results file, an existing results file
 * without `resume` — after the items in flight have finished and been written.
 *
 * @example
 * ```ts
 * const run = runBatch(sentiment, 'reviews.jsonl', { output: 'results.jsonl', resume: true, concurrency: 16 });
 * for await (const result of run) {
 *   if (!result.ok) failures.push(`${result.id}: ${result.error?.message}`);
 * }
 * const summary = await run.summary; // { total, succeeded, failed, skipped, costUsd, … }
 * ```
 */
export function runBatch<O>(task: Task<O>, inputs: BatchInput, options: RunBatchOptions = {}): BatchRun<O> {
  if (!isBatchInput(inputs)) {
    throw new InputError(
      'inputs must be an array, an iterable, an async iterable, or the path of a JSONL file (ending in .jsonl)',
      { path: 'inputs' },
    );
  }
  validateBatchOptions(task as Task<unknown>, options);
  const compiled = compileTask(task as Task<unknown>);
  // With a cache, a run whose items are all cached needs no key: the default client is then made on the first miss.
  const client = options.client ?? (options.cache === undefined ? getDefaultClient() : undefined);
  if (compiled.request.tools && client !== undefined && !client.capabilities.tools) {
    throw new InputError(
      `task "${task.name}" asks for a tool call, which the ${client.provider} provider does not support; use jsonMode 'json_object'`,
      { path: 'task.settings.jsonMode' },
    );
  }
  const clock = options.clock ?? SYSTEM_CLOCK;
  const executor =
    options.mode === 'batch-api' ? undefined : selectExecutor(task as Task<unknown>, options, client, clock);
  const channel = createResultChannel<BatchItemResult>();

  async function run(): Promise<BatchSummary> {
    const results =
      options.output === undefined ? undefined : await openResultsFile(options.output, options.resume === true);
    const session: BatchSessionOptions = {
      results,
      retryFailed: options.retryFailed === true,
      includeInput: options.includeInput === true,
      channel,
      onProgress: options.onProgress,
      clock,
      knownTotal: Array.isArray(inputs) ? inputs.length : undefined,
    };
    const items = readBatchInputs(inputs)[Symbol.asyncIterator]();
    let summary: BatchSummary;
    try {
      summary =
        executor === undefined
          ? await driveBatchApi(task as Task<unknown>, {
              ...session,
              items,
              batchApi: { ...options, clock, ...(client === undefined ? {} : { client }) },
            })
          : await driveBatch({
              ...session,
              items,
              executor,
              concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
              maxCostUsd: options.maxCostUsd,
              signal: options.signal,
            });
    } catch (error) {
      await results?.close().catch(() => undefined);
      throw error;
    }
    await results?.close();
    return summary;
  }

  const summary = run().then(
    (value) => {
      channel.close();
      return value;
    },
    (error: unknown) => {
      channel.close(error);
      throw error;
    },
  );
  // The caller may only iterate; the iterator reports the error then, so it must not also be an unhandled rejection.
  summary.catch(() => undefined);
  return {
    summary,
    [Symbol.asyncIterator]: () => channel.iterator() as AsyncIterator<BatchItemResult<O>>,
  };
}

/** The executor of online mode: one call per item, or packs of label items. */
function selectExecutor(
  task: Task<unknown>,
  options: RunBatchOptions,
  client: QwenClient | undefined,
  clock: Clock,
): BatchExecutor {
  const executorOptions: OnlineExecutorOptions = {
    client,
    clock,
    taskOptions: {
      ...(options.maxRepairs === undefined ? {} : { maxRepairs: options.maxRepairs }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.cache === undefined ? {} : { cache: options.cache }),
    },
  };
  return options.pack === undefined
    ? createOnlineExecutor(task, executorOptions)
    : createPackedExecutor(task, options.pack, executorOptions);
}
