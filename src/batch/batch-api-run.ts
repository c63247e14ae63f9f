/**
 * `mode: 'batch-api'` of {@link runBatch}: the run of a task's items through the provider's Batch API (submit, poll,
 * settle; a stop leaves the batches running, cancelling is {@link cancelBatchApiRun}), the state file that lets a restarted run find its batches, and the mode's entry that
 * records each emitted item through the same session as online mode. See `docs/running-at-scale.md`.
 * @module
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { SYSTEM_CLOCK } from '../client/client.js';
import type { BatchApi, BatchJob, Clock, QwenClient } from '../client/types.js';
import { InputError } from '../errors.js';
import { isRecord } from '../json.js';
import { type CompiledTask, compileTask } from '../task/define-task.js';
import { getDefaultClient } from '../task/run-task.js';
import type { Task } from '../task/types.js';
import { FINISHED_STATUSES, pollBatches } from './batch-api-settle.js';
import { createItemSpool, type ItemSpool, resumeBatches, submitBatchItems } from './batch-api-submit.js';
import { closeInput, createBatchSession, isFatalError, runSession } from './outcomes.js';
import { type BatchRunStart, type BatchTrace, validateBatchApiOptions } from './run-batch.js';
import type {
  BatchApiRunOptions,
  BatchItem,
  BatchItemOutcome,
  BatchStopReason,
  BatchSummary,
  RunBatchOptions,
} from './types.js';

/** What {@link runBatchApi} takes: the run's options that apply to batches, and the batch-only ones. */
export type RunBatchApiOptions = Pick<
  RunBatchOptions,
  'signal' | 'output' | 'resume' | 'maxRepairs' | 'timeoutMs' | 'clock' | 'concurrency'
> &
  BatchApiRunOptions & { client?: QwenClient | undefined; trace?: BatchTrace | undefined };

/** The defaults of {@link BatchApiRunOptions}: the provider's documented limits. */
export const BATCH_API_DEFAULTS = Object.freeze({
  repairOnline: true,
  completionWindow: '24h',
  pollIntervalMs: 1_000,
  maxPollIntervalMs: 60_000,
  pollBackoffFactor: 1.5,
  maxLinesPerFile: 50_000,
  maxBytesPerFile: 500_000_000,
  maxBytesPerLine: 6_000_000,
  concurrency: 8,
});

/** Receives each finished item with its outcome, once; awaited (it writes the results file). */
type BatchApiEmit = (item: BatchItem, outcome: BatchItemOutcome) => void | Promise<void>;

/** How a Batch API run ended. */
interface BatchApiReport {
  /** Every batch the run submitted or polled. */
  batchIds: string[];
  /** Whether the signal stopped the run (its batches keep running for a resume; unfinished items were not emitted). */
  aborted: boolean;
  /** Set when a refused key or an empty account stopped the run; unfinished items were not emitted. */
  stoppedBy?: BatchStopReason;
}

/** A batch the run waits for. */
export interface TrackedBatch {
  /** Its line in the state file (shared with `run.state.batches`). */
  entry: BatchStateEntry;
  /** Ids of the items of this run waiting for a result from this batch. */
  pending: Set<string>;
  /** The batch as last polled. */
  job?: BatchJob;
}

/** Settings of a run, defaults applied. */
interface BatchApiSettings {
  repairOnline: boolean;
  maxRepairs: number | undefined;
  timeoutMs: number | undefined;
  completionWindow: string;
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  maxLinesPerFile: number;
  maxBytesPerFile: number;
  maxBytesPerLine: number;
  concurrency: number;
}

/** Everything the parts of a Batch API run share. */
export interface BatchApiRun {
  task: Task<unknown>;
  compiled: CompiledTask;
  client: QwenClient;
  api: BatchApi;
  settings: BatchApiSettings;
  emit: BatchApiEmit;
  spool: ItemSpool;
  signal: AbortSignal | undefined;
  /** The signal as the options of every Batch API call. */
  callOptions: { signal?: AbortSignal };
  /** The run's span and its sampling of items, when telemetry is on. */
  trace: BatchTrace | undefined;
  clock: Clock;
  /** What the state file holds (kept up to date even without a file). */
  state: BatchState;
  /** Writes `state` to the sidecar file, when the run has an output file. */
  saveState(): Promise<void>;
  batches: TrackedBatch[];
}

/**
 * Runs a task's items through the Batch API at half the online price and emits every item once with its outcome.
 * With `output`, `<output>.batch-state.json` lets a run restarted with `resume: true` poll its batches instead of
 * submitting again. See `docs/running-at-scale.md` (The Batch API).
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
    callOptions: options.signal === undefined ? {} : { signal: options.signal },
    trace: options.trace,
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
    // Stopped: the provider's batches keep running and the state file stays, so a resume re-attaches to them.
    if (run.signal?.aborted === true) return { batchIds: batchIds(), aborted: true };
    if (isFatalError(error)) {
      return { batchIds: batchIds(), aborted: false, stoppedBy: { name: error.name, message: error.message } };
    }
    throw error;
  } finally {
    await spool.close();
  }
}

/**
 * Cancels the provider's batches of a stopped Batch API run: every batch in the state file beside `output` that has
 * not finished is asked to cancel. Stopping a run (its `signal`) never does this; it is this separate, explicit
 * action. A resume afterwards submits the cancelled items again. Resolves with the ids of the batches asked to cancel;
 * an {@link InputError} when there is no state file (the run finished, or submitted nothing).
 */
