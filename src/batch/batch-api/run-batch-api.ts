import { SYSTEM_CLOCK } from '../../client/system-clock.js';
import { InputError } from '../../errors.js';
import { compileTask } from '../../task/compile-task.js';
import { getDefaultClient } from '../../task/default-client.js';
import type { Task } from '../../task/types.js';
import type { BatchItem } from '../batch-types.js';
import { isFatalError } from '../is-fatal-error.js';
import type { BatchApiRun } from './batch-api-run.js';
import {
  BATCH_API_DEFAULTS,
  type BatchApiEmit,
  type BatchApiReport,
  type RunBatchApiOptions,
} from './batch-api-run-options.js';
import {
  type BatchState,
  batchStatePath,
  readBatchState,
  removeBatchState,
  writeBatchState,
} from './batch-state-file.js';
import { createItemSpool } from './create-item-spool.js';
import { FINISHED_STATUSES, pollBatches } from './poll-batches.js';
import { resumeBatches } from './resume-batches.js';
import { submitBatchItems } from './submit-batch-items.js';
import { validateBatchApiOptions } from './validate-batch-api-options.js';

/**
 * Runs a task's items through the provider's Batch API at half the online price: builds one request line per item
 * (the body an online call would send, `custom_id` = the item's id), uploads request files of at most 50,000 lines
 * and 500 MB, creates a batch for each (`completion_window` 24h by default), polls with backoff, streams the output
 * and error files, and runs every reply through the task's output pipeline — repairing online what local repair
 * cannot fix (`repairOnline`, on by default). Every item is emitted once, with its outcome.
 *
 * With `output`, the batches and the ids of their items are kept in `<output>.batch-state.json` (removed when the
 * run ends), so that a run restarted with `resume: true` polls them instead of submitting again; `batchIds` does the
 * same for batches named by hand. `items` are the items still to do (a resumed run leaves out those already in the
 * results file).
 *
 * The signal stops the run: live batches are asked to cancel, unfinished items are not emitted, and the report says
 * `aborted`. A refused key or an empty account ends the run with `stoppedBy`. Thinking tasks and Segmind clients are
 * refused with an {@link InputError} before any request: the Batch API runs non-streaming requests, where DashScope
 * refuses thinking, and Segmind has no Batch API.
 * @internal
 */
export async function runBatchApi(
  task: Task<unknown>,
  items: AsyncIterable<BatchItem>,
  options: RunBatchApiOptions,
  emit: BatchApiEmit,
): Promise<BatchApiReport> {
  validateBatchApiOptions(options);
  const client = options.client ?? getDefaultClient();
  if (client.provider === 'segmind' || !client.capabilities.batchApi) {
    throw new InputError('The Batch API needs the dashscope or openai-compatible provider; Segmind has none', {
      path: 'options.client',
    });
  }
  if (task.settings.thinking) {
    throw new InputError(
      `Task "${task.name}" has thinking on, which the Batch API cannot run (its requests do not stream, and DashScope refuses thinking without streaming): use mode "online" or turn thinking off`,
      { path: 'task.settings.thinking' },
    );
  }
  const compiled = compileTask(task);
  const statePath = options.output === undefined ? undefined : batchStatePath(options.output);
  const previousState =
    options.resume === true && statePath !== undefined ? await readBatchState(statePath) : undefined;
  if (previousState !== undefined && previousState.taskHash !== task.hash) {
    throw new InputError(
      `The batch state file ${statePath} belongs to another version of task "${task.name}": remove it (and the results file) to start over`,
      { path: 'options.output' },
    );
  }
  const state: BatchState = { version: 1, taskHash: task.hash, batches: [] };
  const spool = await createItemSpool();
  const run: BatchApiRun = {
    task,
    compiled,
    client,
    api: client.batchApi,
    settings: {
      repairOnline: options.repairOnline ?? BATCH_API_DEFAULTS.repairOnline,
      maxRepairs: options.maxRepairs,
      timeoutMs: options.timeoutMs,
      completionWindow: options.completionWindow ?? BATCH_API_DEFAULTS.completionWindow,
      pollIntervalMs: options.pollIntervalMs ?? BATCH_API_DEFAULTS.pollIntervalMs,
      maxPollIntervalMs: options.maxPollIntervalMs ?? BATCH_API_DEFAULTS.maxPollIntervalMs,
      maxLinesPerFile: options.maxLinesPerFile ?? BATCH_API_DEFAULTS.maxLinesPerFile,
      maxBytesPerFile: options.maxBytesPerFile ?? BATCH_API_DEFAULTS.maxBytesPerFile,
      maxBytesPerLine: options.maxBytesPerLine ?? BATCH_API_DEFAULTS.maxBytesPerLine,
      concurrency: options.concurrency ?? BATCH_API_DEFAULTS.concurrency,
    },
    emit,
    spool,
    signal: options.signal,
    clock: options.clock ?? SYSTEM_CLOCK,
    state,
    saveState: () => (statePath === undefined ? Promise.resolve() : writeBatchState(statePath, state)),
    batches: [],
  };
  const batchIds = () =>
    run.batches.flatMap((batch) => (batch.entry.batchId === undefined ? [] : [batch.entry.batchId]));
  try {
    const itemBatches = await resumeBatches(run, previousState, options.batchIds ?? []);
    await submitBatchItems(run, items, itemBatches);
    await pollBatches(run, options.onBatchApiProgress);
    if (statePath !== undefined) await removeBatchState(statePath);
    return { batchIds: batchIds(), aborted: false };
  } catch (error) {
    if (run.signal?.aborted === true) {
      await cancelLiveBatches(run);
      return { batchIds: batchIds(), aborted: true };
    }
    if (isFatalError(error)) {
      return { batchIds: batchIds(), aborted: false, stoppedBy: { name: error.name, message: error.message } };
    }
    throw error;
  } finally {
    await spool.close();
  }
}

/** Asks every batch that has not finished to cancel (without the aborted signal); failures are ignored. */
async function cancelLiveBatches(run: BatchApiRun): Promise<void> {
  const live = run.batches.filter(
    (batch) => batch.entry.batchId !== undefined && !FINISHED_STATUSES.has(batch.job?.status ?? 'validating'),
  );
  await Promise.allSettled(live.map((batch) => run.api.cancelBatch(batch.entry.batchId!)));
}