export async function cancelBatchApiRun(
  output: string,
  options: { client?: QwenClient; signal?: AbortSignal } = {},
): Promise<string[]> {
  const path = batchStatePath(output);
  const state = await readBatchState(path);
  if (state === undefined) {
    throw new InputError(
      `There is no Batch API run to cancel: ${path} does not exist (the run finished, or submitted nothing)`,
      {
        path: 'output',
      },
    );
  }
  const api = (options.client ?? getDefaultClient()).batchApi;
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const cancelled: string[] = [];
  for (const entry of state.batches) {
    if (entry.batchId === undefined) continue;
    const job = await api.retrieveBatch(entry.batchId, call);
    if (FINISHED_STATUSES.has(job.status) || job.status === 'cancelling') continue;
    await api.cancelBatch(entry.batchId, call);
    cancelled.push(entry.batchId);
  }
  return cancelled;
}

/**
 * `mode: 'batch-api'`, loaded by {@link runBatch} when work starts: hands the items to be processed (duplicates
 * refused, resumed ids skipped) to {@link runBatchApi}, and records each item it emits through the run's session.
 */
export function runBatchApiMode(start: BatchRunStart): Promise<BatchSummary> {
  const { task, options, client, clock } = start;
  const batchApi: RunBatchApiOptions = { ...options, clock, client, trace: start.trace };
  return runSession(start, async (sessionOptions, items) => {
    let admitted = 0;
    let emitted = 0;
    const session = createBatchSession(sessionOptions, () => ({
      inFlight: admitted - emitted,
      concurrency: batchApi.concurrency ?? 1,
    }));
    let inputDone = false;
    async function* toProcess(): AsyncGenerator<BatchItem> {
      for (let next = await items.next(); next.done !== true; next = await items.next()) {
        if (!session.admit(next.value)) continue;
        admitted += 1;
        yield next.value;
      }
      inputDone = true;
      session.inputEnded();
    }
    try {
      const report = await runBatchApi(task, toProcess(), batchApi, async (item, outcome) => {
        emitted += 1;
        session.tally.spend(outcome);
        await session.record(item, outcome);
      });
      return session.finish({ aborted: report.aborted, stoppedBy: report.stoppedBy });
    } finally {
      if (!inputDone) await closeInput(items);
    }
  });
}

/** One submitted request file: its batch once created, and the ids of the items it holds. */
export interface BatchStateEntry {
  inputFileId: string;
  /** Missing when the run stopped between the upload and the creation of the batch. */
  batchId?: string;
  itemIds: string[];
}

/** What the sidecar file of a results file remembers of a Batch API run. */
export interface BatchState {
  version: 1;
  /** The task's hash: a resume with another task is refused. */
  taskHash: string;
  batches: BatchStateEntry[];
}

/** The sidecar of a results file: `results.jsonl` → `results.jsonl.batch-state.json`. */
export function batchStatePath(output: string): string {
  return `${output}.batch-state.json`;
}

/** Reads a state file; `undefined` when there is none. A file that is not a state is an {@link InputError}. */
export async function readBatchState(path: string): Promise<BatchState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(`Cannot read the batch state file ${path}: ${(error as Error).message}`, {
      path: 'output',
      cause: error,
    });
  }
  const state = parseState(text);
  if (state === undefined) {
    throw new InputError(`The batch state file ${path} is not one this library wrote: remove it to start over`, {
      path: 'output',
    });
  }
  return state;
}

/** Replaces the state file in one step (a temporary file renamed over it), so a crash never leaves half a file. */
export async function writeBatchState(path: string, state: BatchState): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state)}\n`, 'utf8');
  await rename(temporary, path);
}

/** Deletes the state file, when there is one. */
export async function removeBatchState(path: string): Promise<void> {
  await rm(path, { force: true });
}

function parseState(text: string): BatchState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || value.version !== 1 || typeof value.taskHash !== 'string' || !Array.isArray(value.batches)) {
    return undefined;
  }
  const batches: BatchStateEntry[] = [];
  for (const entry of value.batches) {
    if (!isRecord(entry) || typeof entry.inputFileId !== 'string' || !Array.isArray(entry.itemIds)) return undefined;
    if (!entry.itemIds.every((id) => typeof id === 'string')) return undefined;
    if (entry.batchId !== undefined && typeof entry.batchId !== 'string') return undefined;
    batches.push({
      inputFileId: entry.inputFileId,
      ...(entry.batchId === undefined ? {} : { batchId: entry.batchId }),
      itemIds: entry.itemIds as string[],
    });
  }
  return { version: 1, taskHash: value.taskHash, batches };
}
